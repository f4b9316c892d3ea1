"""A thin async client for the escalation service (the calls the actions make).

Every call has a timeout (``ESCALATION_TIMEOUT_S``) and raises
:class:`EscalationUnavailable` for anything but a good answer, so an action can fall
back to what keeps the teen safe (the helplines). Telegram ids travel only in bodies.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp


class EscalationUnavailable(Exception):
    """The service did not answer in time, or answered with an error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # a code or an HTTP status: never request data


class EscalationClient:
    def __init__(self, base_url: str, token: str, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def _send(
        self, method: str, path: str, body: dict[str, Any], *, none_on_404: bool = False
    ) -> dict[str, Any] | None:
        try:
            async with aiohttp.ClientSession(
                timeout=self._timeout, headers=self._headers
            ) as session, session.request(method, self.base_url + path, json=body) as response:
                if none_on_404 and response.status == 404:
                    return None
                if response.status not in (200, 201):
                    raise EscalationUnavailable(f"http_{response.status}")
                answer: dict[str, Any] = await response.json()
                return answer
        except EscalationUnavailable:
            raise
        except (TimeoutError, asyncio.TimeoutError):
            # Python 3.10 (the action server's): asyncio's timeout is not the builtin one.
            raise EscalationUnavailable("timeout") from None
        except (aiohttp.ClientError, ValueError) as error:
            raise EscalationUnavailable(type(error).__name__) from None

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self._send("POST", path, body)
        assert answer is not None  # only None with none_on_404
        return answer

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/escalations (idempotent on body["idempotency_key"])."""
        return await self._post("/v1/escalations", body)

    async def add_message(
        self, escalation_id: str, text: str, author: str = "bot"
    ) -> dict[str, Any]:
        """POST /v1/escalations/{id}/messages (kept encrypted, purged with retention)."""
        return await self._post(
            f"/v1/escalations/{escalation_id}/messages", {"author": author, "text": text}
        )

    async def who_speaks(self, teen_telegram_id: int) -> dict[str, Any]:
        """POST /v1/who-speaks: {"speaker": "bot" | "counsellor", ...}."""
        return await self._post("/v1/who-speaks", {"teen_telegram_id": teen_telegram_id})

    async def peer_harm(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/peer-harm: {"remind", "target_at_risk", "alerted"} for a hurtful reply."""
        return await self._post("/v1/peer-harm", body)

    async def save_plan(self, teen_telegram_id: int, plan: dict[str, list[str]]) -> dict[str, Any]:
        """PUT /v1/safety-plans: keep the teen's own list (only with their consent)."""
        answer = await self._send(
            "PUT", "/v1/safety-plans",
            {"teen_telegram_id": teen_telegram_id, "consent": True, **plan},
        )
        assert answer is not None
        return answer

    async def read_plan(self, teen_telegram_id: int) -> dict[str, Any] | None:
        """POST /v1/safety-plans/read: the kept list, or None when there is none."""
        return await self._send(
            "POST", "/v1/safety-plans/read", {"teen_telegram_id": teen_telegram_id},
            none_on_404=True,
        )

    async def delete_plan(self, teen_telegram_id: int) -> dict[str, Any]:
        """POST /v1/safety-plans/delete: forget the teen's list ({"deleted": bool})."""
        return await self._post("/v1/safety-plans/delete", {"teen_telegram_id": teen_telegram_id})


_client: EscalationClient | None = None


def get_client() -> EscalationClient:
    """The process's client, built once from the settings (tests replace it)."""
    global _client
    if _client is None:
        from bot.actions import settings

        _client = EscalationClient(
            settings.escalation_url,
            settings.escalation_service_token,
            settings.escalation_timeout_s,
        )
    return _client


def set_client(client: EscalationClient | None) -> None:
    global _client
    _client = client
