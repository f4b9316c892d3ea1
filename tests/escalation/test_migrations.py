"""Migrations go up from an empty database and back down, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from escalation import db
from escalation.settings import async_database_url, sync_database_url

TABLES = {
    "counsellors", "escalations", "escalation_events", "conversation_messages", "outbox",
    "purge_runs",
}


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
