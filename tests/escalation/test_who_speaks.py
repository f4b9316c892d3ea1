"""Who speaks, and what the counsellor decided: after a hand-back the bot carries on
where the talk was (``last_outcome``), rather than asking the direct questions again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.escalation.conftest import Running
from tests.escalation.test_sla import Clock

pytestmark = pytest.mark.redis

START = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
TEEN = 1001


async def who(running: Running, teen: int = TEEN) -> Any:
    r = await running.client.post("/v1/who-speaks", json={"teen_telegram_id": teen})
    assert r.status_code == 200, r.text
    return r.json()


async def close(running: Running, eid: str, outcome: str) -> None:
    r = await running.client.post(
        f"/v1/escalations/{eid}/close", json={"outcome": outcome},
        headers={"X-Counsellor-Id": "anna"},
    )
    assert r.status_code == 200, r.text


async def test_after_a_hand_back_the_bot_speaks_and_knows_the_outcome(running: Running) -> None:
    clock = Clock(START)
    running.service.clock = clock
    await running.counsellor("anna")
    assert (await who(running))["last_outcome"] is None  # never escalated

    eid = (await running.create("h1", "direct")).json()["escalation"]["id"]
    await running.claim(eid, "anna")
    claimed = await who(running)
    assert (claimed["speaker"], claimed["last_outcome"], claimed["last_closed_at"]) == (
        "counsellor", None, None
    )

    clock.advance(600)
    await close(running, eid, "handed_back")
    back = await who(running)
    assert back == {
        "speaker": "bot", "counsellor": None, "escalation_id": None, "escalation_status": None,
        "last_outcome": "handed_back",
        "last_closed_at": back["last_closed_at"],
    }
    assert datetime.fromisoformat(back["last_closed_at"]) == START + timedelta(seconds=600)
    assert (await who(running, teen=2002))["last_outcome"] is None  # another teen

    # Within 24 hours only.
    clock.advance(timedelta(hours=24).total_seconds() - 1)
    assert (await who(running))["last_outcome"] == "handed_back"
    clock.advance(2)
    assert (await who(running))["last_outcome"] is None


async def test_an_open_escalation_hides_the_last_outcome_and_the_newest_close_wins(
    running: Running,
) -> None:
    clock = Clock(START)
    running.service.clock = clock
    await running.counsellor("anna")
    first = (await running.create("a", "direct")).json()["escalation"]["id"]
    await close(running, first, "safe_plan")
    clock.advance(60)
    second = (await running.create("b", "indirect")).json()["escalation"]["id"]
    open_now = await who(running)
    assert (open_now["escalation_id"], open_now["last_outcome"]) == (second, None)

    clock.advance(60)
    await running.claim(second, "anna")
    await close(running, second, "handed_back")
    assert (await who(running))["last_outcome"] == "handed_back"
    clock.advance(60)
    third = (await running.create("c", "distress")).json()["escalation"]["id"]
    await close(running, third, "false_alarm")
    assert (await who(running))["last_outcome"] == "false_alarm"
