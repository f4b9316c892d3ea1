"""The handoff queue: order, aging, leases, acknowledgement and re-delivery."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis

from escalation.models import RiskLevel
from escalation.queue import HandoffQueue, queue_score
from tests.escalation.conftest import Running
from tests.servers import RedisServer

pytestmark = pytest.mark.redis

STEP = 600.0


@pytest.fixture()
async def queue(redis_server: RedisServer, redis_client: Any) -> Any:
    redis = Redis.from_url(redis_server.url)
    yield HandoffQueue(redis, "qtest:")
    await redis.aclose()


def test_risk_comes_first_then_age_and_waiting_ages_upward() -> None:
    now = 1_000_000.0
    imminent = queue_score(now, RiskLevel.imminent, STEP)
    direct_older = queue_score(now - 10, RiskLevel.direct, STEP)
    direct = queue_score(now, RiskLevel.direct, STEP)
    distress = queue_score(now, RiskLevel.distress, STEP)
    assert imminent < direct_older < direct < distress
    # A distress item that waited three steps and a bit ranks before a new imminent one.
    starving = queue_score(now - 3 * STEP - 1, RiskLevel.distress, STEP)
    assert starving < imminent


async def test_lease_serves_the_best_item_and_ack_ends_it(queue: HandoffQueue) -> None:
    await queue.enqueue("low", queue_score(100, RiskLevel.distress, STEP))
    await queue.enqueue("high", queue_score(200, RiskLevel.imminent, STEP))
    assert await queue.enqueue("high", 0.0) is False  # idempotent on the id
    first = await queue.lease(now_ms=1_000, lease_ms=5_000)
    assert first.lease is not None and first.lease.escalation_id == "high"
    assert first.lease.attempt == 1
    assert await queue.enqueue("high", 0.0) is False  # in flight: not queued twice
    assert await queue.holds(["high", "low", "other"]) == {"high", "low"}
    assert await queue.ack("high", "wrong-token") is False
    assert await queue.ack("high", first.lease.token) is True
    assert await queue.holds(["high"]) == set()
    assert await queue.depth() == (1, 0)


async def test_an_unacknowledged_lease_is_delivered_again_with_its_age(
    queue: HandoffQueue,
) -> None:
    await queue.enqueue("old", 10.0)
    taken = await queue.lease(now_ms=1_000, lease_ms=5_000)
    assert taken.lease is not None
    await queue.enqueue("newer", 20.0)
    before_expiry = await queue.lease(now_ms=5_999, lease_ms=5_000)
    assert before_expiry.lease is not None and before_expiry.lease.escalation_id == "newer"
    again = await queue.lease(now_ms=6_001, lease_ms=5_000)
    assert again.redelivered == 1
    assert again.lease is not None and again.lease.escalation_id == "old"
    assert again.lease.attempt == 2
    assert await queue.ack("old", taken.lease.token) is False  # the first lease is over


async def test_the_reconciler_lock_is_single_flight(queue: HandoffQueue) -> None:
    token = await queue.acquire_lock(10_000)
    assert token is not None
    assert await queue.acquire_lock(10_000) is None
    await queue.release_lock("not-mine")
    assert await queue.acquire_lock(10_000) is None
    await queue.release_lock(token)
    assert await queue.acquire_lock(10_000) is not None


async def test_a_paused_notifier_does_not_deliver_what_was_claimed_meanwhile(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    await running.counsellor("anna")
    eid = (await running.create("k1", "imminent")).json()["escalation"]["id"]
    real_lease = running.service.queue.lease

    async def lease_then_pause(now_ms: int, lease_ms: int) -> Any:
        result = await real_lease(now_ms, lease_ms)
        if result.lease is not None:
            # While the notifier "sleeps" with the item in hand, a counsellor claims it.
            assert (await running.claim(eid, "anna")).status_code == 200
        return result

    monkeypatch.setattr(running.service.queue, "lease", lease_then_pause)
    assert await running.lease() is None
    monkeypatch.undo()
    assert await running.service.queue.holds([eid]) == set()
    detail = (await running.client.get(f"/v1/escalations/{eid}")).json()
    assert [e["kind"] for e in detail["events"]] == ["created", "claimed"]


async def test_a_late_ack_after_a_claim_is_stale(running: Running) -> None:
    await running.counsellor("anna")
    eid = (await running.create("k1", "direct")).json()["escalation"]["id"]
    delivery = await running.lease()
    assert (await running.claim(eid, "anna")).status_code == 200
    late = await running.ack(delivery)
    assert late.status_code == 200
    assert late.json() == {"acknowledged": True, "stale": True}
    assert (await running.client.get(f"/v1/escalations/{eid}")).json()["status"] == "claimed"


async def test_a_long_poll_wakes_when_an_escalation_is_queued(running: Running) -> None:
    import asyncio

    await running.counsellor("anna")
    waiting = asyncio.create_task(running.lease(wait_s=20))
    await asyncio.sleep(0)  # let the poll start before the escalation exists
    eid = (await running.create("k1", "direct")).json()["escalation"]["id"]
    delivery = await asyncio.wait_for(waiting, 25)
    assert delivery["escalation"]["id"] == eid
