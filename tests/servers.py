"""Real Redis and PostgreSQL servers for the test session, from the machine's binaries.

Each server is started once per session on a free port, in a temporary directory,
and stopped at the end; tests get clean state through the function-scoped
fixtures (a flushed Redis database, a new PostgreSQL database per test).

When a binary is missing or a server does not start, the test is skipped on a
developer's machine, and **fails** under ``CI=true``: CI never passes with a
suite silently skipped. ``make test`` installs the binaries first on Debian.

PostgreSQL refuses to run as root (``initdb: cannot be run as root``), and
pytest-postgresql has no option to run it as another user (its issue #455), so
PostgreSQL is started here with mirakuru (the process library pytest-postgresql
and pytest-redis are built on) as the ``postgres`` system user when we are root.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mirakuru import TCPExecutor
from mirakuru.exceptions import ProcessExitedWithError, TimeoutExpired

# Shared with the Rasa environment's tests (no mirakuru there): tests/stack.py.
from tests.stack import free_port, in_ci, unavailable

__all__ = ["free_port", "in_ci", "unavailable"]

START_TIMEOUT_S = 60


def find_binary(name: str) -> str | None:
    """A server binary on PATH, or in Debian's versioned PostgreSQL folder."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return candidates[-1] if candidates else None


@dataclass(frozen=True)
class RedisServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str = "postgres"

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"


def _start(executor: TCPExecutor, what: str) -> None:
    try:
        executor.start()
    except (TimeoutExpired, ProcessExitedWithError, OSError) as exc:
        unavailable(f"{what} did not start: {type(exc).__name__}: {exc}")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server of our own on a free port, keeping nothing on disk."""
    binary = find_binary("redis-server")
    if binary is None:
        unavailable("redis-server is not installed")
    assert binary is not None
    workdir = tmp_path_factory.mktemp("redis")
    port = free_port()
    command = [
        binary,
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(workdir),
        "--logfile", str(workdir / "redis.log"),
    ]
    executor = TCPExecutor(command, host="127.0.0.1", port=port, timeout=START_TIMEOUT_S)
    _start(executor, "redis-server")
    try:
        yield RedisServer("127.0.0.1", port)
    finally:
        executor.stop()


@pytest.fixture()
def redis_client(redis_server: RedisServer) -> Iterator[Any]:
    """A redis-py client on a flushed database of the session's server."""
    import redis

    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def _postgres_user() -> dict[str, Any]:
    """Popen arguments that run PostgreSQL as the ``postgres`` user when we are root."""
    if os.geteuid() != 0:
        return {}
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        unavailable("running as root and there is no 'postgres' system user")
        raise
    return {"user": entry.pw_uid, "group": entry.pw_gid}


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster of our own on a free port, in a temporary directory."""
    initdb, postgres = find_binary("initdb"), find_binary("postgres")
    if initdb is None or postgres is None:
        unavailable("PostgreSQL (initdb, postgres) is not installed")
    assert initdb is not None and postgres is not None
    run_as = _postgres_user()
    # Not under pytest's tmp_path: that is private to root, and the server's user
    # must reach its own folders. /tmp is world-traversable.
    base = Path(tempfile.mkdtemp(prefix="helpline-test-pg-"))
    datadir, sockdir = base / "data", base / "sock"
    sockdir.mkdir()
    if run_as:
        for path in (base, sockdir):
            os.chown(path, run_as["user"], run_as["group"])
    init = subprocess.run(
        [initdb, "-D", str(datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
         "--locale=C", "--no-sync"],
        capture_output=True, text=True, check=False, **run_as,
    )
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        unavailable(f"initdb failed: {init.stderr.strip()[-300:]}")
    port = free_port()
    command = [
        postgres, "-D", str(datadir), "-p", str(port), "-k", str(sockdir),
        "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
        "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
    ]
    executor = TCPExecutor(
        command, host="127.0.0.1", port=port, timeout=START_TIMEOUT_S, popen_kwargs=run_as
    )
    _start(executor, "PostgreSQL")
    try:
        yield PostgresServer("127.0.0.1", port)
    finally:
        executor.stop()
        shutil.rmtree(base, ignore_errors=True)


_db_numbers = itertools.count(1)


@pytest.fixture()
def postgres_dsn(postgres_server: PostgresServer) -> Iterator[str]:
    """The DSN of a new, empty PostgreSQL database, dropped after the test."""
    import psycopg

    name = f"test_{os.getpid()}_{next(_db_numbers)}"
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_server.dsn(name)
    finally:
        with psycopg.connect(postgres_server.dsn(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
