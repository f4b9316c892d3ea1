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


def test_tensorflow_and_the_nlu_components_import():
    # A lock that took TensorFlow's aarch64 metadata installed it without keras and
    # wrapt: rasa --version still worked, training did not. This catches that.
    import keras
    import tensorflow as tf
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    assert tf.__version__.startswith("2.12.")
    assert keras.__version__.startswith("2.12.")
    assert DIETClassifier.__name__ == "DIETClassifier"
