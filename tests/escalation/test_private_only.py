"""A teen who writes only in the private chat with the bot is escalated like any other.

No group: ``group_chat_id`` left out (or null), ``group_ref`` null, the contact without a
group. A later signal from a group merges into the escalation and fills the group in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.escalation.conftest import Running
from tests.escalation.test_merge import detail, kinds
from tests.escalation.test_sla import Clock

pytestmark = pytest.mark.redis

START = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
TEEN = 4242
GROUP = -1004242424242


async def create_private(running: Running, key: str, risk: str, **extra: Any) -> Any:
    """A create without ``group_chat_id`` at all, as the actions send it for a private chat."""
    body = {"idempotency_key": key, "teen_telegram_id": TEEN, "risk_level": risk, **extra}
    return await running.client.post("/v1/escalations", json=body)


async def test_a_private_only_teen_at_imminent_is_queued_delivered_and_claimed(
    running: Running,
) -> None:
    await running.counsellor("anna")
    r = await create_private(running, "private-1", "imminent")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["created"], body["delivery"]) == (True, "queued")
    esc = body["escalation"]
    eid = esc["id"]
    assert esc["group_ref"] is None
    assert (esc["status"], esc["risk_level"], esc["priority"]) == ("queued", "imminent", 4)

    assert [e["id"] for e in (await running.client.get("/v1/escalations")).json()[
        "escalations"
    ]] == [eid]
    delivery = await running.lease()
    assert delivery["escalation"]["id"] == eid
    assert delivery["escalation"]["group_ref"] is None
    assert (await running.ack(delivery)).json()["stale"] is False
    assert (await running.claim(eid, "anna")).status_code == 200

    contact = (await running.client.get(f"/v1/escalations/{eid}/contact")).json()
    assert contact == {"teen_telegram_id": TEEN, "group_chat_id": None}
    speaks = (await running.client.post("/v1/who-speaks", json={"teen_telegram_id": TEEN}))
    assert speaks.json()["speaker"] == "counsellor"
    shown = await detail(running, eid)
    assert kinds(shown) == ["created", "notified", "claimed"]
    assert shown["events"][0]["detail"] == {"risk": "imminent", "priority": 4, "private_only": True}


async def test_an_explicit_null_group_is_the_same(running: Running) -> None:
    r = await running.create("null-group", "direct", teen=TEEN, group_chat_id=None)
    assert r.status_code == 201, r.text
    assert r.json()["escalation"]["group_ref"] is None
    assert (await running.lease())["escalation"]["id"] == r.json()["escalation"]["id"]


async def test_a_later_group_signal_merges_and_fills_in_the_group(running: Running) -> None:
    await running.counsellor("anna")
    first = await create_private(running, "private-1", "indirect")
    eid = first.json()["escalation"]["id"]

    from_group = await running.create("group-1", "direct", teen=TEEN, group_chat_id=GROUP)
    assert from_group.status_code == 200, from_group.text
    body = from_group.json()
    assert (body["merged"], body["escalation"]["id"]) == (True, eid)
    group_ref = body["escalation"]["group_ref"]
    assert group_ref is not None and len(group_ref) == 64 and str(GROUP) not in group_ref
    contact = (await running.client.get(f"/v1/escalations/{eid}/contact")).json()
    assert contact == {"teen_telegram_id": TEEN, "group_chat_id": GROUP}
    merged = (await detail(running, eid))["events"][1]
    assert merged["kind"] == "merged" and merged["detail"]["group_added"] is True

    # A known group is kept: the escalation stays with the group the teen was first seen in.
    other = await running.create("group-2", "direct", teen=TEEN, group_chat_id=-1009999999999)
    assert other.json()["escalation"]["group_ref"] == group_ref
    assert "group_added" not in (await detail(running, eid))["events"][-1]["detail"]
    contact = (await running.client.get(f"/v1/escalations/{eid}/contact")).json()
    assert contact["group_chat_id"] == GROUP
    # And a private signal after that changes nothing about the group either.
    await create_private(running, "private-2", "direct")
    assert (await detail(running, eid))["group_ref"] == group_ref


async def test_a_group_escalation_takes_a_private_signal(running: Running) -> None:
    eid = (await running.create("group-1", "indirect", teen=TEEN, group_chat_id=GROUP)).json()[
        "escalation"
    ]["id"]
    merged = await create_private(running, "private-1", "imminent")
    assert merged.json()["merged"] is True and merged.json()["escalation"]["id"] == eid
    contact = (await running.client.get(f"/v1/escalations/{eid}/contact")).json()
    assert contact == {"teen_telegram_id": TEEN, "group_chat_id": GROUP}


async def test_the_ladder_the_repair_the_hold_and_the_purge_need_no_group(
    running: Running,
) -> None:
    clock = Clock(START)
    running.service.clock = clock
    await running.counsellor("anna")
    await running.counsellor("carla", coordinator=True)
    eid = (await create_private(running, "p-1", "direct")).json()["escalation"]["id"]
    held = (
        await running.client.post(
            "/v1/escalations",
            json={"idempotency_key": "p-2", "teen_telegram_id": TEEN + 1,
                  "risk_level": "indirect", "notify_after_s": 60},
        )
    ).json()["escalation"]["id"]

    # Redis loses it: the repair puts the private-only escalation back.
    await running.reconciler.run_once()  # the outbox rows of the creates are done with
    await running.service.queue.remove(eid)
    report = await running.reconciler.run_once()
    assert report.repaired == 1
    clock.advance(61)
    report = await running.reconciler.run_once()
    assert (report.holds_released, report.sla_steps) == (1, 1)
    leased = {(await running.lease())["escalation"]["id"] for _ in range(2)}
    assert leased == {eid, held}
    metrics = (await running.client.get("/metrics")).text
    assert 'escalation_queue_depth{risk="direct"} 1.0' in metrics

    closed = await running.client.post(
        f"/v1/escalations/{eid}/close", json={"outcome": "referred"},
        headers={"X-Counsellor-Id": "anna"},
    )
    assert closed.status_code == 200
    clock.advance(timedelta(days=31).total_seconds())
    assert (await running.reconciler.run_once()).purged
    gone = await running.client.get(f"/v1/escalations/{eid}/contact")
    assert gone.json()["error"]["code"] == "contact_purged"
    purged = await detail(running, eid)
    assert (purged["teen_ref"], purged["group_ref"], purged["outcome"]) == (None, None, "referred")
