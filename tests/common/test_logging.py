"""Log lines are JSON and carry no message text, names or Telegram ids, however logged."""

import io
import json
import logging

import pytest

from common.logging import configure_logging, get_logger
from common.scrub import sensitive

pytestmark = pytest.mark.shared

TEXT = "ik kan er niet meer tegen, ik wil dat het stopt"
NAME = "Lotte Peeters"
USER_ID = 5123456789
CHAT_ID = -1001987654321
SECRETS = (TEXT, "Lotte", "Peeters", str(USER_ID), str(CHAT_ID)[1:], "@lotte_p")


@pytest.fixture()
def lines():
    buffer = io.StringIO()
    configure_logging("DEBUG", "json", stream=buffer)

    def read():
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]

    yield read
    configure_logging("INFO", "auto")


def assert_clean(raw: str) -> None:
    for secret in SECRETS:
        assert secret not in raw, f"{secret!r} leaked into the log"


def test_a_developer_logging_personal_fields_by_mistake_leaks_nothing(lines):
    log = get_logger("gateway")
    log.info("update received", text=TEXT, first_name="Lotte", user_id=USER_ID, chat_id=CHAT_ID)
    log.warning("reply", user={"id": USER_ID, "first_name": "Lotte", "username": "lotte_p"})
    log.info("raw", payload=f"from @lotte_p ({USER_ID}) in {CHAT_ID}")
    log.info("queued", note=TEXT)
    out = lines()
    assert len(out) == 4
    assert all(line["level"] in {"info", "warning"} for line in out)
    assert out[0]["event"] == "update received" and out[0]["text"] == "[scrubbed]"
    assert_clean(json.dumps(out))


def test_f_strings_and_exceptions_inside_a_registered_context_leak_nothing(lines):
    log = get_logger("gateway")
    with sensitive(TEXT, NAME, "Lotte", "Peeters", USER_ID, CHAT_ID):
        log.info(f"{NAME} wrote: {TEXT}")
        try:
            raise ValueError(f"could not route {TEXT!r} for {NAME}")
        except ValueError:
            log.exception("routing failed")
    out = lines()
    assert len(out) == 2
    assert "Traceback" in out[1]["exception"] and "ValueError" in out[1]["exception"]
    assert_clean(json.dumps(out))


def test_library_lines_through_standard_logging_are_scrubbed_too(lines):
    logging.getLogger("telegram.ext.Application").error(
        "Error while handling update from user %s: %s", USER_ID, "from @lotte_p"
    )
    out = lines()
    assert out and out[0]["logger"] == "telegram.ext.Application"
    assert_clean(json.dumps(out))


def test_http_client_lines_with_the_bot_token_in_the_url_are_silenced(lines):
    logging.getLogger("httpx").info(
        "HTTP Request: POST https://api.telegram.org/bot123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/getUpdates"
    )
    assert lines() == []


def test_every_line_is_one_json_object_with_time_and_level(lines):
    get_logger("x").info("started", port=8000)
    (line,) = lines()
    assert set(line) >= {"event", "level", "timestamp", "logger"}
    assert line["port"] == 8000
