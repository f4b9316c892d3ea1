"""A simulator for the session, reset before each test, and a small client for it.

Only on Python 3.11+: the Rasa side's run (Python 3.10) collects nothing here.
"""

import sys

if sys.version_info >= (3, 11):
    from collections.abc import Iterator

    import httpx
    import pytest

    from bot.simulator.settings import SimulatorSettings
    from bot.simulator.testing import RunningSimulator, running_simulator
    from tests.servers import free_port
    from tests.simulator.client import Telegram

    @pytest.fixture(scope="session")
    def simulator() -> Iterator[RunningSimulator]:
        """One simulator on a free port for the whole session."""
        settings = SimulatorSettings(_env_file=None, host="127.0.0.1", port=free_port(),
                                     app_env="test")
        with running_simulator(settings) as running:
            yield running

    @pytest.fixture()
    def tg(simulator: RunningSimulator) -> Iterator[Telegram]:
        """The simulator back at its seeded world (and bot settings), with a client."""
        with httpx.Client(base_url=simulator.url, timeout=30) as client:
            client.post("/api/reset", params={"bot": True}).raise_for_status()
            yield Telegram(client, simulator)
