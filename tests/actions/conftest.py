"""Fixtures of the action tests: saved tracker snapshots and a recording escalation client.

Nothing here imports rasa or rasa_sdk at module level: the Python 3.11 run imports
this file too (it deselects the ``rasa`` tests).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

# The action package starts the JSON logs and Sentry when imported; not in tests.
os.environ.setdefault("ACTIONS_CONFIGURE_LOGGING", "0")

TRACKERS = Path(__file__).parent / "trackers"
DOMAIN_DIR = Path(__file__).resolve().parents[2] / "stories" / "domain"


@pytest.fixture
def load_tracker():
    from rasa_sdk import Tracker

    def load(name: str) -> Tracker:
        return Tracker.from_dict(json.loads((TRACKERS / f"{name}.json").read_text("utf-8")))

    return load


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The domain as the Rasa server sends it: here, the merged responses and slots."""
    merged: dict[str, Any] = {"responses": {}, "slots": {}, "forms": {}}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        for key in merged:
            merged[key].update(data.get(key) or {})
    return merged


class RecordingClient:
    """Stands in for EscalationClient: records calls, answers as configured."""

    def __init__(self, *, available: bool = True, counsellor_available: bool = True,
                 speaker: str = "bot") -> None:
        self.available = available
        self.counsellor_available = counsellor_available
        self.speaker = speaker
        self.next_shift_at: str | None = None
        self.last_outcome: str | None = None
        self.peer_answer = {"remind": True, "target_at_risk": False, "alerted": False}
        self.plan: dict[str, list[str]] | None = None
        self.calls: list[tuple[str, Any]] = []

    def _check(self) -> None:
        if not self.available:
            from bot.actions.escalation_client import EscalationUnavailable

            raise EscalationUnavailable("timeout")

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("create", body))
        self._check()
        return {"escalation": {"id": "esc-new", "risk_level": body["risk_level"]},
                "created": True, "merged": False,
                "delivery": "held" if body.get("notify_after_s") else "queued",
                "counsellor_available": self.counsellor_available, "helplines": [],
                "next_shift_at": None if self.counsellor_available else self.next_shift_at,
                "in_service_hours": self.next_shift_at is None}

    async def peer_harm(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("peer_harm", body))
        self._check()
        return dict(self.peer_answer)

    async def add_message(self, escalation_id: str, text: str,
                          author: str = "bot") -> dict[str, Any]:
        self.calls.append(("add_message", (escalation_id, author, text)))
        self._check()
        return {}

    async def save_plan(self, teen_telegram_id: int, plan: dict[str, list[str]]) -> dict[str, Any]:
        self.calls.append(("save_plan", plan))
        self._check()
        self.plan = plan
        return {"plan": plan, "updated_at": "2026-11-22T10:00:00Z"}

    async def read_plan(self, teen_telegram_id: int) -> dict[str, Any] | None:
        self.calls.append(("read_plan", teen_telegram_id))
        self._check()
        return None if self.plan is None else {"plan": self.plan}

    async def delete_plan(self, teen_telegram_id: int) -> dict[str, Any]:
        self.calls.append(("delete_plan", teen_telegram_id))
        self._check()
        deleted, self.plan = self.plan is not None, None
        return {"deleted": deleted}

    async def who_speaks(self, teen_telegram_id: int) -> dict[str, Any]:
        self.calls.append(("who_speaks", teen_telegram_id))
        self._check()
        return {"speaker": self.speaker, "counsellor": None, "escalation_id": None,
                "escalation_status": None, "last_outcome": self.last_outcome,
                "last_closed_at": None}


@pytest.fixture
def client():
    from bot.actions.escalation_client import set_client

    recording = RecordingClient()
    set_client(recording)  # type: ignore[arg-type]
    yield recording
    set_client(None)
