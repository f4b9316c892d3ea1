"""The Python 3.10 environment really is the Rasa stack, and our shared code runs in it."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.rasa


def test_interpreter_is_python_3_10():
    assert sys.version_info[:2] == (3, 10)


def test_rasa_and_its_pins():
    from importlib.metadata import version

    assert version("rasa") == "3.6.21"
    assert version("rasa-sdk").startswith("3.6.")
    assert version("pydantic").startswith("1.")
    assert version("sqlalchemy").startswith("1.4.")
    assert version("redis").startswith("4.")
    assert version("sentry-sdk").startswith("1.")


def test_the_action_package_loads_in_the_action_server(monkeypatch):
    monkeypatch.setenv("ACTIONS_CONFIGURE_LOGGING", "0")
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("bot.actions")
    loaded = {Path(f).relative_to(ROOT).as_posix() for f in executor._modules}
    assert {"bot/actions/__init__.py", "bot/actions/settings.py"} <= loaded
