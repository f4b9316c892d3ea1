"""The scrubbing rules: what must never reach a log line or an error report."""

import datetime as dt
import uuid

import pytest

from common.scrub import (
    ID_MARK,
    SCRUBBED,
    TEXT_MARK,
    scrub_mapping,
    scrub_string,
    scrub_value,
    sensitive,
)

pytestmark = pytest.mark.shared

CRISIS_TEXT = "ik wil niet meer leven, niemand zou me missen"


class TelegramUser:
    """Stands in for a library object whose repr holds a name and an id."""

    def __repr__(self):
        return "User(id=987654321, first_name='Lotte')"


@pytest.mark.parametrize(
    "key",
    ["text", "message_text", "caption", "first_name", "last_name", "username", "user_id",
     "chat_id", "from_user", "teen_name", "group_chat_id", "Message-Text", "phone_number"],
)
def test_sensitive_keys_are_replaced_whatever_the_value(key):
    assert scrub_value("anything at all", key) == SCRUBBED
    assert scrub_value(123, key) == SCRUBBED
    assert scrub_value({"nested": "x"}, key) == SCRUBBED


def test_empty_sensitive_values_stay_empty_so_a_reader_sees_there_was_nothing():
    assert scrub_value(None, "text") is None
    assert scrub_value("", "text") == ""


@pytest.mark.parametrize(
    "raw",
    [
        "user 987654321 joined",
        "chat -1001234567890 is busy",
        "from @lotte_2009 in the group",
        "bel me op 0470 12 34 56",
        "bel +32 470 12 34 56",
        "whatsapp 06-12345678",
        "open https://t.me/helpline_bot?start=abc123",
        "GET https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe",
    ],
)
def test_identifying_shapes_are_replaced_in_any_string(raw):
    out = scrub_string(raw)
    for secret in ("987654321", "1001234567890", "lotte_2009", "12 34 56", "12345678",
                   "abc123", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"):
        assert secret not in out


@pytest.mark.parametrize(
    "harmless",
    ["retry in 3 s", "port 6380", "2026-11-22T02:30:00+00:00", "127.0.0.1:5432",
     "escalation 3f2a9c1e-8b7d-4c2a-9e1f-0a1b2c3d4e5f", "risk=imminent", "HTTP 429"],
)
def test_ordinary_operational_values_survive(harmless):
    assert scrub_string(harmless) == harmless


def test_registered_values_are_removed_even_inside_an_f_string():
    with sensitive(CRISIS_TEXT, "Lotte", 987654321):
        event = f"got {CRISIS_TEXT!r} from Lotte"
        out = scrub_mapping({"event": event, "note": "Lotte said hi"})
    assert CRISIS_TEXT not in str(out)
    assert "Lotte" not in str(out)
    assert out["event"] == f"got '{SCRUBBED}' from {SCRUBBED}"


def test_registered_values_are_forgotten_after_the_block():
    with sensitive("Lotte"):
        pass
    assert scrub_string("Lotte") == "Lotte"


def test_short_registered_values_are_ignored_so_common_words_survive():
    with sensitive("ik", None, ""):
        assert scrub_string("ik ben er") == "ik ben er"


def test_prose_under_an_unknown_key_is_replaced_but_the_event_keeps_its_words():
    event = "update handled after a long wait in the queue"
    out = scrub_mapping({"event": event, "detail": CRISIS_TEXT})
    assert out["detail"] == TEXT_MARK
    assert out["event"] == event


def test_objects_are_replaced_by_their_type_name():
    assert scrub_value(TelegramUser(), "who") == "[TelegramUser]"


def test_large_integers_look_like_ids_unless_they_are_measurements():
    assert scrub_value(987654321, "member") == ID_MARK
    assert scrub_value(987654321, "payload_bytes") == 987654321
    assert scrub_value(42, "member") == 42


def test_nested_structures_are_walked():
    data = {"update": {"text": "x"}, "items": [{"first_name": "Lotte"}, "user 987654321"]}
    out = scrub_mapping(data)
    assert out == {"update": SCRUBBED, "items": [{"first_name": SCRUBBED}, f"user {ID_MARK}"]}


def test_exceptions_keep_their_type_and_lose_identifying_parts():
    out = scrub_value(KeyError("chat 987654321"), "error")
    assert out.startswith("KeyError") and "987654321" not in out


def test_plain_values_pass_unchanged():
    when = dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)
    ident = uuid.uuid4()
    assert scrub_mapping({"at": when, "id": ident, "ok": True, "ratio": 0.5}) == {
        "at": when, "id": ident, "ok": True, "ratio": 0.5}
