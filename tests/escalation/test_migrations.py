"""Migrations go up from an empty database and back down, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from escalation import db
from escalation.settings import async_database_url, sync_database_url

#: Tables added by revision 0004.
TABLES_0004 = {"answer_texts", "peer_harm_groups", "peer_harm_alerts", "peer_harm_reports"}
TABLES = {
    "counsellors", "escalations", "escalation_events", "conversation_messages", "outbox",
    "purge_runs", "idempotency_keys", "safety_plans",
} | TABLES_0004


def _tables(url: str) -> set[str]:
    engine = create_engine(sync_database_url(async_database_url(url)))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_to_head_matches_the_models_and_downgrade_empties(database_url: str) -> None:
    assert _tables(database_url) <= {"alembic_version"}
    db.upgrade(database_url)
    assert _tables(database_url) == TABLES | {"alembic_version"}
    # The models and the migrations describe the same schema (no autogenerate drift).
    command.check(db.alembic_config(database_url))
    db.downgrade(database_url)
    assert _tables(database_url) == {"alembic_version"}
    db.upgrade(database_url)  # and up again, from the downgraded state
    assert _tables(database_url) >= TABLES


def test_the_event_log_is_append_only_in_the_database(database_url: str) -> None:
    from sqlalchemy.exc import DBAPIError

    db.upgrade(database_url)
    engine = create_engine(sync_database_url(async_database_url(database_url)))
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO escalations (id, idempotency_key, group_ref, country, risk_level, "
                "priority, queue_score, reason_codes, answers, status, delivery_pending, "
                "sla_stage, created_at) VALUES ('e1', 'k1', 'g', 'BE', 'direct', 3, 0, '[]', "
                "'{}', 'queued', true, 0, CURRENT_TIMESTAMP)"
            ))
            conn.execute(text(
                "INSERT INTO escalation_events (escalation_id, at, actor, kind, detail) "
                "VALUES ('e1', CURRENT_TIMESTAMP, 'service', 'created', '{}')"
            ))
        for statement in ("UPDATE escalation_events SET kind = 'closed'",
                          "DELETE FROM escalation_events"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.connect() as conn:
            kinds = conn.execute(text("SELECT kind FROM escalation_events")).scalars().all()
        assert kinds == ["created"]
    finally:
        engine.dispose()
    db.downgrade(database_url)
    assert _tables(database_url) == {"alembic_version"}


def test_sqlite_runs_with_wal_and_foreign_keys(sqlite_url: str) -> None:
    db.upgrade(sqlite_url)

    async def pragmas() -> tuple[str, int]:
        engine = db.create_engine(sqlite_url)
        try:
            async with engine.connect() as conn:
                mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
                fks = (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one()
                return str(mode), int(fks)
        finally:
            await engine.dispose()

    assert asyncio.run(pragmas()) == ("wal", 1)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_database_urls_get_an_asyncio_driver(given: str, expected: str) -> None:
    assert async_database_url(given) == expected


def test_0003_leaves_one_active_escalation_per_teen_and_goes_back_down(
    database_url: str,
) -> None:
    """A database with several active escalations for one teen (possible before 0003)."""
    from sqlalchemy.exc import IntegrityError

    db.upgrade(database_url, "0002")
    engine = create_engine(sync_database_url(async_database_url(database_url)))
    insert = text(
        "INSERT INTO escalations (id, idempotency_key, teen_ref, group_ref, country, "
        "risk_level, priority, queue_score, reason_codes, answers, status, delivery_pending, "
        "sla_stage, created_at) VALUES (:id, :id, :teen, 'g', 'BE', :risk, :rank, :score, "
        "'[]', '{}', :status, true, 0, CURRENT_TIMESTAMP)"
    )
    ranks = {"distress": 1, "indirect": 2, "direct": 3, "imminent": 4}

    def add(conn: Any, eid: str, teen: str, risk: str, score: float, status: str) -> None:
        conn.execute(insert, {"id": eid, "teen": teen, "risk": risk, "rank": ranks[risk],
                              "score": score, "status": status})

    try:
        with engine.begin() as conn:
            add(conn, "a1", "teen-a", "indirect", 100, "queued")
            add(conn, "a2", "teen-a", "direct", 50, "notified")  # first in the queue
            add(conn, "a3", "teen-a", "imminent", 10, "closed")  # closed: not counted
            add(conn, "b1", "teen-b", "distress", 70, "claimed")  # held by a counsellor
            add(conn, "b2", "teen-b", "imminent", 5, "queued")
            add(conn, "c1", "teen-c", "direct", 30, "queued")
        db.upgrade(database_url)
        with engine.connect() as conn:
            rows = {
                r.id: r for r in conn.execute(text(
                    "SELECT id, risk_level, priority, queue_score, status, outcome, "
                    "delivery_pending FROM escalations"
                ))
            }
            events = conn.execute(text(
                "SELECT escalation_id, actor, kind, detail FROM escalation_events "
                "ORDER BY escalation_id"
            )).all()
        kept = {eid: (r.risk_level, r.priority, r.queue_score, r.status)
                for eid, r in rows.items() if r.status != "closed"}
        assert kept == {
            "a2": ("direct", 3, 50, "notified"),
            "b1": ("imminent", 4, 5, "claimed"),
            "c1": ("direct", 3, 30, "queued"),
        }
        for eid in ("a1", "b2"):
            assert (rows[eid].status, rows[eid].outcome) == ("closed", "duplicate")
            assert not rows[eid].delivery_pending
        details = {e.escalation_id: e for e in events}
        assert set(details) == {"a1", "b2"}
        assert details["a1"].kind == "closed" and details["a1"].actor == "system:migration"
        detail = details["b2"].detail
        assert (json.loads(detail) if isinstance(detail, str) else detail) == {
            "outcome": "duplicate", "merged_into": "b1"
        }

        # The database itself refuses a second active escalation for a teen.
        with pytest.raises(IntegrityError), engine.begin() as conn:
            add(conn, "c2", "teen-c", "distress", 1, "queued")
        with engine.begin() as conn:
            add(conn, "c3", "teen-c", "distress", 1, "closed")

        db.downgrade(database_url, "0002")
        assert _tables(database_url) == TABLES - TABLES_0004 - {
            "idempotency_keys", "safety_plans"
        } | {"alembic_version"}
        columns = {c["name"] for c in inspect(engine).get_columns("escalations")}
        assert "held_until" not in columns and "priority" in columns
        assert "plans_deleted" not in {
            c["name"] for c in inspect(engine).get_columns("purge_runs")
        }
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM escalations")).scalar_one() == 7
        db.upgrade(database_url)
        command.check(db.alembic_config(database_url))
    finally:
        engine.dispose()
    db.downgrade(database_url)
    assert _tables(database_url) == {"alembic_version"}


def test_0004_lets_an_escalation_have_no_group_and_goes_back_down(database_url: str) -> None:
    """Up from 0003 with escalations in it (the SQLite table is rebuilt), and back down."""
    from sqlalchemy.exc import IntegrityError

    db.upgrade(database_url, "0003")
    engine = create_engine(sync_database_url(async_database_url(database_url)))
    insert = text(
        "INSERT INTO escalations (id, idempotency_key, teen_ref, group_ref, country, "
        "risk_level, priority, queue_score, reason_codes, answers, status, delivery_pending, "
        "sla_stage, created_at) VALUES (:id, :id, :teen, :group, 'BE', 'direct', 3, 1, "
        "'[]', '{}', :status, true, 0, CURRENT_TIMESTAMP)"
    )
    event = text(
        "INSERT INTO escalation_events (escalation_id, at, actor, kind, detail) "
        "VALUES (:id, CURRENT_TIMESTAMP, 'service', 'created', '{}')"
    )
    try:
        with engine.begin() as conn:
            conn.execute(insert, {"id": "g1", "teen": "t1", "group": "g", "status": "queued"})
            conn.execute(event, {"id": "g1"})
        db.upgrade(database_url)
        with engine.begin() as conn:
            conn.execute(insert, {"id": "p1", "teen": "t2", "group": None, "status": "queued"})
            conn.execute(event, {"id": "p1"})
            conn.execute(text(
                "INSERT INTO answer_texts (escalation_id, question, text_enc, at) "
                "VALUES ('p1', 'has_time', 'token', CURRENT_TIMESTAMP)"
            ))
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        # The rebuilt table still refuses a second active escalation for a teen, and
        # the event log is still append-only.
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert, {"id": "g2", "teen": "t1", "group": None, "status": "queued"})
        from sqlalchemy.exc import DBAPIError

        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM escalation_events"))
        command.check(db.alembic_config(database_url))

        db.downgrade(database_url, "0003")
        assert _tables(database_url) == TABLES - TABLES_0004 | {"alembic_version"}
        with engine.connect() as conn:
            groups = dict(conn.execute(text("SELECT id, group_ref FROM escalations")).all())
            assert conn.execute(text("SELECT count(*) FROM escalation_events")).scalar_one() == 2
        assert groups == {"g1": "g", "p1": "private"}
        assert {c["name"] for c in inspect(engine).get_columns("purge_runs")} >= {
            "plans_deleted"
        }
        assert "alerts_anonymised" not in {
            c["name"] for c in inspect(engine).get_columns("purge_runs")
        }
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert, {"id": "p2", "teen": "t3", "group": None, "status": "queued"})
        db.upgrade(database_url)
        command.check(db.alembic_config(database_url))
    finally:
        engine.dispose()
    db.downgrade(database_url)
    assert _tables(database_url) == {"alembic_version"}
