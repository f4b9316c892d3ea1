"""The SLA ladder, service hours and check-ins, with the clock in the test's hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import pytest

from escalation.models import RiskLevel, SlaStage
from escalation.sla import in_service_hours, next_rung, next_shift_start, sla_delay
from tests.escalation.conftest import Running, make_settings
from tests.servers import RedisServer

pytestmark = pytest.mark.redis

# Monday 23 November 2026, 03:00 in Brussels (UTC+1): outside 16:00-22:00.
NIGHT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def test_the_ladder_and_the_service_hours_as_pure_functions() -> None:
    settings = make_settings(
        "sqlite:///x.db", "redis://x", service_start=clock_time(16), service_end=clock_time(22),
        service_days="mon,tue,wed,thu,fri",
    )
    assert sla_delay(RiskLevel.imminent, settings) == timedelta(seconds=60)
    assert sla_delay(RiskLevel.distress, settings) == timedelta(seconds=300)
    assert [next_rung(s) for s in range(3)] == [
        SlaStage.renotified, SlaStage.coordinator, None
    ]
    assert not in_service_hours(NIGHT, settings)
    assert next_shift_start(NIGHT, settings) == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    friday_night = datetime(2026, 11, 27, 22, 30, tzinfo=UTC)
    assert next_shift_start(friday_night, settings) == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    assert in_service_hours(datetime(2026, 11, 23, 20, 59, tzinfo=UTC), settings)
    overnight = make_settings(
        "sqlite:///x.db", "redis://x", service_start=clock_time(20), service_end=clock_time(2)
    )
    assert in_service_hours(NIGHT.replace(hour=0, minute=30), overnight)  # 01:30 local


async def test_an_unclaimed_escalation_climbs_the_ladder(running: Running) -> None:
    clock = Clock(NIGHT.replace(hour=17))
    running.service.clock = clock
    await running.counsellor("anna")
    await running.counsellor("carla", coordinator=True)
    urgent = (await running.create("u", "direct")).json()["escalation"]["id"]
    calm = (await running.create("c", "distress", teen=2)).json()["escalation"]["id"]
    for _ in range(2):
        assert (await running.ack(await running.lease())).json()["stale"] is False
    assert await running.lease() is None

    clock.advance(61)
    report = await running.reconciler.run_once()
    assert report.sla_steps == 1  # only the urgent one: distress waits five minutes
    renotice = await running.lease()
    assert renotice["escalation"]["id"] == urgent
    assert renotice["audience"] == "all_on_duty"
    assert (await running.ack(renotice)).json()["stale"] is False

    clock.advance(61)
    assert (await running.reconciler.run_once()).sla_steps == 1
    raised = await running.lease()
    assert raised["escalation"]["id"] == urgent and raised["audience"] == "coordinator"
    await running.ack(raised)

    clock.advance(200)  # 322 s: the distress one climbs; the urgent one is at the top
    assert (await running.reconciler.run_once()).sla_steps == 1
    assert (await running.lease())["escalation"]["id"] == calm
    clock.advance(3600)
    await running.reconciler.run_once()
    detail = (await running.client.get(f"/v1/escalations/{urgent}")).json()
    assert [e["kind"] for e in detail["events"]] == [
        "created", "notified", "sla_renotified", "notified", "sla_coordinator", "notified",
    ]
    assert detail["sla_stage"] == 2
    assert (await running.claim(urgent, "anna")).status_code == 200
    metrics = (await running.client.get("/metrics")).text
    assert 'escalation_sla_steps_total{rung="coordinator"} 2.0' in metrics


async def test_a_claim_stops_the_ladder(running: Running) -> None:
    clock = Clock(NIGHT.replace(hour=17))
    running.service.clock = clock
    await running.counsellor("anna")
    eid = (await running.create("u", "imminent")).json()["escalation"]["id"]
    assert (await running.claim(eid, "anna")).status_code == 200
    clock.advance(3600)
    assert (await running.reconciler.run_once()).sla_steps == 0
    assert await running.lease() is None


async def test_outside_service_hours_the_teen_gets_the_24_7_line_and_a_checkin(
    sqlite_url: str, redis_server: RedisServer, redis_client: object, start_app: object
) -> None:
    settings = make_settings(
        sqlite_url, redis_server.url,
        service_start=clock_time(16), service_end=clock_time(22),
    )
    running: Running = await start_app(settings)  # type: ignore[operator]
    clock = Clock(NIGHT)
    running.service.clock = clock
    await running.counsellor("anna", on_duty=False)
    r = await running.create("night", "direct")
    assert r.status_code == 201
    body = r.json()
    assert body["counsellor_available"] is False
    assert body["delivery"] == "queued"  # still recorded and queued
    lines = {h["id"]: h for h in body["helplines"]}
    assert "be-zelfmoordlijn" in lines
    phone = [c for c in lines["be-zelfmoordlijn"]["channels"] if c["kind"] == "phone"]
    assert phone and phone[0]["always_open"] and phone[0]["open_now"]
    assert all(any(c["open_now"] for c in h["channels"]) for h in body["helplines"])
    eid = body["escalation"]["id"]
    assert body["escalation"]["checkin_at"].startswith("2026-11-23T15:00:00")

    await running.lease()  # the delivery happens (a coordinator may be watching)
    clock.now = datetime(2026, 11, 23, 15, 0, 1, tzinfo=UTC)
    await running.counsellor("anna", on_duty=True)
    report = await running.reconciler.run_once()
    assert report.checkins == 1
    kinds = [e["kind"] for e in (await running.client.get(f"/v1/escalations/{eid}")).json()[
        "events"
    ]]
    assert kinds[:2] == ["created", "checkin_scheduled"] and "checkin_due" in kinds
    assert (await running.claim(eid, "anna")).status_code == 200


async def test_a_rung_climbed_while_a_delivery_is_out_is_delivered_too(running: Running) -> None:
    clock = Clock(NIGHT.replace(hour=17))
    running.service.clock = clock
    await running.counsellor("anna")
    eid = (await running.create("u", "imminent")).json()["escalation"]["id"]
    first = await running.lease()
    assert first["audience"] == "on_duty"
    clock.advance(61)
    assert (await running.reconciler.run_once()).sla_steps == 1  # while first is out
    assert (await running.ack(first)).json()["stale"] is False
    second = await running.lease()
    assert second is not None and second["escalation"]["id"] == eid
    assert second["audience"] == "all_on_duty"


async def _night_service(
    sqlite_url: str, redis_server: RedisServer, start_app: object
) -> Running:
    settings = make_settings(
        sqlite_url, redis_server.url,
        service_start=clock_time(16), service_end=clock_time(22),
    )
    running: Running = await start_app(settings)  # type: ignore[operator]
    return running


async def test_at_3_am_with_nobody_on_duty_the_answer_says_when_the_next_shift_starts(
    sqlite_url: str, redis_server: RedisServer, redis_client: object, start_app: object
) -> None:
    running = await _night_service(sqlite_url, redis_server, start_app)
    running.service.clock = Clock(NIGHT)  # Monday 03:00 in Brussels
    await running.counsellor("anna", on_duty=False)

    body = (await running.create("night", "imminent")).json()
    assert body["counsellor_available"] is False
    assert body["in_service_hours"] is False
    assert body["next_shift_at"] == "2026-11-23T16:00:00+01:00"  # that day's 16:00, Brussels
    assert datetime.fromisoformat(body["next_shift_at"]) == datetime(
        2026, 11, 23, 16, tzinfo=ZoneInfo("Europe/Brussels")
    )
    assert body["delivery"] == "queued"
    # A merge (and a retried key) answers the same.
    merged = (await running.create("night-2", "imminent")).json()
    assert merged["merged"] is True
    assert (merged["in_service_hours"], merged["next_shift_at"]) == (
        False, "2026-11-23T16:00:00+01:00"
    )
    retried = (await running.create("night", "imminent")).json()
    assert retried["next_shift_at"] == "2026-11-23T16:00:00+01:00"

    # In summer time the offset follows Brussels.
    running.service.clock = Clock(datetime(2026, 7, 6, 1, 0, tzinfo=UTC))  # 03:00 CEST
    summer = (await running.create("summer", "direct", teen=2)).json()
    assert summer["next_shift_at"] == "2026-07-06T16:00:00+02:00"


async def test_in_service_hours_with_nobody_on_duty_the_next_shift_is_the_following_one(
    sqlite_url: str, redis_server: RedisServer, redis_client: object, start_app: object
) -> None:
    running = await _night_service(sqlite_url, redis_server, start_app)
    running.service.clock = Clock(NIGHT.replace(hour=16))  # Monday 17:00 in Brussels
    await running.counsellor("anna", on_duty=False)
    body = (await running.create("evening", "direct")).json()
    assert (body["counsellor_available"], body["in_service_hours"]) == (False, True)
    assert body["next_shift_at"] == "2026-11-24T16:00:00+01:00"
    assert body["escalation"]["checkin_at"] is None  # the ladder calls the coordinator now

    await running.counsellor("anna", on_duty=True)
    staffed = (await running.create("evening-2", "direct", teen=2)).json()
    assert (staffed["counsellor_available"], staffed["in_service_hours"]) == (True, True)
    assert staffed["next_shift_at"] is None and staffed["helplines"] == []


async def test_with_someone_on_duty_at_night_there_is_no_next_shift_to_wait_for(
    sqlite_url: str, redis_server: RedisServer, redis_client: object, start_app: object
) -> None:
    running = await _night_service(sqlite_url, redis_server, start_app)
    running.service.clock = Clock(NIGHT)
    await running.counsellor("night-owl", on_duty=True)
    body = (await running.create("night", "direct")).json()
    assert (body["counsellor_available"], body["in_service_hours"]) == (True, False)
    assert body["next_shift_at"] is None
