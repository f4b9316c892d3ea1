"""Benchmark: from "create an escalation" to "a counsellor's client has it in hand".

    .venv/bin/python -m escalation.bench [--count 2000] [--concurrency 32] [--db sqlite,postgres]

Starts its own redis-server, PostgreSQL (as the ``postgres`` user when run as root)
and the service itself (``python -m escalation serve`` in uvicorn, one process), all
on free ports in a temporary folder. Then, per database:

1. **latency**: escalations created one at a time while a counsellor client
   long-polls ``/v1/deliveries/lease``; the time from sending the create to holding
   the delivery, p50 / p99;
2. **throughput**: ``--count`` escalations created by ``--concurrency`` senders while
   four counsellor clients lease and acknowledge; escalations per second from the
   first create to the last delivery, with the same latency measured under load.

It prints figures and asserts nothing about time. The client shares the machine
with the service: on two cores that costs the service part of its CPU.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import typer

from escalation.privacy import Privacy
from escalation.settings import fernet_key_from_secret

TOKEN = "bench-service-token"  # noqa: S105 (a local, throw-away service)
HMAC_KEY = "bench-hmac-key"
ROOT = Path(__file__).resolve().parent.parent
RISKS = ("imminent", "direct", "indirect", "distress")

cli = typer.Typer(add_completion=False, help=__doc__)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for version in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (version / name).exists():
            return str(version / name)
    raise SystemExit(f"{name} not found; install redis-server and PostgreSQL")


def _wait_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"{what} did not start")


@contextmanager
def _process(command: list[str], port: int, what: str, **kwargs: object) -> Iterator[None]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               **kwargs)  # type: ignore[call-overload]
    try:
        _wait_port(port, process, what)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    port = _free_port()
    command = [_binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--dir", str(workdir)]
    with _process(command, port, "redis-server"):
        yield f"redis://127.0.0.1:{port}/0"


@contextmanager
def postgres_server() -> Iterator[str]:
    run_as: dict[str, int] = {}
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        run_as = {"user": entry.pw_uid, "group": entry.pw_gid}
    base = Path(tempfile.mkdtemp(prefix="escalation-bench-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if run_as:
        for path in (base, sock):
            os.chown(path, run_as["user"], run_as["group"])
    try:
        subprocess.run(
            [_binary("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--locale=C", "--no-sync"],
            check=True, capture_output=True, user=run_as.get("user"), group=run_as.get("group"),
        )
        port = _free_port()
        # Durable commits (unlike the test servers): the figures should mean something.
        command = [_binary("postgres"), "-D", str(data), "-p", str(port), "-k", str(sock),
                   "-c", "listen_addresses=127.0.0.1"]
        with _process(command, port, "PostgreSQL", **run_as):
            deadline = time.monotonic() + 30
            import psycopg

            while True:
                try:
                    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres",
                                         autocommit=True) as conn:
                        conn.execute("CREATE DATABASE escalation")
                    break
                except psycopg.OperationalError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield f"postgresql://postgres@127.0.0.1:{port}/escalation"
    finally:
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def service(database_url: str, redis_url: str, workdir: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ESCALATION_")},
        "APP_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
        "PYTHONPATH": str(ROOT),
        "ESCALATION_DATABASE_URL": database_url,
        "ESCALATION_REDIS_URL": redis_url,
        "ESCALATION_SERVICE_TOKEN": TOKEN,
        "ESCALATION_HMAC_KEY": HMAC_KEY,
        "ESCALATION_FERNET_KEY": "bench-fernet-secret",
        "ESCALATION_SERVICE_START": "00:00",
        "ESCALATION_SERVICE_END": "23:59",
    }
    command = [sys.executable, "-m", "escalation", "serve", "--port", str(port)]
    with _process(command, port, "escalation service", env=env, cwd=str(workdir)):
        yield f"http://127.0.0.1:{port}"


@dataclass
class Figures:
    database: str
    handoff: list[float]  # create sent -> delivery in a waiting counsellor client's hand
    create_alone: list[float]  # create sent -> 201 (committed and queued), one at a time
    create_loaded: list[float]  # the same with many senders
    creates_per_s: float
    deliveries_per_s: float


def _pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _run(url: str, name: str, count: int, concurrency: int, samples: int) -> Figures:
    privacy = Privacy(HMAC_KEY, fernet_key_from_secret("unused"))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    limits = httpx.Limits(max_connections=concurrency + 8)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=120, limits=limits
    ) as client:
        r = await client.put("/v1/counsellors/bench", json={"display_name": "B", "on_duty": True})
        r.raise_for_status()
        got: dict[str, float] = {}
        arrived = asyncio.Event()

        async def relay() -> None:
            """A staff-group relay: long-poll, take, acknowledge."""
            while True:
                r = await client.post("/v1/deliveries/lease", json={"wait_s": 1})
                delivery = r.json()["delivery"]
                if delivery is None:
                    continue
                got.setdefault(delivery["escalation"]["teen_ref"], time.perf_counter())
                arrived.set()
                eid = delivery["escalation"]["id"]
                await client.post(
                    f"/v1/deliveries/{eid}/ack", json={"lease_token": delivery["lease_token"]}
                )

        async def create(i: int) -> float:
            start = time.perf_counter()
            # Every other teen wrote only privately: no group.
            group = {"group_chat_id": -1} if i % 2 else {}
            r = await client.post("/v1/escalations", json={
                "idempotency_key": f"bench-{i}", "teen_telegram_id": i, "risk_level": RISKS[i % 4],
                **group,
            })
            r.raise_for_status()
            return time.perf_counter() - start

        # 1. One at a time, with a relay waiting: the whole hand-off.
        waiting = asyncio.create_task(relay())
        handoff, alone = [], []
        for i in range(samples):
            arrived.clear()
            sent = time.perf_counter()
            alone.append(await create(i))
            await arrived.wait()
            handoff.append(got[privacy.ref("teen", i)] - sent)
        waiting.cancel()

        # 2. Many senders, nobody taking: how fast escalations become visible in the queue.
        gate = asyncio.Semaphore(concurrency)

        async def limited(i: int) -> float:
            async with gate:
                return await create(i)

        start = time.perf_counter()
        loaded = await asyncio.gather(*(limited(samples + i) for i in range(count)))
        creates_per_s = count / (time.perf_counter() - start)

        # 3. Four relays drain that queue: delivered and acknowledged per second.
        got.clear()
        start = time.perf_counter()
        relays = [asyncio.create_task(relay()) for _ in range(4)]
        while len(got) < count:
            arrived.clear()
            await arrived.wait()
        deliveries_per_s = count / (time.perf_counter() - start)
        for task in relays:
            task.cancel()
        return Figures(name, handoff, alone, list(loaded), creates_per_s, deliveries_per_s)


@cli.command()
def main(
    count: int = typer.Option(2000, help="escalations in the throughput runs"),
    concurrency: int = typer.Option(32, help="simultaneous creates"),
    samples: int = typer.Option(300, help="escalations in the one-at-a-time run"),
    db: str = typer.Option("sqlite,postgres", help="which databases"),
) -> None:
    """Run the benchmark and print the figures."""
    results = []
    with tempfile.TemporaryDirectory(prefix="escalation-bench-") as tmp:
        workdir = Path(tmp)
        for name in [d.strip() for d in db.split(",") if d.strip()]:
            if name not in ("sqlite", "postgres"):
                raise typer.BadParameter(f"unknown database {name!r}")
            with redis_server(workdir) as redis_url:
                ctx = _sqlite(workdir) if name == "sqlite" else postgres_server()
                with ctx as database_url, service(database_url, redis_url, workdir) as url:
                    typer.echo(f"{name}: running ...")
                    results.append(asyncio.run(_run(url, name, count, concurrency, samples)))
    typer.echo(
        f"\n{os.cpu_count()} cores, Python {sys.version.split()[0]}, one uvicorn process, "
        "client on the same machine; ms are p50 / p99 (nearest rank)"
    )
    for f in results:
        typer.echo(f"\n[{f.database}]")
        typer.echo(
            f"  create -> delivered to a waiting counsellor client   "
            f"{_pct(f.handoff, 0.5):7.1f} / {_pct(f.handoff, 0.99):7.1f} ms  "
            f"({samples}, one at a time)"
        )
        typer.echo(
            f"  create -> committed and visible in the queue (201)   "
            f"{_pct(f.create_alone, 0.5):7.1f} / {_pct(f.create_alone, 0.99):7.1f} ms  "
            f"({samples}, one at a time)"
        )
        typer.echo(
            f"  the same with {concurrency} senders                          "
            f"{_pct(f.create_loaded, 0.5):7.1f} / {_pct(f.create_loaded, 0.99):7.1f} ms  ({count})"
        )
        typer.echo(f"  escalations created per second, sustained           {f.creates_per_s:7.0f}")
        typer.echo(
            f"  delivered and acknowledged per second (4 relays)    {f.deliveries_per_s:7.0f}"
        )


@contextmanager
def _sqlite(workdir: Path) -> Iterator[str]:
    path = workdir / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    yield f"sqlite:///{path}"


if __name__ == "__main__":
    cli()
