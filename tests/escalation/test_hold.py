"""Held escalations: recorded at once, delivered only if the teen goes silent.

The timer is ``escalations.held_until`` in SQL: it survives restarts and Redis outages.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis import Redis as SyncRedis
from sqlalchemy import create_engine, select

from escalation.api import create_app
from escalation.models import Escalation
from escalation.settings import async_database_url, sync_database_url
from tests.escalation.conftest import AUTH, OwnRedis, Running, make_settings
from tests.escalation.test_merge import detail, kinds
from tests.escalation.test_sla import Clock
from tests.servers import RedisServer

pytestmark = pytest.mark.redis

START = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


async def listed(running: Running, state: str) -> list[str]:
    r = await running.client.get(f"/v1/escalations?state={state}")
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()["escalations"]]


async def test_a_hold_that_ends_is_delivered(running: Running) -> None:
    clock = Clock(START)
    running.service.clock = clock
    await running.counsellor("anna")
    r = await running.create("silent", "indirect", notify_after_s=600)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["created"], body["delivery"]) == (True, "held")
    eid = body["escalation"]["id"]
    assert body["escalation"]["status"] == "queued"
    assert body["escalation"]["held_until"].startswith("2026-11-23T17:10:00")
    async with running.service.sessions() as session:
        row = await session.get(Escalation, eid)
        assert row is not None and row.delivery_pending is False
        assert row.next_sla_at == START + timedelta(seconds=600 + 300)  # from the hold's end

    # Not before its time: neither the outbox, the repair, the SLA ladder nor a check-in.
    clock.advance(599)
    report = await running.reconciler.run_once()
    assert (report.holds_released, report.outbox_drained, report.repaired) == (0, 0, 0)
    assert await running.lease() is None
    assert await running.service.queue.holds([eid]) == set()
    assert await listed(running, "held") == [eid]
    assert await listed(running, "waiting") == []
    assert await listed(running, "active") == [eid]

    clock.advance(2)
    assert (await running.reconciler.run_once()).holds_released == 1
    delivery = await running.lease()
    assert delivery["escalation"]["id"] == eid
    assert delivery["escalation"]["held_until"] is None
    assert delivery["audience"] == "on_duty"
    assert (await running.ack(delivery)).json()["stale"] is False
    shown = await detail(running, eid)
    assert kinds(shown) == ["created", "hold_expired", "notified"]
    assert shown["events"][0]["detail"]["held_until"].startswith("2026-11-23T17:10:00")
    assert await listed(running, "held") == []
    assert (await running.reconciler.run_once()).holds_released == 0  # once only

    # The SLA clock runs from the release.
    clock.advance(301)
    assert (await running.reconciler.run_once()).sla_steps == 1


async def test_a_counsellor_may_claim_a_held_escalation(running: Running) -> None:
    clock = Clock(START)
    running.service.clock = clock
    await running.counsellor("anna")
    eid = (await running.create("h", "indirect", notify_after_s=600)).json()["escalation"]["id"]
    claimed = await running.claim(eid, "anna")
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["held_until"] is None
    clock.advance(3600)
    report = await running.reconciler.run_once()
    assert (report.holds_released, report.sla_steps) == (0, 0)
    assert await running.lease() is None
    assert await listed(running, "claimed") == [eid]


async def test_a_new_signal_releases_or_shortens_the_hold_never_lengthens_it(
    running: Running,
) -> None:
    clock = Clock(START)
    running.service.clock = clock
    await running.counsellor("anna")
    eid = (await running.create("h1", "indirect", notify_after_s=600)).json()["escalation"]["id"]

    clock.advance(60)
    longer = await running.create("h2", "indirect", notify_after_s=3600)
    assert longer.json()["delivery"] == "held"
    assert longer.json()["escalation"]["held_until"].startswith("2026-11-23T17:10:00")
    shorter = await running.create("h3", "indirect", notify_after_s=120)
    assert shorter.json()["delivery"] == "held"
    assert shorter.json()["escalation"]["held_until"].startswith("2026-11-23T17:03:00")
    assert await running.lease() is None

    released = await running.create("h4", "direct", answers={"thoughts_of_suicide": "yes"})
    body = released.json()
    assert (body["merged"], body["delivery"]) == (True, "queued")
    assert body["escalation"]["held_until"] is None
    assert body["escalation"]["risk_level"] == "direct"
    delivery = await running.lease()
    assert delivery["escalation"]["id"] == eid
    assert delivery["escalation"]["answers"]["thoughts_of_suicide"] == "yes"
    assert (await running.ack(delivery)).json()["stale"] is False
    assert kinds(await detail(running, eid)) == [
        "created", "merged", "merged", "hold_shortened", "merged", "risk_raised",
        "hold_released", "notified",
    ]

    # An escalation already shown to counsellors is never held again.
    again = await running.create("h5", "indirect", notify_after_s=600)
    assert (again.json()["escalation"]["held_until"], again.json()["delivery"]) == (
        None, "not_needed"
    )
    assert await listed(running, "held") == []


async def test_the_hold_is_released_by_a_new_instance_after_a_restart(
    database_url: str, redis_server: RedisServer, redis_client: Any, start_app: Any
) -> None:
    settings = make_settings(database_url, redis_server.url)

    @contextlib.asynccontextmanager
    async def instance() -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
        app = create_app(settings, run_background=False)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://escalation", headers=AUTH
        ) as client:
            yield app, client

    async with instance() as (app, client):
        app.state.service.clock = Clock(START)
        r = await client.post("/v1/escalations", json={
            "idempotency_key": "before-restart", "teen_telegram_id": 5, "group_chat_id": -100,
            "risk_level": "indirect", "notify_after_s": 900,
        })
        assert r.json()["delivery"] == "held"
        eid = r.json()["escalation"]["id"]
    # That process is gone; a new one starts after the hold's end.
    running: Running = await start_app(settings)
    running.service.clock = Clock(START + timedelta(seconds=901))
    assert (await running.reconciler.run_once()).holds_released == 1
    assert (await running.lease())["escalation"]["id"] == eid


async def test_redis_down_when_the_hold_ends_releases_it_when_back(
    database_url: str, own_redis: OwnRedis, start_app: Any
) -> None:
    running: Running = await start_app(make_settings(database_url, own_redis.url))
    clock = Clock(START)
    running.service.clock = clock
    await running.counsellor("anna")
    eid = (await running.create("h", "indirect", notify_after_s=60)).json()["escalation"]["id"]
    own_redis.stop()
    clock.advance(61)
    assert (await running.reconciler.run_once()).ran is False
    assert await listed(running, "held") == [eid]  # still held: nothing was lost

    own_redis.start()  # empty
    assert (await running.reconciler.run_once()).holds_released == 1
    assert (await running.lease())["escalation"]["id"] == eid
    assert kinds(await detail(running, eid)) == ["created", "hold_expired"]


def test_a_real_process_killed_while_holding_leaves_the_hold_to_the_next(
    sqlite_url: str, own_redis: OwnRedis, service_process: Any
) -> None:
    """A held escalation recorded by a process that is then SIGKILLed is delivered by the
    next process, on real time (a one-second hold)."""
    first = service_process(
        sqlite_url, own_redis.url, ESCALATION_RECONCILE_INTERVAL_S="3600"
    )
    first.start()
    with httpx.Client(base_url=first.url, headers=AUTH, timeout=30) as client:
        r = client.post("/v1/escalations", json={
            "idempotency_key": "killed", "teen_telegram_id": 7, "group_chat_id": -100,
            "risk_level": "indirect", "notify_after_s": 1,
        })
        assert r.status_code == 201 and r.json()["delivery"] == "held"
        eid = r.json()["escalation"]["id"]
    # Killed after its start-up reconciler pass (its next is an hour away): a process
    # killed during a pass leaves the lock to its lease, here three hours.
    redis = SyncRedis.from_url(own_redis.url)
    deadline = time.monotonic() + 30
    while redis.exists("esc:lock:reconcile") and time.monotonic() < deadline:
        time.sleep(0.05)  # polling for the pass's end with a deadline
    redis.close()
    assert first.kill() == -9
    engine = create_engine(sync_database_url(async_database_url(sqlite_url)))
    with engine.connect() as conn:
        held = conn.execute(select(Escalation.held_until).where(Escalation.id == eid)).scalar()
    engine.dispose()
    assert held is not None

    second = service_process(sqlite_url, own_redis.url, ESCALATION_RECONCILE_INTERVAL_S="0.2")
    second.start()
    delivery = None
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=second.url, headers=AUTH, timeout=30) as client:
        while delivery is None and time.monotonic() < deadline:
            delivery = client.post(
                "/v1/deliveries/lease", json={"wait_s": 5}
            ).json()["delivery"]
        assert delivery is not None and delivery["escalation"]["id"] == eid
        events = client.get(f"/v1/escalations/{eid}").json()["events"]
    assert [e["kind"] for e in events] == ["created", "hold_expired"]


def test_notify_after_s_is_bounded() -> None:
    from pydantic import ValidationError

    from escalation.schemas import EscalationCreate

    base = {"idempotency_key": "k", "teen_telegram_id": 1, "group_chat_id": -1,
            "risk_level": "indirect"}
    assert EscalationCreate.model_validate(base).notify_after_s == 0
    assert EscalationCreate.model_validate({**base, "notify_after_s": 86400}).notify_after_s
    for bad in (-1, 86401):
        with pytest.raises(ValidationError):
            EscalationCreate.model_validate({**base, "notify_after_s": bad})

