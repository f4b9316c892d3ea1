"""Private by default: keyed-hash ids, encrypted contact and text, the retention purge,
and nothing personal in the logs."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from common.logging import configure_logging
from escalation.settings import EscalationSettings, async_database_url, sync_database_url
from tests.escalation.conftest import Running

pytestmark = pytest.mark.redis

TEEN = 987654321
GROUP = -1009876543210
SECRET_WORDS = "ik wil niet meer leven vanavond"


def _dump(database_url: str) -> str:
    """Every value of every row of every table, as one string."""
    engine = create_engine(sync_database_url(async_database_url(database_url)))
    out = []
    with engine.connect() as conn:
        for table in ("escalations", "escalation_events", "conversation_messages", "outbox",
                      "counsellors", "purge_runs", "idempotency_keys", "safety_plans",
                      "answer_texts", "peer_harm_groups", "peer_harm_alerts",
                      "peer_harm_reports"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                out.append(json.dumps([str(v) for v in row]))
    engine.dispose()
    return "\n".join(out)


async def test_ids_and_text_are_never_stored_in_plain(running: Running) -> None:
    await running.counsellor("anna")
    r = await running.create(
        "p1", "imminent", teen=TEEN, group_chat_id=GROUP,
        evidence=[{"source": "lexicon", "code": "direct.time", "matched": SECRET_WORDS}],
    )
    eid = r.json()["escalation"]["id"]
    await running.claim(eid, "anna")
    await running.client.post(
        f"/v1/escalations/{eid}/messages", json={"author": "teen", "text": SECRET_WORDS}
    )
    stored = _dump(running.settings.database_url)
    assert str(TEEN) not in stored and str(GROUP) not in stored
    assert "leven" not in stored

    expected = hmac.new(b"test-hmac-key-for-pseudonyms", f"teen:{TEEN}".encode(),
                        hashlib.sha256).hexdigest()
    assert r.json()["escalation"]["teen_ref"] == expected
    other_key = EscalationSettings(
        app_env="test", hmac_key="another-key", fernet_key="x" * 20, service_token="t" * 20
    )
    from escalation.privacy import Privacy

    assert Privacy("another-key", other_key.fernet_key_bytes).ref("teen", TEEN) != expected
    # The contact opens only with the service's Fernet key.
    contact = (await running.client.get(f"/v1/escalations/{eid}/contact")).json()
    assert contact == {"teen_telegram_id": TEEN, "group_chat_id": GROUP}
    assert running.settings.fernet_key_bytes != Fernet.generate_key()


async def test_the_purge_deletes_text_and_reversible_ids_and_keeps_statistics(
    running: Running,
) -> None:
    await running.counsellor("anna")
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    running.service.clock = lambda: start
    old = (await running.create("old", "direct", teen=TEEN)).json()["escalation"]["id"]
    still_open = (await running.create("open", "indirect", teen=5)).json()["escalation"]["id"]
    await running.claim(old, "anna")
    await running.client.post(
        f"/v1/escalations/{old}/messages", json={"author": "teen", "text": SECRET_WORDS}
    )
    await running.client.post(
        f"/v1/escalations/{old}/close", json={"outcome": "referred"},
        headers={"X-Counsellor-Id": "anna"},
    )
    running.service.clock = lambda: start + timedelta(days=29)
    fresh = (await running.create("fresh", "distress", teen=6)).json()["escalation"]["id"]
    await running.claim(fresh, "anna")
    await running.client.post(
        f"/v1/escalations/{fresh}/messages", json={"author": "teen", "text": "nog vers"}
    )

    running.service.clock = lambda: start + timedelta(days=31)
    report = await running.reconciler.run_once()
    assert report.purged

    assert (await running.client.get(f"/v1/escalations/{old}/messages")).json()["messages"] == []
    gone = await running.client.get(f"/v1/escalations/{old}/contact")
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "contact_purged"
    detail = (await running.client.get(f"/v1/escalations/{old}")).json()
    assert detail["teen_ref"] is None and detail["evidence"] is None
    assert (detail["risk_level"], detail["outcome"]) == ("direct", "referred")
    assert detail["claimed_at"] and detail["closed_at"]
    # Younger than the retention, or still open: kept.
    kept = (await running.client.get(f"/v1/escalations/{fresh}/messages")).json()["messages"]
    assert [m["text"] for m in kept] == ["nog vers"]
    assert (await running.client.get(f"/v1/escalations/{still_open}/contact")).status_code == 200

    stored = _dump(running.settings.database_url)
    assert "purge_runs" not in stored  # (table names are not values)
    engine = create_engine(sync_database_url(async_database_url(running.settings.database_url)))
    with engine.connect() as conn:
        runs = conn.execute(
            text("SELECT messages_deleted, escalations_anonymised FROM purge_runs")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in runs] == [(1, 1)]
    # Within the purge interval it does not run again.
    assert not (await running.reconciler.run_once()).purged


async def test_no_text_or_telegram_id_reaches_the_logs(running: Running) -> None:
    buffer = io.StringIO()
    configure_logging("DEBUG", "json", stream=buffer)
    try:
        await running.counsellor("anna")
        r = await running.create("log-1", "imminent", teen=TEEN, group_chat_id=GROUP)
        eid = r.json()["escalation"]["id"]
        merged = await running.create(
            "log-2", "imminent", teen=TEEN, group_chat_id=GROUP,
            evidence=[{"source": "lexicon", "code": "direct.time", "matched": SECRET_WORDS}],
        )
        assert merged.json()["merged"] is True
        await running.claim(eid, "anna")
        await running.client.post(
            f"/v1/escalations/{eid}/messages", json={"author": "teen", "text": SECRET_WORDS}
        )
        await running.client.post("/v1/escalations", json={"teen_telegram_id": TEEN,
                                                           "text": SECRET_WORDS})
        await running.client.post("/v1/who-speaks", json={"teen_telegram_id": TEEN})
    finally:
        configure_logging("INFO", "json")
    logged = buffer.getvalue()
    assert "escalation.created" in logged  # the logs were captured
    assert "escalation.merged" in logged
    for secret in (str(TEEN), str(GROUP), "leven", "Counsellor anna"):
        assert secret not in logged


def test_tables_with_personal_data_say_so() -> None:
    from escalation.models import Base

    for table in Base.metadata.tables.values():
        personal = [
            c.name for c in table.columns
            if c.name.endswith("_enc") or c.name in {"teen_ref", "display_name"}
        ]
        for column in personal:
            assert column in table.info.get("personal", ""), (table.name, column)
    assert "safety_plans" in Base.metadata.tables
