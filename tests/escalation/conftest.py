"""Fixtures for the escalation service: settings, a running app on SQLite or PostgreSQL,
and Redis servers of our own for fault tests (never the shared session server)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import httpx
import pytest
from mirakuru import TCPExecutor

from escalation.api import create_app
from escalation.reconciler import Reconciler
from escalation.service import EscalationService
from escalation.settings import EscalationSettings
from tests.servers import RedisServer, find_binary, free_port, unavailable

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-service-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def make_settings(database_url: str, redis_url: str, **overrides: Any) -> EscalationSettings:
    values: dict[str, Any] = {
        "app_env": "test",
        "database_url": database_url,
        "redis_url": redis_url,
        "service_token": TOKEN,
        "hmac_key": "test-hmac-key-for-pseudonyms",
        "fernet_key": "test-fernet-secret",
        "reconcile_interval_s": 3600,
        "outbox_grace_s": 0,
        # Always in service hours unless a test says otherwise.
        "service_start": clock_time(0, 0),
        "service_end": clock_time(23, 59),
        "log_format": "json",
    }
    values.update(overrides)
    return EscalationSettings(**values)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database (empty: the app migrates it on start), on both engines."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'escalation.sqlite3'}"
    dsn: str = request.getfixturevalue("postgres_dsn")
    return dsn


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'escalation.sqlite3'}"


@dataclass
class Running:
    """An app started in-process with its lifespan, and an HTTP client on it."""

    client: httpx.AsyncClient
    service: EscalationService
    reconciler: Reconciler
    settings: EscalationSettings

    async def counsellor(
        self, cid: str, *, on_duty: bool = True, trained: bool = True, coordinator: bool = False
    ) -> None:
        r = await self.client.put(
            f"/v1/counsellors/{cid}",
            json={
                "display_name": f"Counsellor {cid}",
                "on_duty": on_duty,
                "high_risk_trained": trained,
                "coordinator": coordinator,
            },
        )
        assert r.status_code == 200, r.text

    async def create(self, key: str, risk: str = "direct", teen: int = 1001, **extra: Any) -> Any:
        body = {
            "idempotency_key": key,
            "teen_telegram_id": teen,
            "group_chat_id": -1001234567890,
            "risk_level": risk,
            "reason_codes": ["lexicon.direct"],
            **extra,
        }
        return await self.client.post("/v1/escalations", json=body)

    async def claim(self, eid: str, cid: str) -> httpx.Response:
        return await self.client.post(
            f"/v1/escalations/{eid}/claim", headers={"X-Counsellor-Id": cid}
        )

    async def lease(self, wait_s: float = 0) -> Any:
        r = await self.client.post("/v1/deliveries/lease", json={"wait_s": wait_s})
        assert r.status_code == 200, r.text
        return r.json()["delivery"]

    async def ack(self, delivery: dict[str, Any]) -> httpx.Response:
        eid = delivery["escalation"]["id"]
        return await self.client.post(
            f"/v1/deliveries/{eid}/ack", json={"lease_token": delivery["lease_token"]}
        )


AppFactory = Callable[..., Any]


@pytest.fixture()
async def start_app() -> AsyncIterator[Callable[[EscalationSettings], Any]]:
    """Start apps for a test; all are stopped at its end."""
    import contextlib

    stack = contextlib.AsyncExitStack()

    async def start(settings: EscalationSettings) -> Running:
        app = create_app(settings, run_background=False)
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://escalation", headers=AUTH,
            timeout=60,
        )
        await stack.enter_async_context(client)
        return Running(client, app.state.service, app.state.reconciler, settings)

    async with stack:
        yield start


@pytest.fixture()
async def running(
    database_url: str, redis_server: RedisServer, redis_client: Any, start_app: Any
) -> Running:
    """The app on a fresh database (both engines) and a flushed shared Redis."""
    result: Running = await start_app(make_settings(database_url, redis_server.url))
    return result


@pytest.fixture()
async def running_sqlite(
    sqlite_url: str, redis_server: RedisServer, redis_client: Any, start_app: Any
) -> Running:
    result: Running = await start_app(make_settings(sqlite_url, redis_server.url))
    return result


class OwnRedis:
    """A redis-server of a test's own, which the test may stop, restart and flush."""

    def __init__(self, workdir: Path) -> None:
        binary = find_binary("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
        assert binary is not None
        self.port = free_port()
        self.workdir = workdir
        self.command = [
            binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(workdir),
            "--logfile", str(workdir / "redis.log"),
        ]
        self.executor: TCPExecutor | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.executor = TCPExecutor(self.command, host="127.0.0.1", port=self.port, timeout=30)
        self.executor.start()

    def stop(self) -> None:
        if self.executor is not None:
            self.executor.stop()
            self.executor = None


@pytest.fixture()
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path_factory.mktemp("own-redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


class ServiceProcess:
    """The service as a real process (uvicorn), so a test can SIGKILL it."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        self.env = env
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **extra_env: str) -> None:
        env = {**self.env, **extra_env}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "escalation", "serve", "--port", str(self.port)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"service exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)  # polling the port with a deadline
        raise RuntimeError("service did not start")

    def kill(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        code = self.process.wait(timeout=30)
        self.process = None
        return code

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture()
def service_process(tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    started: list[ServiceProcess] = []

    def make(database_url: str, redis_url: str, **settings_env: str) -> ServiceProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ESCALATION_")}
        env.update(
            {
                "APP_ENV": "test",
                "PYTHONPATH": str(ROOT),
                "LOG_FORMAT": "json",
                "ESCALATION_DATABASE_URL": database_url,
                "ESCALATION_REDIS_URL": redis_url,
                "ESCALATION_SERVICE_TOKEN": TOKEN,
                "ESCALATION_HMAC_KEY": "test-hmac-key-for-pseudonyms",
                "ESCALATION_FERNET_KEY": "test-fernet-secret",
                "ESCALATION_SERVICE_START": "00:00",
                "ESCALATION_SERVICE_END": "23:59",
                **settings_env,
            }
        )
        proc = ServiceProcess(env, free_port(), tmp_path / f"service-{len(started)}.log")
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()


def have_redis() -> bool:
    return shutil.which("redis-server") is not None or find_binary("redis-server") is not None
