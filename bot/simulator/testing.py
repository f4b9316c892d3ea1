"""Run the simulator inside a test (or a script) on a free port, in a thread of its own.

    with running_simulator(settings) as sim:
        bot = Bot(sim.token, base_url=sim.base_url)
        httpx.post(f"{sim.url}/api/chats/vlaanderen/messages", json={...})
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from bot.simulator.app import create_app
from bot.simulator.settings import SimulatorSettings
from bot.simulator.state import Simulator
from bot.simulator.world import WorldSpec


@dataclass(frozen=True)
class RunningSimulator:
    url: str
    token: str
    app: FastAPI

    @property
    def base_url(self) -> str:
        """What to give python-telegram-bot as ``base_url`` (it appends the token)."""
        return f"{self.url}/bot"

    @property
    def sim(self) -> Simulator:
        """The state, for assertions only: it belongs to the server's thread."""
        state: Simulator = self.app.state.sim
        return state


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_simulator(
    settings: SimulatorSettings | None = None, world: WorldSpec | None = None,
    start_timeout_s: float = 15.0,
) -> Iterator[RunningSimulator]:
    """Start the simulator on a free port; stop it on exit."""
    settings = settings or SimulatorSettings()
    host = settings.host
    port = settings.port or _free_port(host)
    app = create_app(settings, world)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="simulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the simulator did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield RunningSimulator(f"http://{host}:{port}", settings.bot_token.get_secret_value(),
                               app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
