"""Database engines and migrations.

SQLite (the default) is opened with WAL, foreign keys on, a busy timeout, and every
transaction started with ``BEGIN IMMEDIATE``: a transaction that reads and then writes
takes the write lock up front, so concurrent writers wait their turn (busy timeout)
instead of failing with "database is locked" when upgrading a read lock.
A second SQLite engine, with the blocking driver and one connection, serves the
service's writer thread (:meth:`escalation.service.EscalationService.run_write`): a
whole transaction there costs one hand-over between threads, where aiosqlite costs
several per statement. PostgreSQL needs none of this: its row locks and the
conditional updates in :mod:`escalation.service` are enough.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from escalation.settings import async_database_url, sync_database_url

# aiosqlite logs every statement with its parameters at DEBUG (counsellors' names, ...):
# keep it above DEBUG whatever LOG_LEVEL says.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" event below issues BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _on_sqlite_deferred(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def is_sqlite(url: str) -> bool:
    return make_url(async_database_url(url)).get_backend_name() == "sqlite"


def create_engine(url: str, *, immediate: bool = True, **kwargs: Any) -> AsyncEngine:
    """An asyncio engine for ``url``, with SQLite's pragmas when it is SQLite.

    ``immediate=False`` makes a SQLite engine for reads only: its transactions start
    with a plain (deferred) BEGIN and never wait for the write lock.
    """
    url = async_database_url(url)
    path = _sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("pool_size", 8)
        kwargs.setdefault("max_overflow", 8)
        kwargs.setdefault("pool_timeout", 60)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(
            engine.sync_engine, "begin", _on_sqlite_begin if immediate else _on_sqlite_deferred
        )
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_timeout", 60)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def create_sync_sqlite_engine(url: str) -> Engine:
    """A blocking SQLite engine with the same pragmas, for the service's writer thread.

    One connection, used by one thread: SQLite has one writer at a time anyway.
    """
    sync_url = sync_database_url(async_database_url(url))
    engine = create_sync_engine(sync_url, pool_size=1, max_overflow=0, pool_timeout=60)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def alembic_config(url: str) -> Config:
    """Alembic's configuration for ``url`` (no ini file: the scripts live in the package)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Passed as an attribute, not an option: configparser would read '%' in passwords.
    config.attributes["url"] = sync_database_url(async_database_url(url))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (creating a SQLite file's folder)."""
    path = _sqlite_file(async_database_url(url))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
