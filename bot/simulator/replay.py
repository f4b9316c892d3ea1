"""Replay a conversation from a YAML file through the scripting API and print the transcript.

The file lists steps, each done by one user, and whose views to print::

    show: [lotte, els]          # default: everyone who acts
    steps:
      - {as: lotte, in: vlaanderen, say: "ik kan er niet meer tegen"}
      - {as: lotte, in: vlaanderen, press: "Praat met mij"}   # newest message with that button
      - {as: lotte, follow: "https://t.me/hulplijn_sim_bot?start=abc"}
      - {as: lotte, say: "ja"}                                # same chat as the step before
      - {as: els, in: staff, topic: "Tiener 7f3a", say: "Ik ben er"}
      - {as: lotte, edit: "ja, echt"}                         # the user's last message
      - {as: lotte, send: photo, caption: "tekening"}         # or sticker
      - {wait: 2}                                             # seconds

After every step the replay waits until the bot has taken every update and been quiet
for ``quiet`` seconds (at most ``timeout``), so the transcript holds its answers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

from bot.simulator.settings import SimulatorSettings


class ReplayError(Exception):
    """A step that cannot be done; the message names the step."""


def replay_file(path: Path, *, url: str | None = None, quiet: float = 0.5,
                timeout: float = 15.0) -> str:
    """Run the conversation in ``path`` and return the transcript as text."""
    script = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(script, dict) or not isinstance(script.get("steps"), list):
        raise ReplayError(f"{path}: expected a mapping with a 'steps' list")
    with _simulator(url) as base, httpx.Client(base_url=base, timeout=timeout + 30) as client:
        return Replay(client, quiet=quiet, timeout=timeout).run(script)


@contextlib.contextmanager
def _simulator(url: str | None) -> Iterator[str]:
    if url:
        yield url.rstrip("/")
        return
    from bot.simulator.testing import running_simulator

    with running_simulator(SimulatorSettings(port=0)) as running:
        yield running.url


class Replay:
    def __init__(self, client: httpx.Client, *, quiet: float, timeout: float) -> None:
        self.http = client
        self.quiet = quiet
        self.timeout = timeout
        self.current_chat: dict[str, str] = {}
        self.last_message: dict[str, tuple[str, int]] = {}

    def _check(self, response: httpx.Response, number: int) -> dict[str, Any]:
        if response.status_code >= 400:
            detail = response.json().get("detail", response.text)
            raise ReplayError(f"step {number}: {detail}")
        body: dict[str, Any] = response.json()
        return body

    def run(self, script: dict[str, Any]) -> str:
        actors: list[str] = []
        for number, step in enumerate(script["steps"], start=1):
            if not isinstance(step, dict):
                raise ReplayError(f"step {number}: expected a mapping")
            who = step.get("as")
            if who and who not in actors:
                actors.append(str(who))
            self.step(number, step)
            self.http.post("/api/settle", params={"quiet": self.quiet, "timeout": self.timeout})
        show = script.get("show") or actors
        return "".join(self.transcript(str(viewer)) for viewer in show)

    def _thread(self, chat: str, topic: Any, number: int) -> int | None:
        if topic is None:
            return None
        if isinstance(topic, int):
            return topic
        chats = self.http.get("/api/chats").json()
        for found in chats:
            if str(found["key"]) == chat or str(found["id"]) == chat:
                for candidate in found["topics"]:
                    if candidate["name"] == topic:
                        return int(candidate["thread_id"])
        raise ReplayError(f"step {number}: no topic {topic!r} in {chat}")

    def step(self, number: int, step: dict[str, Any]) -> None:
        if "wait" in step:
            time.sleep(float(step["wait"]))
            return
        who = str(step.get("as") or "")
        if not who:
            raise ReplayError(f"step {number}: who acts? ('as' is missing)")
        chat = str(step.get("in") or self.current_chat.get(who) or who)
        thread = self._thread(chat, step.get("topic"), number)
        if "follow" in step:
            body = self._check(self.http.post("/api/links/follow",
                                              json={"as": who, "url": step["follow"]}), number)
            self.current_chat[who] = who
            if body["message"]:
                self.last_message[who] = (who, body["message"]["id"])
            return
        self.current_chat[who] = chat
        if "say" in step or "send" in step:
            payload: dict[str, Any] = {"as": who, "thread_id": thread}
            if "say" in step:
                payload["text"] = str(step["say"])
            else:
                payload["kind"] = step["send"]
                payload["caption"] = step.get("caption")
            if "reply_to" in step:
                payload["reply_to"] = step["reply_to"]
            body = self._check(self.http.post(f"/api/chats/{chat}/messages", json=payload),
                               number)
            self.last_message[who] = (chat, body["id"])
        elif "press" in step:
            label = str(step["press"])
            view = self._check(self.http.get(f"/api/chats/{chat}/messages",
                                             params={"as": who}), number)
            target = next((m for m in reversed(view["messages"])
                           if any(b.get("text") == label for row in m["buttons"] for b in row)),
                          None)
            if target is None:
                raise ReplayError(f"step {number}: no button {label!r} in {chat}")
            self._check(self.http.post(f"/api/chats/{chat}/messages/{target['id']}/press",
                                       json={"as": who, "text": label, "wait": self.timeout}),
                        number)
        elif "edit" in step:
            if who not in self.last_message:
                raise ReplayError(f"step {number}: {who} has sent nothing to edit")
            where, message_id = self.last_message[who]
            self._check(self.http.patch(f"/api/chats/{where}/messages/{message_id}",
                                        json={"as": who, "text": str(step["edit"])}), number)
        else:
            raise ReplayError(f"step {number}: nothing to do (say, send, press, follow, edit)")

    def transcript(self, viewer: str) -> str:
        world = self.http.get("/api/world").json()
        person = next((u for u in world["users"] if u["key"] == viewer), None)
        if person is None:
            raise ReplayError(f"show: no user {viewer!r}")
        lines = [f"=== {person['name']} ({person['role']}) ===\n"]
        for chat in self.http.get("/api/chats", params={"as": viewer}).json():
            view = self.http.get(f"/api/chats/{chat['id']}/messages",
                                 params={"as": viewer}).json()
            messages = view["messages"]
            if not messages:
                continue
            topics = {t["thread_id"]: t["name"] for t in chat["topics"]}
            title = chat["title"] if chat["type"] != "private" else "privé met de bot"
            lines.append(f"--- {title} ---\n")
            for message in messages:
                lines.append(_line(message, topics))
        lines.append("\n")
        return "".join(lines)


def _line(message: dict[str, Any], topics: dict[int, str]) -> str:
    clock = dt.datetime.fromtimestamp(message["date"]).strftime("%H:%M:%S")
    where = f"[{topics[message['thread_id']]}] " if message["thread_id"] in topics else ""
    who = message["from"]["name"]
    if message["service"]:
        return f"{clock} {where}· {message['service']}\n"
    if message["kind"] == "photo":
        body = f"[foto] {message['text']}".rstrip()
    elif message["kind"] == "sticker":
        body = f"[sticker {message['text']}]"
    else:
        body = message["text"]
    marks = "".join([
        " (bewerkt)" if message["edited"] else "",
        f" (doorgestuurd van {message['forwarded_from']})" if message["forwarded_from"] else "",
    ])
    deleted = "(verwijderd) " if message["deleted"] else ""
    text = f"{clock} {where}{deleted}{who}: {body}{marks}\n"
    for row in message["buttons"]:
        text += "         " + " ".join(f"[{b['text']}]" for b in row) + "\n"
    return text
