"""Peer harm in a group: one reminder per group per window, and a staff alert (counts only)
when a hurtful reply answers a teen with an active escalation."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from common.logging import configure_logging
from escalation.settings import async_database_url, sync_database_url
from tests.escalation.conftest import Running
from tests.escalation.test_merge import detail, kinds
from tests.escalation.test_privacy import _dump
from tests.escalation.test_sla import Clock

pytestmark = pytest.mark.redis

START = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
GROUP = -1001112223334
OTHER_GROUP = -1005556667778
AT_RISK = 7000001  # the teen who disclosed (has an escalation)
AUTHORS = [8000001, 8000002, 8000003]


async def harm(
    running: Running, key: str, author: int = AUTHORS[0], target: int | None = None,
    group: int = GROUP,
) -> Any:
    body: dict[str, Any] = {
        "idempotency_key": key, "group_chat_id": group, "author_telegram_id": author,
    }
    if target is not None:
        body["target_telegram_id"] = target
    return await running.client.post("/v1/peer-harm", json=body)


async def alerts(running: Running, state: str = "open") -> list[dict[str, Any]]:
    r = await running.client.get(f"/v1/alerts?state={state}")
    assert r.status_code == 200, r.text
    result: list[dict[str, Any]] = r.json()["alerts"]
    return result


async def test_three_hurtful_replies_in_a_minute_make_one_reminder(running: Running) -> None:
    clock = Clock(START)
    running.service.clock = clock
    answers = []
    for i, author in enumerate(AUTHORS):
        r = await harm(running, f"u{i}", author=author)
        assert r.status_code == 201, r.text
        answers.append(r.json())
        clock.advance(20)
    assert [a["remind"] for a in answers] == [True, False, False]
    assert answers[0] == {
        "created": True, "remind": True, "target_at_risk": False, "alerted": False,
        "alert_id": None, "alert_count": None,
    }
    # Another group has its own window.
    assert (await harm(running, "elsewhere", group=OTHER_GROUP)).json()["remind"] is True
    # The window is counted from the reminder: 300 s after it, the next one reminds again.
    clock.now = START + timedelta(seconds=299)
    assert (await harm(running, "u3")).json()["remind"] is False
    clock.now = START + timedelta(seconds=300)
    assert (await harm(running, "u4")).json()["remind"] is True
    assert await alerts(running) == []
    metrics = (await running.client.get("/metrics")).text
    reports = "escalation_peer_harm_reports_total"
    assert f'{reports}{{remind="true",target_at_risk="false"}} 3.0' in metrics
    assert f'{reports}{{remind="false",target_at_risk="false"}} 3.0' in metrics


async def test_a_retry_counts_once_and_alerts_once(running: Running) -> None:
    running.service.clock = Clock(START)
    await running.create("disclosure", "direct", teen=AT_RISK)
    first = await harm(running, "same", target=AT_RISK)
    again = await harm(running, "same", target=AT_RISK)
    assert (first.status_code, again.status_code) == (201, 200)
    assert {**first.json(), "created": False} == again.json()
    assert first.json()["remind"] is True and first.json()["alert_count"] == 1
    [alert] = await alerts(running)
    assert alert["count"] == 1
    eid = alert["escalation_id"]
    assert kinds(await detail(running, eid)).count("peer_harm_reply") == 1
    # A second, different reply does count.
    assert (await harm(running, "next", target=AT_RISK)).json()["remind"] is False


async def test_a_reply_to_a_teen_at_risk_alerts_once_and_counts_on(running: Running) -> None:
    clock = Clock(START)
    running.service.clock = clock
    await running.counsellor("anna")
    eid = (await running.create("disclosure", "direct", teen=AT_RISK)).json()["escalation"]["id"]
    not_at_risk = await harm(running, "r0", author=AUTHORS[0], target=5)
    assert (not_at_risk.json()["target_at_risk"], not_at_risk.json()["alerted"]) == (False, False)

    clock.advance(10)
    first = (await harm(running, "r1", author=AUTHORS[1], target=AT_RISK)).json()
    assert (first["remind"], first["target_at_risk"], first["alerted"]) == (False, True, True)
    assert first["alert_count"] == 1
    [alert] = await alerts(running)
    assert alert["id"] == first["alert_id"]
    assert (alert["kind"], alert["status"], alert["escalation_id"]) == ("peer_harm", "open", eid)
    assert (alert["count"], alert["group_chat_id"], alert["risk_level"]) == (1, GROUP, "direct")
    assert len(alert["group_ref"]) == 64

    clock.advance(30)
    second = (await harm(running, "r2", author=AUTHORS[2], target=AT_RISK)).json()
    assert (second["alert_id"], second["alert_count"]) == (first["alert_id"], 2)
    [alert] = await alerts(running)  # the same alert, not a second one
    assert alert["count"] == 2 and alert["last_at"] > alert["first_at"]
    shown = await detail(running, eid)
    replies = [e["detail"] for e in shown["events"] if e["kind"] == "peer_harm_reply"]
    assert replies == [
        {"alert_id": first["alert_id"], "count": 1}, {"alert_id": first["alert_id"], "count": 2},
    ]

    # In another group: an alert of its own (moderators differ per group).
    clock.advance(5)
    elsewhere = (await harm(running, "r3", target=AT_RISK, group=OTHER_GROUP)).json()
    assert elsewhere["alert_id"] != first["alert_id"] and elsewhere["alert_count"] == 1
    listed = await alerts(running)
    assert [a["id"] for a in listed] == [elsewhere["alert_id"], first["alert_id"]]  # newest first

    # Acknowledged: off the open list; acknowledging again answers the same.
    ack = await running.client.post(
        f"/v1/alerts/{first['alert_id']}/ack", headers={"X-Counsellor-Id": "anna"}
    )
    assert ack.status_code == 200, ack.text
    assert (ack.json()["status"], ack.json()["acknowledged_by"]) == (
        "acknowledged", "counsellor:anna"
    )
    again = await running.client.post(f"/v1/alerts/{first['alert_id']}/ack")
    assert again.json() == ack.json()
    assert [a["id"] for a in await alerts(running)] == [elsewhere["alert_id"]]
    assert [a["id"] for a in await alerts(running, "acknowledged")] == [first["alert_id"]]
    assert len(await alerts(running, "all")) == 2
    assert kinds(await detail(running, eid)).count("alert_acknowledged") == 1

    # After the acknowledgement, or after a quiet window, a new reply is a new alert.
    clock.advance(5)
    after_ack = (await harm(running, "r4", target=AT_RISK)).json()
    assert after_ack["alert_id"] not in (first["alert_id"], None)
    assert after_ack["alert_count"] == 1
    clock.advance(301)
    quiet = (await harm(running, "r5", target=AT_RISK)).json()
    assert quiet["alert_id"] != after_ack["alert_id"] and quiet["alert_count"] == 1

    # A closed escalation is not at risk any more.
    await running.client.post(
        f"/v1/escalations/{eid}/close", json={"outcome": "safe_plan"},
        headers={"X-Counsellor-Id": "anna"},
    )
    closed = (await harm(running, "r6", target=AT_RISK)).json()
    assert (closed["target_at_risk"], closed["alerted"]) == (False, False)
    metrics = (await running.client.get("/metrics")).text
    assert "escalation_peer_harm_alerts_opened_total 4.0" in metrics
    assert "escalation_alerts_open 3.0" in metrics


async def test_unknown_alerts_and_counsellors_are_refused(running: Running) -> None:
    missing = await running.client.post(
        "/v1/alerts/00000000-0000-4000-8000-000000000000/ack"
    )
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "alert_not_found")
    await running.create("disclosure", "direct", teen=AT_RISK)
    alert_id = (await harm(running, "r1", target=AT_RISK)).json()["alert_id"]
    stranger = await running.client.post(
        f"/v1/alerts/{alert_id}/ack", headers={"X-Counsellor-Id": "nobody"}
    )
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (403, "unknown_counsellor")
    assert (await alerts(running))[0]["status"] == "open"
    unauthorised = await running.client.get("/v1/alerts", headers={"Authorization": "Bearer x"})
    assert unauthorised.status_code == 401
    bad = await running.client.post("/v1/peer-harm", json={"group_chat_id": GROUP})
    assert bad.status_code == 422


async def test_a_held_escalation_of_the_target_is_released(running: Running) -> None:
    clock = Clock(START)
    running.service.clock = clock
    await running.counsellor("anna")
    held = await running.create("quiet", "indirect", teen=AT_RISK, notify_after_s=600)
    assert held.json()["delivery"] == "held"
    eid = held.json()["escalation"]["id"]
    assert await running.lease() is None

    clock.advance(20)
    answer = (await harm(running, "egging-on", target=AT_RISK)).json()
    assert answer["target_at_risk"] and answer["alerted"]
    delivery = await running.lease()
    assert delivery is not None and delivery["escalation"]["id"] == eid
    assert delivery["escalation"]["held_until"] is None
    shown = await detail(running, eid)
    assert kinds(shown) == ["created", "peer_harm_reply", "hold_released"]
    assert shown["events"][2]["detail"] == {"reason": "peer_harm"}
    # The SLA clock runs from the release.
    async with running.service.sessions() as session:
        from escalation.models import Escalation

        row = await session.get(Escalation, eid)
        assert row is not None and row.next_sla_at == clock.now + timedelta(seconds=300)
    # A second reply does not release anything again.
    await harm(running, "egging-on-2", target=AT_RISK)
    assert kinds(await detail(running, eid)).count("hold_released") == 1


async def test_a_claimed_target_is_alerted_without_a_new_delivery(running: Running) -> None:
    await running.counsellor("anna")
    eid = (await running.create("d", "direct", teen=AT_RISK)).json()["escalation"]["id"]
    await running.ack(await running.lease())
    await running.claim(eid, "anna")
    answer = (await harm(running, "r", target=AT_RISK)).json()
    assert answer["target_at_risk"] and answer["alert_count"] == 1
    assert await running.lease() is None
    assert (await detail(running, eid))["status"] == "claimed"


async def test_twenty_concurrent_replies_make_one_reminder_and_one_alert(
    running: Running,
) -> None:
    running.service.clock = Clock(START)
    await running.create("disclosure", "direct", teen=AT_RISK)

    responses = await asyncio.gather(
        *(harm(running, f"c{i}", author=9000000 + i, target=AT_RISK) for i in range(20))
    )
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    answers = [r.json() for r in responses]
    assert sum(a["remind"] for a in answers) == 1
    assert all(a["target_at_risk"] and a["alerted"] for a in answers)
    assert len({a["alert_id"] for a in answers}) == 1
    assert sorted(a["alert_count"] for a in answers) == list(range(1, 21))  # none lost
    [alert] = await alerts(running)
    assert alert["count"] == 20

    # Twenty retries of one key at once: one report.
    retries = await asyncio.gather(*(harm(running, "one-key", target=AT_RISK) for _ in range(20)))
    assert sorted(r.status_code for r in retries) == [200] * 19 + [201]
    assert len({r.json()["alert_count"] for r in retries}) == 1
    assert (await alerts(running))[0]["count"] == 21


async def test_no_ids_or_text_in_logs_or_rows_and_the_purge(running: Running) -> None:
    clock = Clock(START)
    running.service.clock = clock
    buffer = io.StringIO()
    configure_logging("DEBUG", "json", stream=buffer)
    try:
        await running.create("disclosure", "direct", teen=AT_RISK)
        for i, author in enumerate(AUTHORS):
            await harm(running, f"p{i}", author=author, target=AT_RISK)
        await harm(running, "p-retry", author=AUTHORS[0], target=AT_RISK)
        await harm(running, "p-retry", author=AUTHORS[0], target=AT_RISK)
        await running.client.get("/v1/alerts")
        await running.reconciler.run_once()
    finally:
        configure_logging("INFO", "json")
    logged = buffer.getvalue()
    assert "peer_harm.reported" in logged and "peer_harm.duplicate_key" in logged
    stored = _dump(running.settings.database_url)
    for secret in [GROUP, AT_RISK, *AUTHORS]:
        assert str(secret) not in logged
        assert str(secret) not in stored

    # After the retention: reports deleted, the alert keeps its counts but not the chat id.
    clock.advance(timedelta(days=31).total_seconds())
    assert (await running.reconciler.run_once()).purged
    [alert] = await alerts(running)
    assert (alert["count"], alert["group_chat_id"]) == (4, None)
    engine = create_engine(sync_database_url(async_database_url(running.settings.database_url)))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM peer_harm_reports")).scalar_one() == 0
        run = conn.execute(
            text("SELECT peer_harm_reports_deleted, alerts_anonymised FROM purge_runs "
                 "ORDER BY id DESC")
        ).first()
        enc = conn.execute(text("SELECT group_chat_enc FROM peer_harm_alerts")).scalar_one()
    engine.dispose()
    assert run is not None and tuple(run) == (4, 1)
    assert enc is None
