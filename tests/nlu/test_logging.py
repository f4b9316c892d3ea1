"""Message text never reaches the logs when the trained model parses (Rasa environment).

Rasa 3.6 logs every parse at DEBUG with the text (``processor.message.parse``,
``parse_data_text``). Our processes keep Rasa's loggers at INFO or above, and what
is still emitted passes the scrubber (a key ending in ``_text`` is replaced).
"""

from __future__ import annotations

import io
import logging

import pytest

pytestmark = pytest.mark.rasa

SECRET = "ik wil dood en niemand mag dit ooit lezen"


@pytest.fixture
def restore_logging():
    import structlog

    root = logging.getLogger()
    saved = (list(root.handlers), root.level, structlog.get_config())
    levels = {name: logging.getLogger(name).level for name in ("rasa", "tensorflow", "absl")}
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    structlog.configure(**saved[2])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_a_parse_at_debug_logs_no_message_text(full_detector, restore_logging, capfd):
    from nlu.detection import quiet_rasa_logging

    buffer = io.StringIO()
    quiet_rasa_logging("DEBUG", stream=buffer)
    assert logging.getLogger("rasa").getEffectiveLevel() >= logging.INFO
    full_detector.parse(SECRET)
    # Even with someone turning Rasa's own loggers to DEBUG, the event is scrubbed.
    logging.getLogger("rasa").setLevel(logging.DEBUG)
    full_detector.parse(SECRET)
    logged = buffer.getvalue()
    assert "processor.message.parse" in logged and "parse_data_text" in logged
    out, err = capfd.readouterr()
    for where in (logged, out, err):
        assert SECRET not in where
        assert "niemand mag dit" not in where


def test_the_scrubber_catches_rasas_text_keys():
    from common.scrub import is_sensitive_key

    for key in ("parse_data_text", "user_text", "response_text", "token_text", "text"):
        assert is_sensitive_key(key), key
