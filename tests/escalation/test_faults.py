"""Faults: Redis stopped, Redis flushed, the service SIGKILLed between commit and enqueue,
a counsellor client that never acknowledges. Every time: every escalation reaches
exactly one counsellor's claim, and nothing is lost."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import create_engine, func, select

from escalation.models import Escalation, EscalationEvent, Outbox
from escalation.settings import async_database_url, sync_database_url
from tests.escalation.conftest import AUTH, OwnRedis, Running, make_settings

pytestmark = pytest.mark.redis


async def deliver_and_claim_all(running: Running, counsellor: str = "anna") -> list[str]:
    """Act as the counsellors' client: take every delivery, acknowledge it, claim it."""
    claimed = []
    while (delivery := await running.lease()) is not None:
        assert (await running.ack(delivery)).status_code == 200
        eid = delivery["escalation"]["id"]
        r = await running.claim(eid, counsellor)
        assert r.status_code == 200, r.text
        claimed.append(eid)
    return claimed


def claims_per_escalation(database_url: str) -> Counter[str]:
    engine = create_engine(sync_database_url(async_database_url(database_url)))
    try:
        with engine.connect() as conn:
            all_ids = conn.execute(select(Escalation.id)).scalars().all()
            claims = conn.execute(
                select(EscalationEvent.escalation_id).where(EscalationEvent.kind == "claimed")
            ).scalars().all()
    finally:
        engine.dispose()
    counts: Counter[str] = Counter(dict.fromkeys(all_ids, 0))
    counts.update(claims)
    return counts


async def test_redis_stopped_while_escalations_are_created(
    database_url: str, own_redis: OwnRedis, start_app: Any
) -> None:
    running: Running = await start_app(make_settings(database_url, own_redis.url))
    await running.counsellor("anna")
    own_redis.stop()

    created = []
    for i in range(20):
        r = await running.create(f"down-{i}", ["imminent", "direct", "indirect"][i % 3], teen=i)
        assert r.status_code == 201, r.text
        assert r.json()["delivery"] == "queued_later"
        created.append(r.json()["escalation"]["id"])
    ready = await running.client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["sql"] == "ok"
    assert (await running.client.post("/v1/deliveries/lease", json={})).status_code == 503
    assert (await running.reconciler.run_once()).ran is False  # nothing to repair into

    own_redis.start()  # empty: it kept nothing on disk
    report = await running.reconciler.run_once()
    assert report.ran and report.outbox_drained == 20
    assert (await running.client.get("/readyz")).status_code == 200

    claimed = await deliver_and_claim_all(running)
    assert sorted(claimed) == sorted(created)
    assert set(claims_per_escalation(database_url).values()) == {1}


async def test_redis_flushed(database_url: str, own_redis: OwnRedis, start_app: Any) -> None:
    running: Running = await start_app(make_settings(database_url, own_redis.url))
    await running.counsellor("anna")
    ids = [(await running.create(f"flush-{i}", "direct", teen=i)).json()["escalation"]["id"]
           for i in range(10)]
    shown = []
    for _ in range(3):  # three were shown to counsellors before the flush
        delivery = await running.lease()
        assert (await running.ack(delivery)).json()["stale"] is False
        shown.append(delivery["escalation"]["id"])
    first = await running.reconciler.run_once()  # Redis holds them all: outbox cleared
    assert (first.outbox_drained, first.repaired) == (0, 0)
    redis = Redis.from_url(own_redis.url)
    await redis.flushall()
    await redis.aclose()

    report = await running.reconciler.run_once()
    assert report.repaired == 7
    assert 'escalation_reconciler_repairs_total{kind="missing_from_redis"} 7.0' in (
        await running.client.get("/metrics")
    ).text
    delivered = await deliver_and_claim_all(running)
    assert sorted(delivered) == sorted(set(ids) - set(shown))
    for eid in shown:  # the notified ones are claimed from the list
        assert (await running.claim(eid, "anna")).status_code == 200
    assert set(claims_per_escalation(database_url).values()) == {1}


async def test_a_counsellor_client_that_never_acknowledges(
    sqlite_url: str, own_redis: OwnRedis, start_app: Any
) -> None:
    running: Running = await start_app(
        make_settings(sqlite_url, own_redis.url, ack_timeout_s=1.0)
    )
    await running.counsellor("anna")
    eid = (await running.create("silent", "imminent")).json()["escalation"]["id"]
    silent = await running.lease()  # taken and never acknowledged
    assert silent["escalation"]["id"] == eid and silent["ack_within_s"] == 1.0

    started = time.monotonic()
    again = await running.lease(wait_s=15)
    waited = time.monotonic() - started
    assert again is not None and again["escalation"]["id"] == eid
    assert again["attempt"] == 2
    print(f"re-delivered after {waited:.2f} s (ack timeout 1 s)")
    assert (await running.ack(again)).json()["stale"] is False
    late = await running.ack(silent)
    assert late.status_code == 409 and late.json()["error"]["code"] == "lease_expired"
    assert (await running.claim(eid, "anna")).status_code == 200
    assert "escalation_redeliveries_total 1.0" in (await running.client.get("/metrics")).text
    assert set(claims_per_escalation(sqlite_url).values()) == {1}


@pytest.mark.timeout(240)
def test_the_service_killed_between_commit_and_enqueue_and_under_load(
    sqlite_url: str, own_redis: OwnRedis, service_process: Any
) -> None:
    """First a SIGKILL exactly between commit and enqueue; then one at an arbitrary moment
    while 200 escalations are being created; then a fresh process delivers everything."""
    crashing = service_process(
        sqlite_url, own_redis.url, ESCALATION_FAULT_CRASH_AFTER_COMMIT="true"
    )
    crashing.start()
    crash_body = {
        "idempotency_key": "crash-1", "teen_telegram_id": 77, "group_chat_id": -100,
        "risk_level": "imminent",
    }
    with httpx.Client(base_url=crashing.url, headers=AUTH, timeout=30) as client:
        r = client.put("/v1/counsellors/anna", json={"display_name": "Anna", "on_duty": True})
        assert r.status_code == 200
        with pytest.raises(httpx.TransportError):
            client.post("/v1/escalations", json=crash_body)
    assert crashing.kill() == -9  # it died by SIGKILL, after the commit

    engine = create_engine(sync_database_url(async_database_url(sqlite_url)))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Escalation)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(Outbox)).scalar_one() == 1
    engine.dispose()

    loaded = service_process(sqlite_url, own_redis.url)
    loaded.start()
    answered: dict[str, str] = {}

    async def create_all(base_url: str) -> str:
        limits = httpx.Limits(max_connections=20)
        async with httpx.AsyncClient(
            base_url=base_url, headers=AUTH, timeout=30, limits=limits
        ) as client:
            # The gateway retries the crisis message of the crash: still one escalation.
            retry = await client.post("/v1/escalations", json=crash_body)
            assert retry.status_code == 200 and retry.json()["created"] is False

            async def one(i: int) -> None:
                body = {"idempotency_key": f"load-{i}", "teen_telegram_id": 1000 + i,
                        "group_chat_id": -100, "risk_level": "direct"}
                try:
                    r = await client.post("/v1/escalations", json=body)
                except httpx.TransportError:
                    return
                if r.status_code in (200, 201):
                    answered[f"load-{i}"] = r.json()["escalation"]["id"]

            tasks = [asyncio.create_task(one(i)) for i in range(200)]
            while len(answered) < 60:  # kill once a good part has been answered
                await asyncio.sleep(0.01)
            loaded.kill()
            await asyncio.gather(*tasks)
            return str(retry.json()["escalation"]["id"])

    crash_id = asyncio.run(create_all(loaded.url))
    assert 60 <= len(answered) < 200

    healthy = service_process(sqlite_url, own_redis.url, ESCALATION_RECONCILE_INTERVAL_S="0.2")
    healthy.start()
    claimed: list[str] = []
    committed = len(claims_per_escalation(sqlite_url))
    # A process killed during its own reconciler pass leaves the reconciler's lock to
    # its lease (30 s): what only the reconciler can queue may come that much later.
    deadline = time.monotonic() + 90
    with httpx.Client(base_url=healthy.url, headers=AUTH, timeout=30) as client:
        while len(claimed) < committed and time.monotonic() < deadline:
            delivery = client.post("/v1/deliveries/lease", json={"wait_s": 5}).json()["delivery"]
            if delivery is None:
                continue
            eid = delivery["escalation"]["id"]
            ack = client.post(
                f"/v1/deliveries/{eid}/ack", json={"lease_token": delivery["lease_token"]}
            )
            assert ack.json()["stale"] is False
            r = client.post(f"/v1/escalations/{eid}/claim", headers={"X-Counsellor-Id": "anna"})
            assert r.status_code == 200, r.text
            claimed.append(eid)
    counts = claims_per_escalation(sqlite_url)
    assert crash_id in counts
    assert set(answered.values()) <= set(counts)  # every answered escalation was committed
    assert set(counts.values()) == {1}  # and every committed one claimed exactly once
    assert sorted(claimed) == sorted(counts)
    print(f"answered before the kill: {len(answered)}; committed: {len(counts)}")


async def test_the_reconciler_runs_in_one_replica_at_a_time(running: Running) -> None:
    await running.counsellor("anna")
    other_replica = await running.service.queue.acquire_lock(30_000)
    assert other_replica is not None
    assert (await running.reconciler.run_once()).ran is False
    await running.service.queue.release_lock(other_replica)
    assert (await running.reconciler.run_once()).ran is True
