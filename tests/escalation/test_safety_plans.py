"""The teen's own safety plan (``/mijnlijst``): kept with consent, encrypted, forgotten
on request or after a year without use, and shown to the counsellor."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from common.logging import configure_logging
from escalation.models import SafetyPlan
from escalation.settings import async_database_url, sync_database_url
from tests.escalation.conftest import Running
from tests.escalation.test_privacy import _dump
from tests.escalation.test_sla import Clock

pytestmark = pytest.mark.redis

TEEN = 987654321
START = datetime(2026, 1, 1, 12, tzinfo=UTC)
PLAN = {
    "activities": ["koud water over mijn handen", "  mijn lievelingsliedje  "],
    "reasons": ["mijn zusje Lotte"],
    "contacts": ["tante Els 0470 12 34 56", "Awel"],
}


async def put(running: Running, teen: int = TEEN, **body: Any) -> Any:
    return await running.client.put(
        "/v1/safety-plans", json={"teen_telegram_id": teen, "consent": True, **PLAN, **body}
    )


async def read(running: Running, teen: int = TEEN) -> Any:
    return await running.client.post("/v1/safety-plans/read", json={"teen_telegram_id": teen})


async def test_a_plan_is_kept_read_replaced_and_forgotten(running: Running) -> None:
    clock = Clock(START)
    running.service.clock = clock
    missing = await read(running)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "no_plan"

    saved = await put(running)
    assert saved.status_code == 200, saved.text
    assert saved.json()["plan"] == {
        "activities": ["koud water over mijn handen", "mijn lievelingsliedje"],  # trimmed
        "reasons": ["mijn zusje Lotte"],
        "contacts": ["tante Els 0470 12 34 56", "Awel"],
    }
    assert saved.json()["updated_at"].startswith("2026-01-01T12:00:00")

    clock.advance(60)
    shown = await read(running)
    assert shown.status_code == 200
    assert shown.json() == saved.json()
    assert (await read(running, teen=TEEN + 1)).status_code == 404  # only the teen's own

    clock.advance(60)
    replaced = await put(running, activities=["dansen"], reasons=[], contacts=[])
    assert replaced.json()["plan"] == {"activities": ["dansen"], "reasons": [], "contacts": []}
    assert (await read(running)).json()["plan"]["activities"] == ["dansen"]

    async with running.service.sessions() as session:
        row = await session.get(SafetyPlan, running.service.privacy.ref("teen", TEEN))
    assert row is not None
    assert row.created_at == START
    assert row.consent_at == row.updated_at == START + timedelta(seconds=120)
    assert row.last_read_at == START + timedelta(seconds=120)  # read after the replace

    forgotten = await running.client.post(
        "/v1/safety-plans/delete", json={"teen_telegram_id": TEEN}
    )
    assert forgotten.json() == {"deleted": True}
    assert (await read(running)).json()["error"]["code"] == "no_plan"
    again = await running.client.post("/v1/safety-plans/delete", json={"teen_telegram_id": TEEN})
    assert (again.status_code, again.json()) == (200, {"deleted": False})


async def test_a_plan_needs_consent_and_stays_within_its_limits(running: Running) -> None:
    refused = await put(running, consent=False)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "consent_required"
    for consent in ("true", 1, None):
        r = await put(running, consent=consent)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
        assert r.json()["error"]["details"]["problems"][0]["loc"] == ["body", "consent"]
    no_consent = await running.client.put(
        "/v1/safety-plans", json={"teen_telegram_id": TEEN, **PLAN}
    )
    assert no_consent.status_code == 422
    assert (await read(running)).status_code == 404  # nothing was kept

    for field, limit in (("activities", 80), ("reasons", 200), ("contacts", 120)):
        assert (await put(running, **{field: ["x" * limit]})).status_code == 200
        too_long = await put(running, **{field: ["x" * (limit + 1)]})
        assert too_long.status_code == 422
        assert too_long.json()["error"]["details"]["problems"][0]["loc"][:2] == ["body", field]
        assert (await put(running, **{field: ["   "]})).status_code == 422  # empty once trimmed
        assert (await put(running, **{field: ["ok"] * 10})).status_code == 200
        assert (await put(running, **{field: ["ok"] * 11})).status_code == 422
    bad = await put(running, activities=["mijn geheim " * 10])
    assert "geheim" not in bad.text  # the error names where, never the input
    unknown = await put(running, notes=["x"])
    assert unknown.status_code == 422
    for method, path in (("PUT", "/v1/safety-plans"), ("POST", "/v1/safety-plans/read"),
                         ("POST", "/v1/safety-plans/delete")):
        anonymous = await running.client.request(
            method, path, json={"teen_telegram_id": TEEN, "consent": True, **PLAN},
            headers={"Authorization": ""},
        )
        assert anonymous.status_code == 401
        assert anonymous.json()["error"]["code"] == "unauthorised"


async def test_the_counsellor_sees_the_teens_plan_with_the_escalation(running: Running) -> None:
    await running.counsellor("anna")
    with_plan = (await running.create("p", "direct", teen=TEEN)).json()["escalation"]["id"]
    without = (await running.create("q", "direct", teen=5)).json()["escalation"]["id"]
    await put(running)
    shown = (await running.client.get(f"/v1/escalations/{with_plan}")).json()
    assert shown["safety_plan"]["reasons"] == ["mijn zusje Lotte"]
    other = (await running.client.get(f"/v1/escalations/{without}")).json()
    assert other["safety_plan"] is None


async def test_the_plan_is_encrypted_and_never_logged(running: Running) -> None:
    buffer = io.StringIO()
    configure_logging("DEBUG", "json", stream=buffer)
    try:
        assert (await put(running)).status_code == 200
        assert (await read(running)).status_code == 200
        assert (await put(running, consent=False)).status_code == 422
        await running.client.post("/v1/safety-plans/delete", json={"teen_telegram_id": 1})
    finally:
        configure_logging("INFO", "json")
    logged = buffer.getvalue()
    assert "safety_plan.saved" in logged  # the logs were captured
    stored = _dump(running.settings.database_url)
    for secret in (str(TEEN), "Lotte", "lievelingsliedje", "0470 12 34 56"):
        assert secret not in logged
        assert secret not in stored


async def test_simultaneous_first_saves_keep_one_plan(running: Running) -> None:
    responses = await asyncio.gather(
        *(put(running, activities=[f"activiteit {i}"]) for i in range(10))
    )
    assert {r.status_code for r in responses} == {200}
    kept = (await read(running)).json()["plan"]["activities"]
    assert kept in [r.json()["plan"]["activities"] for r in responses]


async def test_the_purge_forgets_plans_unused_for_the_plan_retention(running: Running) -> None:
    clock = Clock(START)
    running.service.clock = clock
    await put(running, teen=1)  # saved, never read
    await put(running, teen=2)  # saved, read later
    await put(running, teen=3)  # saved, updated later
    clock.advance(200 * 86400)
    await read(running, teen=2)
    await put(running, teen=3)

    clock.advance(166 * 86400)  # 366 days after the first saves
    report = await running.reconciler.run_once()
    assert report.purged
    assert (await read(running, teen=1)).status_code == 404
    assert (await read(running, teen=2)).status_code == 200
    assert (await read(running, teen=3)).status_code == 200
    engine = create_engine(sync_database_url(async_database_url(running.settings.database_url)))
    with engine.connect() as conn:
        runs = conn.execute(text("SELECT plans_deleted FROM purge_runs")).scalars().all()
    engine.dispose()
    assert runs == [1]
