"""The whole lifecycle through HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from tests.escalation.conftest import Running

pytestmark = pytest.mark.redis


async def test_an_escalation_goes_from_crisis_to_closed(running: Running) -> None:
    await running.counsellor("anna")
    await running.counsellor("bram")
    await running.counsellor("coord", coordinator=True)

    r = await running.create("update-1", "imminent", evidence=[
        {"source": "lexicon", "code": "direct.plan", "score": 0.9, "matched": "vanavond"}
    ])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["created"] is True and body["merged"] is False
    assert body["delivery"] == "queued"
    assert body["counsellor_available"] is True
    assert body["helplines"] == []
    esc = body["escalation"]
    eid = esc["id"]
    assert esc["status"] == "queued" and esc["held_until"] is None
    assert esc["risk_level"] == "imminent" and esc["priority"] == 4
    assert len(esc["teen_ref"]) == 64 and "1001" not in esc["teen_ref"]

    # The same crisis message again: one escalation.
    again = await running.create("update-1", "imminent")
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["escalation"]["id"] == eid

    queue = (await running.client.get("/v1/escalations")).json()["escalations"]
    assert [e["id"] for e in queue] == [eid]

    delivery = await running.lease()
    assert delivery["escalation"]["id"] == eid
    assert delivery["attempt"] == 1 and delivery["audience"] == "on_duty"
    ack = await running.ack(delivery)
    assert ack.status_code == 200 and ack.json() == {"acknowledged": True, "stale": False}
    assert await running.lease() is None

    won = await running.claim(eid, "anna")
    assert won.status_code == 200, won.text
    assert won.json()["status"] == "claimed"
    assert won.json()["claimed_by"] == {"id": "anna", "display_name": "Counsellor anna"}
    lost = await running.claim(eid, "bram")
    assert lost.status_code == 409
    assert lost.json()["error"]["code"] == "already_claimed"
    assert lost.json()["error"]["details"]["claimed_by"]["id"] == "anna"

    speaks = await running.client.post("/v1/who-speaks", json={"teen_telegram_id": 1001})
    assert speaks.json()["speaker"] == "counsellor"
    assert speaks.json()["counsellor"]["id"] == "anna"
    other = await running.client.post("/v1/who-speaks", json={"teen_telegram_id": 2002})
    assert other.json() == {
        "speaker": "bot", "counsellor": None, "escalation_id": None, "escalation_status": None,
        "last_outcome": None, "last_closed_at": None,
    }

    m1 = await running.client.post(
        f"/v1/escalations/{eid}/messages", json={"author": "teen", "text": "ik ben er nog"}
    )
    assert m1.status_code == 201, m1.text
    m2 = await running.client.post(
        f"/v1/escalations/{eid}/messages",
        json={"author": "counsellor", "text": "Fijn dat je er bent."},
        headers={"X-Counsellor-Id": "anna"},
    )
    assert m2.status_code == 201
    intruder = await running.client.post(
        f"/v1/escalations/{eid}/messages",
        json={"author": "counsellor", "text": "hallo"},
        headers={"X-Counsellor-Id": "bram"},
    )
    assert intruder.status_code == 403
    assert intruder.json()["error"]["code"] == "not_holder"

    moved = await running.client.post(
        f"/v1/escalations/{eid}/transfer",
        json={"to_counsellor_id": "bram", "note": "kent de school"},
        headers={"X-Counsellor-Id": "anna"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["claimed_by"]["id"] == "bram"

    released = await running.client.post(
        f"/v1/escalations/{eid}/release", headers={"X-Counsellor-Id": "bram"}
    )
    assert released.status_code == 200
    assert released.json()["status"] == "queued"
    redelivery = await running.lease()
    assert redelivery["escalation"]["id"] == eid
    assert (await running.ack(redelivery)).json()["stale"] is False
    assert (await running.claim(eid, "anna")).status_code == 200

    closed = await running.client.post(
        f"/v1/escalations/{eid}/close",
        json={"outcome": "safe_plan"},
        headers={"X-Counsellor-Id": "anna"},
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed" and closed.json()["outcome"] == "safe_plan"
    assert (await running.claim(eid, "bram")).json()["error"]["code"] == "not_claimable"
    speaks = await running.client.post("/v1/who-speaks", json={"teen_telegram_id": 1001})
    assert speaks.json()["speaker"] == "bot"

    detail = (await running.client.get(f"/v1/escalations/{eid}")).json()
    assert [e["kind"] for e in detail["events"]] == [
        "created", "notified", "claimed", "message", "message", "transferred",
        "released", "notified", "claimed", "closed",
    ]
    assert detail["events"][2]["actor"] == "counsellor:anna"
    assert detail["evidence"][0]["matched"] == "vanavond"
    assert detail["notified_at"] and detail["claimed_at"] and detail["closed_at"]

    messages = (await running.client.get(f"/v1/escalations/{eid}/messages")).json()["messages"]
    assert [(m["author"], m["text"]) for m in messages] == [
        ("teen", "ik ben er nog"),
        ("counsellor", "Fijn dat je er bent."),
        ("note", "kent de school"),
    ]
    contact = (await running.client.get(f"/v1/escalations/{eid}/contact")).json()
    assert contact == {"teen_telegram_id": 1001, "group_chat_id": -1001234567890}

    metrics = (await running.client.get("/metrics")).text
    assert 'escalations_created_total{risk="imminent"} 1.0' in metrics
    assert 'escalations_closed_total{outcome="safe_plan",risk="imminent"} 1.0' in metrics
    assert 'escalation_time_to_claim_seconds_count{risk="imminent"} 1.0' in metrics
    assert 'escalation_time_to_first_notification_seconds_count{risk="imminent"} 1.0' in metrics


async def test_the_queue_lists_by_risk_then_age(running: Running) -> None:
    await running.counsellor("anna")
    ids = {}
    for teen, (key, risk) in enumerate([("a", "distress"), ("b", "direct"), ("c", "imminent"),
                                        ("d", "indirect"), ("e", "direct")]):
        ids[key] = (await running.create(key, risk, teen=teen)).json()["escalation"]["id"]
    listed = (await running.client.get("/v1/escalations?state=waiting")).json()["escalations"]
    assert [e["id"] for e in listed] == [ids[k] for k in ("c", "b", "e", "d", "a")]
    metrics = (await running.client.get("/metrics")).text
    assert 'escalation_queue_depth{risk="direct"} 2.0' in metrics
    assert 'escalation_queue_depth{risk="imminent"} 1.0' in metrics
    assert 'escalation_redis_items{state="waiting"} 5.0' in metrics
    leased = [(await running.lease())["escalation"]["id"] for _ in range(5)]
    assert leased == [ids[k] for k in ("c", "b", "e", "d", "a")]


async def test_errors_are_json_with_a_stable_code(running: Running) -> None:
    client = running.client
    no_token = await client.get("/v1/escalations", headers={"Authorization": ""})
    assert no_token.status_code == 401
    assert no_token.json()["error"]["code"] == "unauthorised"
    wrong = await client.get("/v1/escalations", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    missing = await client.get(f"/v1/escalations/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "escalation_not_found"
    bad_id = await client.get("/v1/escalations/not-a-uuid")
    assert bad_id.status_code == 422
    assert bad_id.json()["error"]["code"] == "invalid_request"
    bad_risk = await running.create("k", "none")
    assert bad_risk.status_code == 422
    assert bad_risk.json()["error"]["details"]["problems"][0]["loc"] == ["body", "risk_level"]
    not_json = await client.post(
        "/v1/escalations", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    unknown = await client.get("/nowhere")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    eid = (await running.create("k2", "direct")).json()["escalation"]["id"]
    nobody = await client.post(f"/v1/escalations/{eid}/claim")
    assert nobody.status_code == 400
    assert nobody.json()["error"]["code"] == "counsellor_required"
    stranger = await running.claim(eid, "stranger")
    assert stranger.status_code == 403
    await running.counsellor("off", on_duty=False)
    off = await running.claim(eid, "off")
    assert off.json()["error"]["code"] == "not_on_duty"


async def test_health_readiness_and_openapi(running: Running) -> None:
    assert (await running.client.get("/healthz")).json() == {"status": "ok", "checks": {}}
    ready = await running.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"sql": "ok", "redis": "ok"}
    spec = (await running.client.get("/openapi.json")).json()
    assert "/v1/escalations/{escalation_id}/claim" in spec["paths"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
