"""The local stack as processes, for tests that cross the environments' border.

Standard library only, so that both the Python 3.11 and the 3.10 (Rasa) test runs can
import it: a ``redis-server`` and the escalation service (3.11 environment, SQLite) in a
temporary folder, the Rasa action server and the Rasa server (3.10 environment), each on
a free port, each writing its output to a log file the test can read afterwards.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY311 = ROOT / ".venv" / "bin" / "python"
PY310 = ROOT / "env" / "rasa" / ".venv" / "bin" / "python"
SERVICE_TOKEN = "stack-test-token-7f3a9c1e5b"


class StackError(RuntimeError):
    """A process of the stack did not start; the message names its log."""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(what: str) -> None:
    """Skip the test, or fail it under CI=true, because ``what`` cannot run (CI never
    passes with a suite silently skipped). Used by tests/servers.py too."""
    import pytest

    message = f"{what} (make test installs it on Debian)"
    if in_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, process: subprocess.Popen, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(f"{url}: exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise StackError(f"{url}: not ready after {timeout_s:.0f} s; see {log}")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)


@contextmanager
def started(name: str, argv: list[str], env: dict[str, str], workdir: Path,
            ready_url: str | None, timeout_s: float = 60) -> Iterator[Process]:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    process = Process(name, popen, log)
    try:
        if ready_url:
            wait_http(ready_url, popen, log, timeout_s)
        yield process
    finally:
        process.stop()


def _base_env() -> dict[str, str]:
    # Nothing from the developer's own settings leaks into the stack.
    prefixes = ("ESCALATION_", "SENTRY_", "LOG_", "APP_ENV", "SILENCE_", "DISTRESS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    # Unbuffered: a test reads the logs while the processes still run.
    return {**env, "PYTHONUNBUFFERED": "1"}


@contextmanager
def redis(workdir: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise StackError("redis-server is not installed")
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(workdir)]
    with started("redis", argv, _base_env(), workdir, None) as process:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError as error:
                if process.popen.poll() is not None or time.monotonic() > deadline:
                    raise StackError(f"redis-server did not start; see {process.log}") from error
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"


@contextmanager
def escalation_service(workdir: Path, redis_url: str, *, port: int | None = None,
                       name: str = "escalation", **settings: str) -> Iterator[str]:
    """The escalation service on SQLite; yields its base URL. ``port`` and ``name`` (of
    its log) let a test stop it and start it again where the others expect it."""
    if not PY311.exists():
        raise StackError(f"the 3.11 environment is missing ({PY311}); run make setup")
    port = port or free_port()
    env = {
        **_base_env(), "APP_ENV": "test", "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json",
        "ESCALATION_PORT": str(port),
        "ESCALATION_DATABASE_URL": f"sqlite:///{workdir}/escalation.sqlite3",
        "ESCALATION_REDIS_URL": redis_url,
        "ESCALATION_SERVICE_TOKEN": SERVICE_TOKEN,
        "ESCALATION_HMAC_KEY": "stack-test-hmac-key-51c0d2e8a4",
        "ESCALATION_FERNET_KEY": "stack-test-fernet-secret-9b7e61",
        # A shift all day: "no one on duty" depends only on the counsellors.
        "ESCALATION_SERVICE_START": "00:00", "ESCALATION_SERVICE_END": "23:59",
        **settings,
    }
    base = f"http://127.0.0.1:{port}"
    with started(name, [str(PY311), "-m", "escalation", "serve"], env, workdir,
                 f"{base}/readyz"):
        yield base


@contextmanager
def action_server(workdir: Path, escalation_url: str, **settings: str) -> Iterator[str]:
    """The Rasa action server (bot.actions); yields its webhook URL."""
    port = free_port()
    env = {**_base_env(), "PYTHONPATH": str(ROOT), "APP_ENV": "test", "LOG_LEVEL": "DEBUG",
           "LOG_FORMAT": "json", "ESCALATION_URL": escalation_url,
           "ESCALATION_SERVICE_TOKEN": SERVICE_TOKEN, "TF_CPP_MIN_LOG_LEVEL": "2", **settings}
    argv = [str(PY310), "-m", "rasa_sdk", "--actions", "bot.actions", "--port", str(port)]
    with started("actions", argv, env, workdir, f"http://127.0.0.1:{port}/health", 120):
        yield f"http://127.0.0.1:{port}/webhook"


@contextmanager
def rasa_server(workdir: Path, model: Path, action_url: str) -> Iterator[str]:
    """The Rasa server as ``make run`` starts it, at --debug; yields its base URL."""
    port = free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "{action_url}"\n', "utf-8")
    env = {**_base_env(), "PYTHONPATH": str(ROOT), "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json",
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    argv = [str(PY310), "-m", "stories.server", "run", "--model", str(model), "--endpoints",
            str(endpoints), "--interface", "127.0.0.1", "--port", str(port), "--enable-api",
            "--debug"]
    with started("rasa", argv, env, workdir, f"http://127.0.0.1:{port}/", 300):
        yield f"http://127.0.0.1:{port}"
