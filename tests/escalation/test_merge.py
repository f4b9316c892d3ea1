"""One active escalation per teen: a second signal is merged into it, never a second row."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from escalation.models import Escalation, IdempotencyKey, RiskLevel
from escalation.queue import queue_score
from tests.escalation.conftest import Running
from tests.escalation.test_sla import Clock

pytestmark = pytest.mark.redis

START = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


async def detail(running: Running, eid: str) -> Any:
    r = await running.client.get(f"/v1/escalations/{eid}")
    assert r.status_code == 200, r.text
    return r.json()


def kinds(escalation: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in escalation["events"]]


def evidence(code: str, matched: str | None = None) -> dict[str, Any]:
    return {"source": "lexicon", "code": code, "matched": matched}


async def test_a_second_signal_is_merged_into_the_active_escalation(running: Running) -> None:
    clock = Clock(START)
    running.service.clock = clock
    await running.counsellor("anna")
    first = await running.create(
        "indirect-1", "indirect",
        answers={"thoughts_of_suicide": "yes"},
        evidence=[evidence("indirect.pain", "de pijn")],
    )
    assert first.status_code == 201
    assert first.json()["merged"] is False
    eid = first.json()["escalation"]["id"]

    clock.advance(30)
    second = await running.create(
        "direct-1", "direct",
        reason_codes=["dialogue.direct"],
        answers={"thoughts_of_suicide": None, "has_method": "no"},
        evidence=[evidence("indirect.pain", "de pijn"), evidence("direct.plan", "een plan")],
    )
    assert second.status_code == 200, second.text
    body = second.json()
    assert (body["created"], body["merged"], body["delivery"]) == (False, True, "queued")
    merged = body["escalation"]
    assert merged["id"] == eid
    assert (merged["risk_level"], merged["priority"]) == ("direct", 3)
    assert merged["answers"] == {
        "thoughts_of_suicide": "yes", "has_method": "no", "has_time": None, "has_place": None,
    }
    assert merged["reason_codes"] == ["lexicon.direct", "dialogue.direct"]

    shown = await detail(running, eid)
    assert [e["matched"] for e in shown["evidence"]] == ["de pijn", "een plan"]
    assert kinds(shown) == ["created", "merged", "risk_raised"]
    assert shown["events"][1]["detail"] == {
        "risk_from": "indirect", "risk_to": "direct", "answers_changed": ["has_method"],
        "answer_texts_changed": [],
        "reason_codes_added": 1, "evidence_added": 1,
    }
    assert shown["events"][2]["detail"]["risk_to"] == "direct"

    # The queue place keeps the age of the first signal, at the new risk.
    async with running.service.sessions() as session:
        row = await session.get(Escalation, eid)
        assert row is not None
        assert row.queue_score == queue_score(
            row.created_at.timestamp(), RiskLevel.direct, running.settings.aging_step_s
        )
        # The SLA deadline moved up: the urgent delay from the merge (30 s + 60 s), where
        # the indirect one would have waited until 300 s.
        assert row.next_sla_at == START + timedelta(seconds=90)
        count = await session.scalar(select(func.count()).select_from(Escalation))
    assert count == 1

    # A lower risk later never lowers it; nothing new: no risk_raised.
    third = await running.create("distress-1", "distress")
    assert third.json()["escalation"]["risk_level"] == "direct"
    assert kinds(await detail(running, eid))[-1] == "merged"

    metrics = (await running.client.get("/metrics")).text
    assert 'escalation_merges_total{risk_raised="true"} 1.0' in metrics
    assert 'escalation_merges_total{risk_raised="false"} 1.0' in metrics
    assert 'escalations_created_total{risk="indirect"} 1.0' in metrics
    assert 'escalations_created_total{risk="direct"}' not in metrics


async def test_a_retried_key_answers_the_same_escalation_and_merges_once(
    running: Running,
) -> None:
    first = (await running.create("k1", "indirect")).json()["escalation"]["id"]
    merged = await running.create("k2", "direct", evidence=[evidence("direct.x")])
    assert merged.json()["merged"] is True

    again = await running.create("k2", "imminent")  # the retry, even with other content
    assert again.status_code == 200
    assert again.json()["created"] is False and again.json()["merged"] is True
    assert again.json()["escalation"]["id"] == first
    assert again.json()["escalation"]["risk_level"] == "direct"
    original = await running.create("k1", "indirect")
    assert (original.status_code, original.json()["merged"]) == (200, False)
    assert kinds(await detail(running, first)) == ["created", "merged", "risk_raised"]

    # Closed: a merged key still answers its escalation; a new key makes a new one.
    await running.counsellor("anna")
    closed = await running.client.post(
        f"/v1/escalations/{first}/close", json={"outcome": "safe_plan"},
        headers={"X-Counsellor-Id": "anna"},
    )
    assert closed.status_code == 200
    retry = await running.create("k2", "direct")
    assert (retry.status_code, retry.json()["escalation"]["id"]) == (200, first)
    assert retry.json()["delivery"] == "not_needed"
    fresh = await running.create("k3", "distress")
    assert fresh.status_code == 201
    assert fresh.json()["escalation"]["id"] != first
    assert fresh.json()["merged"] is False
    assert (await detail(running, first))["status"] == "closed"


async def test_a_raised_risk_moves_the_escalation_up_the_redis_queue(running: Running) -> None:
    clock = Clock(START)
    running.service.clock = clock
    await running.counsellor("anna")
    calm = (await running.create("calm", "indirect", teen=1)).json()["escalation"]["id"]
    clock.advance(1)
    other = (await running.create("other", "direct", teen=2)).json()["escalation"]["id"]
    listed = (await running.client.get("/v1/escalations")).json()["escalations"]
    assert [e["id"] for e in listed] == [other, calm]

    await running.create("calm-rises", "imminent", teen=1)

    listed = (await running.client.get("/v1/escalations")).json()["escalations"]
    assert [e["id"] for e in listed] == [calm, other]
    first = await running.lease()
    assert first["escalation"]["id"] == calm
    assert first["escalation"]["risk_level"] == "imminent"
    assert (await running.lease())["escalation"]["id"] == other


async def test_a_raise_after_the_notice_or_during_it_is_delivered_again(
    running: Running,
) -> None:
    await running.counsellor("anna")
    eid = (await running.create("n1", "indirect")).json()["escalation"]["id"]
    notice = await running.ack(await running.lease())
    assert notice.json()["stale"] is False
    assert await running.lease() is None
    assert (await detail(running, eid))["status"] == "notified"

    raised = await running.create("n2", "direct")
    assert raised.json()["delivery"] == "queued"
    again = await running.lease()
    assert again["escalation"]["id"] == eid and again["escalation"]["risk_level"] == "direct"

    # Out for delivery (shown as direct) when the risk rises to imminent.
    await running.create("n3", "imminent")
    ack = await running.ack(again)
    assert ack.json() == {"acknowledged": True, "stale": False}
    newest = await running.lease()
    assert newest is not None and newest["escalation"]["risk_level"] == "imminent"
    assert (await running.ack(newest)).json()["stale"] is False
    assert await running.lease() is None
    assert kinds(await detail(running, eid)) == [
        "created", "notified", "merged", "risk_raised", "merged", "risk_raised", "notified",
    ]


async def test_a_claimed_escalation_takes_the_merge_without_a_new_delivery(
    running: Running,
) -> None:
    await running.counsellor("anna")
    eid = (await running.create("c1", "indirect")).json()["escalation"]["id"]
    assert (await running.claim(eid, "anna")).status_code == 200
    merged = await running.create("c2", "imminent", answers={"has_time": "yes"})
    body = merged.json()
    assert (body["merged"], body["delivery"]) == (True, "not_needed")
    assert body["escalation"]["status"] == "claimed"
    assert body["escalation"]["claimed_by"]["id"] == "anna"
    assert body["escalation"]["risk_level"] == "imminent"
    assert await running.lease() is None
    speaks = await running.client.post("/v1/who-speaks", json={"teen_telegram_id": 1001})
    assert speaks.json()["escalation_id"] == eid


async def test_evidence_and_reasons_are_capped_newest_kept(running: Running) -> None:
    many = [evidence(f"code.{i}") for i in range(32)]
    eid = (await running.create("e1", "direct", evidence=many)).json()["escalation"]["id"]
    await running.create(
        "e2", "direct",
        evidence=[evidence("code.0"), evidence("new.1"), evidence("new.2")],
        reason_codes=[f"reason.{i}" for i in range(32)],
    )
    shown = await detail(running, eid)
    codes = [e["code"] for e in shown["evidence"]]
    assert len(codes) == 32
    assert codes[-2:] == ["new.1", "new.2"] and "code.0" not in codes and "code.2" in codes
    assert len(shown["reason_codes"]) == 32 and shown["reason_codes"][-1] == "reason.31"
    assert shown["events"][-1]["detail"]["evidence_added"] == 2


async def test_thirty_simultaneous_signals_for_one_teen_make_one_escalation(
    running: Running,
) -> None:
    await running.counsellor("anna")
    risks = ["distress", "indirect", "direct", "imminent", "indirect", "distress"]
    sends = [(f"race-{i}", risks[i % len(risks)]) for i in range(30)]

    responses = await asyncio.gather(*(running.create(key, risk) for key, risk in sends))

    assert [r.status_code for r in responses].count(201) == 1
    assert {r.status_code for r in responses} == {200, 201}
    ids = {r.json()["escalation"]["id"] for r in responses}
    assert len(ids) == 1
    eid = ids.pop()
    assert sum(r.json()["merged"] for r in responses) == 29
    shown = await detail(running, eid)
    assert shown["risk_level"] == "imminent" and shown["status"] == "queued"
    assert kinds(shown).count("merged") == 29
    async with running.service.sessions() as session:
        active = await session.scalar(select(func.count()).select_from(Escalation))
        keys = await session.scalar(select(func.count()).select_from(IdempotencyKey))
    assert (active, keys) == (1, 29)
    assert await running.service.queue.holds([eid]) == {eid}

    # Every key retried at once: the same escalation, nothing merged twice.
    retries = await asyncio.gather(*(running.create(key, "imminent") for key, _ in sends))
    assert {r.status_code for r in retries} == {200}
    assert {r.json()["escalation"]["id"] for r in retries} == {eid}
    assert kinds(await detail(running, eid)).count("merged") == 29
