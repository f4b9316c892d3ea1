"""A thin test client: the Bot API as the bot, the scripting API as the people."""

from __future__ import annotations

from typing import Any

import httpx

from bot.simulator.testing import RunningSimulator


class Telegram:
    def __init__(self, client: httpx.Client, running: RunningSimulator) -> None:
        self.http = client
        self.running = running
        self.token = running.token

    # --- as the bot -----------------------------------------------------------------

    def call(self, method: str, **params: Any) -> httpx.Response:
        return self.http.post(f"/bot{self.token}/{method}", json=params)

    def ok(self, method: str, **params: Any) -> Any:
        response = self.call(method, **params)
        body = response.json()
        assert response.status_code == 200 and body["ok"] is True, body
        return body["result"]

    def error(self, method: str, **params: Any) -> tuple[int, str, dict[str, Any]]:
        response = self.call(method, **params)
        body = response.json()
        assert body["ok"] is False, body
        assert response.status_code == body["error_code"]
        return body["error_code"], body["description"], body.get("parameters", {})

    def updates(self, **params: Any) -> list[dict[str, Any]]:
        """Everything waiting for the bot, confirmed at once."""
        result: list[dict[str, Any]] = self.ok("getUpdates", timeout=0, **params)
        if result:
            self.ok("getUpdates", offset=result[-1]["update_id"] + 1, timeout=0)
        return result

    # --- as people -------------------------------------------------------------------

    def world(self) -> dict[str, Any]:
        return dict(self.http.get("/api/world").json())

    def chat_id(self, key: str) -> int:
        for chat in self.world()["chats"]:
            if chat["key"] == key:
                return int(chat["id"])
        raise KeyError(key)

    def user_id(self, key: str) -> int:
        return next(int(u["id"]) for u in self.world()["users"] if u["key"] == key)

    def say(self, who: str, chat: str | int, text: str, **extra: Any) -> dict[str, Any]:
        response = self.http.post(f"/api/chats/{chat}/messages",
                                  json={"as": who, "text": text, **extra})
        assert response.status_code == 200, response.text
        return dict(response.json())

    def start(self, who: str) -> None:
        """The user opens the bot's private chat and presses Start; updates are drained."""
        self.say(who, who, "/start")
        self.updates()

    def messages(self, chat: str | int, viewer: str | None = None,
                 **params: Any) -> list[dict[str, Any]]:
        query = {"as": viewer, **params} if viewer else params
        response = self.http.get(f"/api/chats/{chat}/messages", params=query)
        assert response.status_code == 200, response.text
        return list(response.json()["messages"])
