"""Concurrency: one winner among 50 simultaneous claims; 1,000 simultaneous creates (with
retries of the same messages mixed in) make exactly 1,000 escalations, all queued."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import func, select

from escalation.models import Escalation
from tests.escalation.conftest import Running

pytestmark = pytest.mark.redis


async def test_fifty_simultaneous_claims_have_exactly_one_winner(running: Running) -> None:
    counsellors = [f"c{i:02d}" for i in range(50)]
    for cid in counsellors:
        await running.counsellor(cid)
    eid = (await running.create("contested", "imminent")).json()["escalation"]["id"]

    responses = await asyncio.gather(*(running.claim(eid, cid) for cid in counsellors))

    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1
    winner = winners[0].json()["claimed_by"]["id"]
    losers = [r for r in responses if r.status_code != 200]
    assert len(losers) == 49
    assert {r.status_code for r in losers} == {409}
    assert {r.json()["error"]["details"]["claimed_by"]["id"] for r in losers} == {winner}
    detail = (await running.client.get(f"/v1/escalations/{eid}")).json()
    assert [e["kind"] for e in detail["events"]].count("claimed") == 1


@pytest.mark.timeout(300)
async def test_a_thousand_concurrent_creates_none_lost_none_duplicated(running: Running) -> None:
    await running.counsellor("anna")
    keys = [f"msg-{i}" for i in range(1000)]
    # The gateway retries some messages while the first attempt is still in flight.
    sends = keys + random.Random(5).sample(keys, 200)
    random.Random(6).shuffle(sends)
    risks = ["imminent", "direct", "indirect", "distress"]

    responses = await asyncio.gather(
        *(running.create(key, risks[int(key[4:]) % 4], teen=int(key[4:])) for key in sends)
    )

    assert {r.status_code for r in responses} <= {200, 201}
    by_key: dict[str, set[str]] = {}
    for key, r in zip(sends, responses, strict=True):
        by_key.setdefault(key, set()).add(r.json()["escalation"]["id"])
    assert all(len(ids) == 1 for ids in by_key.values())  # one escalation per message
    assert sum(r.status_code == 201 for r in responses) == 1000
    ids = {next(iter(v)) for v in by_key.values()}
    assert len(ids) == 1000

    async with running.service.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Escalation))
    assert count == 1000
    assert await running.service.queue.holds(sorted(ids)) == ids
    waiting, _ = await running.service.queue.depth()
    assert waiting == 1000
    listed = (await running.client.get("/v1/escalations?limit=500")).json()["escalations"]
    assert [e["risk_level"] for e in listed[:250]] == ["imminent"] * 250
