"""The helpline file: the shipped one loads, and every kind of mistake gets a clear message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from helplines import (
    DEFAULT_PATH,
    HelplineDataError,
    HelplineDirectory,
    TimeRange,
    load_directory,
    parse_directory,
)
from tests.helplines.conftest import TODAY, VALID

pytestmark = pytest.mark.shared

Broken = Callable[[str, str], HelplineDataError]


# -- the shipped file -------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> HelplineDirectory:
    return load_directory(today=TODAY)


def test_the_shipped_file_is_the_default(shipped: HelplineDirectory) -> None:
    assert Path(shipped.path) == DEFAULT_PATH
    assert shipped.countries == ("BE", "NL")


@pytest.mark.parametrize(
    ("helpline_id", "country", "role", "numbers", "has_chat"),
    [
        ("be-112", "BE", "emergency", ["112"], False),
        ("be-zelfmoordlijn", "BE", "crisis_line", ["1813"], True),
        ("be-awel", "BE", "youth_line", ["102"], True),
        ("be-tele-onthaal", "BE", "listening_line", ["106"], True),
        ("nl-112", "NL", "emergency", ["112"], False),
        ("nl-113", "NL", "crisis_line", ["113", "0800-0113"], True),
        ("nl-kindertelefoon", "NL", "youth_line", ["0800-0432"], True),
    ],
)
def test_the_shipped_file_has_the_required_helplines(
    shipped: HelplineDirectory,
    helpline_id: str,
    country: str,
    role: str,
    numbers: list[str],
    has_chat: bool,
) -> None:
    helpline = shipped.get(helpline_id)
    assert helpline.country == country
    assert role in helpline.roles
    assert [c.address for c in helpline.channels if c.is_phone] == numbers
    chats = [c.address for c in helpline.channels if c.is_chat]
    assert bool(chats) == has_chat
    assert all(chat.startswith("https://") for chat in chats)
    assert helpline.timezone == {"BE": "Europe/Brussels", "NL": "Europe/Amsterdam"}[country]
    assert helpline.checked_on == date(2026, 11, 22)
    assert helpline.source.startswith("https://")
    assert helpline.free


def test_the_crisis_lines_answer_the_phone_day_and_night(shipped: HelplineDirectory) -> None:
    for helpline_id in ("be-112", "be-zelfmoordlijn", "nl-112", "nl-113"):
        phones = [c for c in shipped.get(helpline_id).channels if c.is_phone]
        assert phones and all(c.always_open for c in phones), helpline_id


def test_the_shipped_hours_are_the_ones_we_chose(shipped: HelplineDirectory) -> None:
    evening = (TimeRange(17 * 60, 24 * 60),)
    chat = shipped.get("be-zelfmoordlijn").channels[1].schedule
    assert chat.weekly == (evening,) * 7
    assert all(c.always_open for c in shipped.get("nl-113").channels)
    kindertelefoon = shipped.get("nl-kindertelefoon")
    assert all(
        c.schedule.weekly == ((TimeRange(11 * 60, 21 * 60),),) * 7 for c in kindertelefoon.channels
    )
    assert kindertelefoon.ages is not None and (
        kindertelefoon.ages.min,
        kindertelefoon.ages.max,
    ) == (8, 18)
    awel_phone = shipped.get("be-awel").channels[0].schedule
    assert awel_phone.weekly[2] == (TimeRange(14 * 60, 22 * 60),)
    assert awel_phone.weekly[6] == ()
    assert awel_phone.public_holidays == ()


def test_every_unconfirmed_entry_says_so(shipped: HelplineDirectory) -> None:
    for helpline_id in ("be-awel", "be-tele-onthaal"):
        assert "unconfirmed" in shipped.get(helpline_id).note.lower()
    for helpline in shipped:
        assert helpline.note, f"{helpline.id} has no note on how it was checked"


def test_purposes_are_short_and_safe(shipped: HelplineDirectory) -> None:
    for helpline in shipped:
        assert len(helpline.purpose) <= 200
        assert "komt wel goed" not in helpline.purpose.lower()
        assert "kop op" not in helpline.purpose.lower()


# -- a valid file and its objects ---------------------------------------------------------


def test_the_valid_test_file_loads(load_text: Callable[[str], HelplineDirectory]) -> None:
    directory = load_text(VALID)
    first = directory.get("be-test")
    phone = first.channels[0]
    assert phone.kind == "phone" and phone.address == "102"
    assert phone.schedule.weekly[0] == (TimeRange(16 * 60, 22 * 60),)
    assert phone.schedule.weekly[5] == (TimeRange(22 * 60, 2 * 60),)
    assert phone.schedule.weekly[6] == ()
    assert phone.schedule.public_holidays == ()
    (exception,) = phone.schedule.exceptions
    assert (exception.month, exception.day, exception.year) == (12, 24, None)
    assert first.channels[1].always_open
    assert directory.in_country("nl") == (directory.get("nl-test"),)


def test_loaded_objects_are_immutable(load_text: Callable[[str], HelplineDirectory]) -> None:
    helpline = load_text(VALID).get("be-test")
    with pytest.raises(AttributeError):
        helpline.name = "iets anders"  # type: ignore[misc]


def test_dutch_weekday_names_and_ranges_that_wrap(
    load_text: Callable[[str], HelplineDirectory],
) -> None:
    text = VALID.replace('mon-fri: "16:00-22:00"', 'vr-ma: "16:00-22:00"').replace(
        'sat: "22:00-02:00"', 'wo: ["09:00-12:00", "13:00-17:00"]'
    )
    weekly = load_text(text).get("be-test").channels[0].schedule.weekly
    evening = (TimeRange(16 * 60, 22 * 60),)
    assert [weekly[day] for day in (4, 5, 6, 0)] == [evening] * 4
    assert weekly[1] == weekly[3] == ()
    assert weekly[2] == (TimeRange(9 * 60, 12 * 60), TimeRange(13 * 60, 17 * 60))


def test_a_range_may_end_where_the_next_day_starts(
    load_text: Callable[[str], HelplineDirectory],
) -> None:
    text = VALID.replace('sat: "22:00-02:00"', 'sat: "20:00-24:00"\n          sun: "00:00-03:00"')
    weekly = load_text(text).get("be-test").channels[0].schedule.weekly
    assert weekly[5] == (TimeRange(20 * 60, 24 * 60),)
    assert weekly[6] == (TimeRange(0, 3 * 60),)


def test_a_default_path_argument_of_none_loads_the_shipped_file() -> None:
    assert load_directory(None, today=TODAY).path == str(DEFAULT_PATH)


# -- one test per kind of mistake ----------------------------------------------------------


def _names(error: HelplineDataError, entry: str, field: str | None) -> None:
    message = str(error)
    assert entry in message
    assert error.entry is not None and entry in error.entry
    if field is not None:
        assert f"field '{field}'" in message
        assert error.field == field
    assert error.line is not None
    assert f"line {error.line}" in message


def test_unknown_field(broken: Broken) -> None:
    error = broken(
        "    free: true\n    anonymous: true\n    timezone: Europe/Brussels",
        "    free: true\n    anonymous: true\n    timezone: Europe/Brussels\n    fre: true",
    )
    _names(error, "'be-test'", "fre")
    assert "unknown field 'fre'" in str(error)
    assert "did you mean 'free'" in str(error)


def test_missing_field(broken: Broken) -> None:
    error = broken("    timezone: Europe/Brussels\n", "")
    _names(error, "'be-test'", "timezone")
    assert "required field 'timezone' is missing" in str(error)
    assert error.line == 3  # the line where the helpline starts


def test_empty_field(broken: Broken) -> None:
    error = broken("    name: Testlijn", "    name:")
    _names(error, "'be-test'", "name")
    assert "is empty" in str(error)


def test_time_past_23_59(broken: Broken) -> None:
    error = broken('mon-fri: "16:00-22:00"', 'mon-fri: "16:00-25:00"')
    _names(error, "'be-test'", "channels[1].hours.mon-fri")
    assert "'25:00'" in str(error)
    assert "HH:MM" in str(error)
    assert error.line == 14


def test_time_written_as_9h(broken: Broken) -> None:
    error = broken('mon-fri: "16:00-22:00"', 'mon-fri: "9h-22:00"')
    _names(error, "'be-test'", "channels[1].hours.mon-fri")
    assert "'9h'" in str(error) and "is not a time" in str(error)


def test_minutes_past_59(broken: Broken) -> None:
    error = broken('mon-fri: "16:00-22:00"', 'mon-fri: "16:75-22:00"')
    _names(error, "'be-test'", "channels[1].hours.mon-fri")
    assert "75 minutes" in str(error)


def test_time_without_quotes_becomes_a_number(broken: Broken) -> None:
    error = broken('hours: "10:00-12:00"', "hours: 10:00")
    _names(error, "'be-test'", "channels[1].exceptions[1].hours")
    assert "without quotes" in str(error)


def test_range_that_starts_at_24_00(broken: Broken) -> None:
    error = broken('mon-fri: "16:00-22:00"', 'mon-fri: "24:00-02:00"')
    _names(error, "'be-test'", "channels[1].hours.mon-fri")
    assert "starts at 24:00" in str(error)


def test_end_equal_to_start(broken: Broken) -> None:
    error = broken('mon-fri: "16:00-22:00"', 'mon-fri: "16:00-16:00"')
    _names(error, "'be-test'", "channels[1].hours.mon-fri")
    assert "ends when it starts" in str(error)
    assert "00:00-24:00" in str(error)


def test_unknown_weekday(broken: Broken) -> None:
    error = broken("mon-fri:", "mo-fri:")
    _names(error, "'be-test'", "channels[1].hours.mo-fri")
    assert "'mo-fri' is not a weekday" in str(error)
    assert "mon, tue" in str(error)


def test_weekday_given_twice(broken: Broken) -> None:
    error = broken('sat: "22:00-02:00"', 'wed: "22:00-23:00"')
    _names(error, "'be-test'", "channels[1].hours.wed")
    assert "wed already has hours under 'mon-fri'" in str(error)


def test_overlapping_ranges_on_one_day(broken: Broken) -> None:
    error = broken('mon-fri: "16:00-22:00"', 'mon-fri: ["16:00-22:00", "21:00-23:00"]')
    _names(error, "'be-test'", "channels[1].hours.mon-fri")
    assert "'16:00-22:00' and '21:00-23:00' overlap" in str(error)


def test_overlap_of_a_range_past_midnight_with_the_next_day(broken: Broken) -> None:
    error = broken('sat: "22:00-02:00"', 'sat: "22:00-02:00"\n          sun: "01:00-05:00"')
    _names(error, "'be-test'", "channels[1].hours.sat")
    assert "'22:00-02:00' on sat overlaps '01:00-05:00' on sun" in str(error)


def test_overlap_from_sunday_night_into_monday(broken: Broken) -> None:
    error = broken('sat: "22:00-02:00"', 'sun: "22:00-17:00"')
    _names(error, "'be-test'", "channels[1].hours.sun")
    assert "on sun overlaps '16:00-22:00' on mon" in str(error)


def test_unknown_time_zone(broken: Broken) -> None:
    error = broken("timezone: Europe/Brussels", "timezone: Europe/Brussel")
    _names(error, "'be-test'", "timezone")
    assert "'Europe/Brussel' is not a known time zone" in str(error)
    assert error.line == 10


def test_bad_country(broken: Broken) -> None:
    error = broken("country: BE", "country: BEL")
    _names(error, "'be-test'", "country")
    assert "'BEL' is not a supported country" in str(error)
    assert "BE, NL" in str(error)


def test_duplicate_id(broken: Broken) -> None:
    error = broken("id: nl-test", "id: be-test")
    _names(error, "'be-test' (number 2)", "id")
    assert "already used by helpline number 1" in str(error)


def test_missing_id_names_the_position(broken: Broken) -> None:
    error = broken("  - id: nl-test\n    country: NL", "  - country: NL")
    _names(error, "helpline number 2", "id")
    assert "required field 'id' is missing" in str(error)


def test_malformed_id(broken: Broken) -> None:
    error = broken("id: nl-test", "id: NL test")
    _names(error, "helpline number 2", "id")
    assert "lowercase letters, digits and dashes" in str(error)


@pytest.mark.parametrize("number", ['"1O2"', '"+32 (0)2 123"', '"102+"', '"--"'])
def test_phone_with_other_characters(broken: Broken, number: str) -> None:
    error = broken('phone: "102"', f"phone: {number}")
    _names(error, "'be-test'", "channels[1].phone")
    assert "is not a phone number" in str(error)
    assert "digits" in str(error)


def test_phone_without_quotes(broken: Broken) -> None:
    error = broken('phone: "102"', "phone: 102")
    _names(error, "'be-test'", "channels[1].phone")
    assert 'phone: "102"' in str(error)


def test_chat_address_that_is_not_https(broken: Broken) -> None:
    error = broken("chat: https://www.example.be/chat", "chat: http://www.example.be/chat")
    _names(error, "'be-test'", "channels[2].chat")
    assert "https://" in str(error)


def test_channel_with_both_phone_and_chat(broken: Broken) -> None:
    error = broken(
        '      - phone: "102"\n', '      - phone: "102"\n        chat: https://www.example.be\n'
    )
    _names(error, "'be-test'", "channels[1]")
    assert "exactly one of 'phone:'" in str(error)


def test_checked_on_in_the_future(broken: Broken) -> None:
    error = broken(
        "checked_on: 2026-11-01\n    source: https://www.example.be",
        "checked_on: 2026-12-01\n    source: https://www.example.be",
    )
    _names(error, "'be-test'", "checked_on")
    assert "in the future" in str(error)
    assert "today is 2026-11-22" in str(error)


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "22/11/2026", "2026-11-22T10:00:00"])
def test_checked_on_not_a_date(broken: Broken, value: str) -> None:
    error = broken(
        "checked_on: 2026-11-01\n    source: https://www.example.be",
        f"checked_on: {value}\n    source: https://www.example.be",
    )
    _names(error, "'be-test'", "checked_on")
    assert "YYYY-MM-DD" in str(error)


def test_unknown_role(broken: Broken) -> None:
    error = broken("roles: [youth_line]", "roles: [youth_line, hotline]")
    _names(error, "'be-test'", "roles[2]")
    assert "'hotline' is not a known role" in str(error)


def test_flag_that_is_not_true_or_false(broken: Broken) -> None:
    error = broken(
        "    free: true\n    anonymous: true\n    timezone: Europe/Brussels",
        "    free: gratis\n    anonymous: true\n    timezone: Europe/Brussels",
    )
    _names(error, "'be-test'", "free")
    assert "expected true or false" in str(error)


def test_bad_exception_date(broken: Broken) -> None:
    error = broken('date: "12-24"', 'date: "24-12"')
    _names(error, "'be-test'", "channels[1].exceptions[1].date")
    assert "MM-DD" in str(error)


def test_bad_public_holiday_rule(broken: Broken) -> None:
    error = broken("on_public_holidays: closed", "on_public_holidays: sometimes")
    _names(error, "'be-test'", "channels[1].on_public_holidays")
    assert "'sometimes' is not a time range" in str(error)


def test_same_name_twice_in_one_block(broken: Broken) -> None:
    error = broken('sat: "22:00-02:00"', 'sat: "22:00-02:00"\n          sat: "10:00-12:00"')
    assert error.line == 16
    assert "'sat' appears twice" in str(error)


def test_yaml_syntax_error_names_the_line(broken: Broken) -> None:
    error = broken("    name: Testlijn\n", "    name: Testlijn\n   purpose_typo: x\n")
    assert "YAML syntax error" in str(error)
    assert error.line is not None and 5 <= error.line <= 7
    assert f"line {error.line}" in str(error)


def test_yaml_with_a_tab_for_indentation(broken: Broken) -> None:
    error = broken("    name: Testlijn\n", "\tname: Testlijn\n")
    assert "YAML syntax error" in str(error)
    assert "tabs" in str(error)
    assert error.line == 5


def test_empty_file(write_file: Callable[[str], Path]) -> None:
    with pytest.raises(HelplineDataError, match="the file is empty"):
        load_directory(write_file("# nothing here yet\n"), today=TODAY)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HelplineDataError, match="does not exist") as caught:
        load_directory(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(caught.value)


def test_a_list_instead_of_the_helplines_field() -> None:
    with pytest.raises(HelplineDataError, match="'helplines:'"):
        parse_directory("- id: be-test\n", path="x.yaml", today=TODAY)


def test_errors_are_value_errors() -> None:
    assert issubclass(HelplineDataError, ValueError)
