"""Opening hours across daylight saving time, midnight, holidays and dated exceptions.

Expected instants are written in UTC (``Z``) where the local clock is ambiguous or
jumps, so that the test says exactly which moment is meant.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from helplines import Channel, Helpline, Schedule
from tests.helplines.conftest import make_schedule

pytestmark = pytest.mark.shared

ZONES = [("BE", "Europe/Brussels"), ("NL", "Europe/Amsterdam")]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def window(schedule: Schedule, inside: str) -> tuple[datetime, datetime]:
    """Return the open period around ``inside`` as (opened, closes) in UTC."""
    moment = at(inside)
    assert schedule.open_now(moment)
    step = moment
    while schedule.open_now(step - timedelta(minutes=1)):
        step -= timedelta(minutes=1)
    closes = schedule.closes_at(moment)
    assert closes is not None
    return step.astimezone(timezone.utc), closes.astimezone(timezone.utc)


# -- daylight saving time: last Sunday of March and of October 2026 ----------------------


@pytest.mark.parametrize(("country", "zone"), ZONES)
def test_evening_chat_on_the_spring_change(country: str, zone: str) -> None:
    chat = make_schedule('{mon-sun: "17:00-24:00"}', country=country)
    assert not chat.open_now(at("2026-03-29T14:59Z"))
    assert chat.open_now(at("2026-03-29T15:00Z"))  # 17:00 summer time
    assert chat.open_now(at("2026-03-29T21:59Z"))
    assert not chat.open_now(at("2026-03-29T22:00Z"))  # 24:00 summer time
    assert chat.next_open(at("2026-03-29T02:30+02:00")) == at("2026-03-29T15:00Z")
    assert chat.closes_at(at("2026-03-29T15:00Z")) == at("2026-03-29T22:00Z")
    closes = chat.closes_at(at("2026-03-29T20:00Z"))
    assert closes is not None
    assert closes.astimezone(ZoneInfo(zone)).isoformat() == "2026-03-30T00:00:00+02:00"


@pytest.mark.parametrize(("country", "zone"), ZONES)
def test_evening_chat_on_the_autumn_change(country: str, zone: str) -> None:
    chat = make_schedule('{mon-sun: "17:00-24:00"}', country=country)
    # Saturday evening is still summer time, Sunday evening winter time: seven hours each.
    assert window(chat, "2026-10-24T18:00Z") == (at("2026-10-24T15:00Z"), at("2026-10-24T22:00Z"))
    assert window(chat, "2026-10-25T18:00Z") == (at("2026-10-25T16:00Z"), at("2026-10-25T23:00Z"))
    assert chat.next_open(at("2026-10-25T02:30+01:00")) == at("2026-10-25T16:00Z")


@pytest.mark.parametrize(("country", "zone"), ZONES)
def test_night_hours_across_the_spring_change(country: str, zone: str) -> None:
    night = make_schedule('{mon-sun: "01:00-04:00"}', country=country)
    # 01:00 winter time to 04:00 summer time: two real hours.
    assert window(night, "2026-03-29T01:30Z") == (at("2026-03-29T00:00Z"), at("2026-03-29T02:00Z"))
    assert night.open_now(at("2026-03-29T01:59:59+01:00"))  # just before the jump
    assert night.open_now(at("2026-03-29T03:00+02:00"))  # just after it
    assert not night.open_now(at("2026-03-29T04:00+02:00"))


@pytest.mark.parametrize(("country", "zone"), ZONES)
def test_night_hours_across_the_autumn_change(country: str, zone: str) -> None:
    night = make_schedule('{mon-sun: "01:00-04:00"}', country=country)
    # 01:00 summer time to 04:00 winter time: four real hours, both 02:30s included.
    assert window(night, "2026-10-25T01:00Z") == (at("2026-10-24T23:00Z"), at("2026-10-25T03:00Z"))
    assert night.open_now(at("2026-10-25T02:30+02:00"))
    assert night.open_now(at("2026-10-25T02:30+01:00"))


@pytest.mark.parametrize(("country", "zone"), ZONES)
def test_opening_at_a_time_the_clocks_skip(country: str, zone: str) -> None:
    line = make_schedule('{mon-sun: "02:30-05:00"}', country=country)
    # 02:30 does not exist on 29 March: the line opens at the jump, 03:00 summer time.
    assert line.next_open(at("2026-03-28T23:30Z")) == at("2026-03-29T01:00Z")
    assert not line.open_now(at("2026-03-29T01:45+01:00"))
    assert window(line, "2026-03-29T02:00Z") == (at("2026-03-29T01:00Z"), at("2026-03-29T03:00Z"))


@pytest.mark.parametrize(("country", "zone"), ZONES)
def test_closing_at_a_time_the_clocks_skip(country: str, zone: str) -> None:
    line = make_schedule('{mon-sun: "00:00-02:30"}', country=country)
    assert window(line, "2026-03-29T00:30Z") == (at("2026-03-28T23:00Z"), at("2026-03-29T01:00Z"))


@pytest.mark.parametrize(("country", "zone"), ZONES)
def test_hours_entirely_inside_the_skipped_hour_do_not_happen(country: str, zone: str) -> None:
    line = make_schedule('{mon-sun: "02:15-02:45"}', country=country)
    assert line.next_open(at("2026-03-28T23:30Z")) == at("2026-03-30T00:15Z")


@pytest.mark.parametrize(("country", "zone"), ZONES)
def test_opening_at_a_time_that_happens_twice_uses_the_later_one(country: str, zone: str) -> None:
    line = make_schedule('{mon-sun: "02:30-05:00"}', country=country)
    assert not line.open_now(at("2026-10-25T02:30+02:00"))  # first 02:30
    assert line.open_now(at("2026-10-25T02:30+01:00"))  # second 02:30
    assert line.next_open(at("2026-10-25T00:00Z")) == at("2026-10-25T01:30Z")


@pytest.mark.parametrize(("country", "zone"), ZONES)
def test_closing_at_a_time_that_happens_twice_uses_the_earlier_one(country: str, zone: str) -> None:
    line = make_schedule('{mon-sun: "00:00-02:30"}', country=country)
    assert line.closes_at(at("2026-10-25T00:00Z")) == at("2026-10-25T00:30Z")
    assert not line.open_now(at("2026-10-25T02:15+01:00"))


# -- midnight, 24:00 and weekdays ----------------------------------------------------------


def test_friday_night_hours_run_into_saturday() -> None:
    line = make_schedule('{fri: "22:00-02:00"}')
    assert not line.open_now(at("2026-11-27T21:59+01:00"))
    assert line.open_now(at("2026-11-27T22:00+01:00"))
    assert line.open_now(at("2026-11-28T01:00+01:00"))  # Saturday
    assert not line.open_now(at("2026-11-28T02:00+01:00"))
    assert line.closes_at(at("2026-11-27T23:00+01:00")) == at("2026-11-28T02:00+01:00")
    assert line.next_open(at("2026-11-28T03:00+01:00")) == at("2026-12-04T22:00+01:00")


def test_sunday_night_hours_run_into_monday() -> None:
    line = make_schedule('{sun: "22:00-02:00"}')
    assert line.open_now(at("2026-11-30T01:00+01:00"))
    assert not line.open_now(at("2026-12-01T01:00+01:00"))


def test_an_end_of_24_00_is_midnight() -> None:
    line = make_schedule('{mon-sun: "17:00-24:00"}')
    assert line.open_now(at("2026-11-23T23:59:59+01:00"))
    assert not line.open_now(at("2026-11-24T00:00+01:00"))
    assert line.closes_at(at("2026-11-23T18:00+01:00")) == at("2026-11-24T00:00+01:00")


def test_hours_ending_at_24_00_and_starting_at_00_00_are_one_period() -> None:
    line = make_schedule('{sat: "20:00-24:00", sun: "00:00-03:00"}')
    assert line.open_now(at("2026-11-29T00:00+01:00"))
    assert line.closes_at(at("2026-11-28T21:00+01:00")) == at("2026-11-29T03:00+01:00")


def test_weekday_range_leaves_the_weekend_closed() -> None:
    line = make_schedule('{mon-fri: "09:00-17:00"}')
    assert line.open_now(at("2026-11-27T16:59+01:00"))  # Friday
    assert not line.open_now(at("2026-11-28T10:00+01:00"))  # Saturday
    assert line.next_open(at("2026-11-28T10:00+01:00")) == at("2026-11-30T09:00+01:00")


def test_several_ranges_on_one_day() -> None:
    line = make_schedule('{wed: ["09:00-12:00", "14:00-22:00"]}')
    assert line.closes_at(at("2026-11-25T10:00+01:00")) == at("2026-11-25T12:00+01:00")
    assert not line.open_now(at("2026-11-25T12:30+01:00"))
    assert line.next_open(at("2026-11-25T12:30+01:00")) == at("2026-11-25T14:00+01:00")


# -- public holidays and dated exceptions ----------------------------------------------------


@pytest.mark.parametrize(
    ("easter_monday", "tuesday"),
    [
        (date(2025, 4, 21), date(2025, 4, 22)),
        (date(2026, 4, 6), date(2026, 4, 7)),
        (date(2027, 3, 29), date(2027, 3, 30)),
    ],
)
def test_closed_on_easter_monday_in_belgium(easter_monday: date, tuesday: date) -> None:
    line = make_schedule('{mon-sat: "16:00-22:00"}', holidays="closed")
    evening = datetime.fromisoformat(f"{easter_monday}T17:00+02:00")
    assert not line.open_now(evening)
    assert line.next_open(evening) == datetime.fromisoformat(f"{tuesday}T16:00+02:00")


def test_ascension_and_whit_monday_are_closed_too() -> None:
    line = make_schedule('{mon-sun: "16:00-22:00"}', holidays="closed")
    assert not line.open_now(at("2026-05-14T17:00+02:00"))  # O.L.H.-Hemelvaart
    assert not line.open_now(at("2026-05-25T17:00+02:00"))  # Pinkstermaandag
    assert line.open_now(at("2026-05-26T17:00+02:00"))


def test_other_hours_on_kings_day() -> None:
    line = make_schedule('{mon-sun: "11:00-21:00"}', country="NL", holidays='"12:00-14:00"')
    # 27 April 2025 was a Sunday, so Koningsdag was Saturday the 26th.
    assert not line.open_now(at("2025-04-26T11:30+02:00"))
    assert line.open_now(at("2025-04-26T12:30+02:00"))
    assert line.closes_at(at("2025-04-26T12:30+02:00")) == at("2025-04-26T14:00+02:00")
    assert line.open_now(at("2025-04-27T11:30+02:00"))


def test_same_hours_on_holidays_by_default() -> None:
    line = make_schedule('{mon-sun: "11:00-21:00"}', country="NL")
    assert line.open_now(at("2026-12-25T12:00+01:00"))


def test_night_hours_stop_at_midnight_before_a_closed_holiday() -> None:
    line = make_schedule('{mon-sun: "22:00-02:00"}', holidays="closed")
    # 21 July is the Belgian national holiday.
    assert line.open_now(at("2026-07-20T23:30+02:00"))
    assert line.closes_at(at("2026-07-20T23:30+02:00")) == at("2026-07-21T00:00+02:00")
    assert not line.open_now(at("2026-07-21T00:30+02:00"))
    assert not line.open_now(at("2026-07-21T23:00+02:00"))
    assert not line.open_now(at("2026-07-22T00:30+02:00"))
    assert line.next_open(at("2026-07-21T00:30+02:00")) == at("2026-07-22T22:00+02:00")


def test_holiday_night_hours_run_into_an_ordinary_day() -> None:
    line = make_schedule('{mon-sun: "10:00-12:00"}', country="NL", holidays='"20:00-02:00"')
    # Eerste and Tweede Kerstdag: the first night stops at midnight, because the next
    # day has holiday hours of its own; the second runs into an ordinary Sunday.
    assert line.open_now(at("2026-12-25T23:00+01:00"))
    assert not line.open_now(at("2026-12-26T00:30+01:00"))
    assert line.open_now(at("2026-12-27T01:00+01:00"))
    assert not line.open_now(at("2026-12-27T02:00+01:00"))


def test_exceptions_every_year_and_on_one_date() -> None:
    line = make_schedule(
        '{mon-sun: "11:00-21:00"}',
        country="NL",
        exceptions='[{date: "12-24", hours: "11:00-17:00"}, {date: 2026-12-31, hours: closed}]',
    )
    assert line.closes_at(at("2026-12-24T12:00+01:00")) == at("2026-12-24T17:00+01:00")
    assert not line.open_now(at("2026-12-24T18:00+01:00"))
    assert not line.open_now(at("2027-12-24T18:00+01:00"))
    assert not line.open_now(at("2026-12-31T12:00+01:00"))
    assert line.open_now(at("2027-12-31T12:00+01:00"))
    assert line.next_open(at("2026-12-31T12:00+01:00")) == at("2027-01-01T11:00+01:00")


def test_an_exception_wins_over_holiday_hours() -> None:
    line = make_schedule(
        '{mon-sun: "09:00-17:00"}',
        holidays="closed",
        exceptions='[{date: "12-25", hours: "10:00-12:00"}]',
    )
    assert line.open_now(at("2026-12-25T11:00+01:00"))
    assert not line.open_now(at("2026-12-25T13:00+01:00"))
    assert not line.open_now(at("2026-11-01T13:00+01:00"))  # Allerheiligen, no exception


# -- answers in general ---------------------------------------------------------------------


def test_next_open_returns_now_itself_when_open() -> None:
    line = make_schedule("always")
    now = at("2026-11-22T03:00+01:00")
    assert line.next_open(now) is now
    assert line.closes_at(now) is None
    assert line.always_open


def test_a_line_without_hours_never_opens() -> None:
    line = make_schedule("{mon: closed}")
    now = at("2026-11-22T03:00+01:00")
    assert not line.open_now(now)
    assert line.next_open(now) is None
    assert line.closes_at(now) == now


def test_the_answer_does_not_depend_on_the_time_zone_of_now() -> None:
    line = make_schedule('{mon-sun: "17:00-24:00"}')
    instant = at("2026-03-29T21:30Z")
    for zone in (
        timezone.utc,
        timezone(timedelta(hours=5, minutes=30)),
        timezone(timedelta(hours=-8)),
    ):
        moment = instant.astimezone(zone)
        assert line.open_now(moment)
        assert line.closes_at(moment) == at("2026-03-29T22:00Z")
        assert line.next_open(moment) == instant


@pytest.mark.parametrize("method", ["open_now", "next_open", "closes_at"])
def test_a_naive_now_is_refused(method: str) -> None:
    line = make_schedule("always")
    with pytest.raises(ValueError, match="timezone-aware"):
        getattr(line, method)(datetime(2026, 11, 22, 12, 0))


# -- a whole helpline: open when any channel is -------------------------------------------------


def _helpline(*schedules: Schedule) -> Helpline:
    return Helpline(
        id="test",
        country="BE",
        name="Test",
        purpose="Test.",
        roles=("youth_line",),
        channels=tuple(Channel("phone", str(n), s) for n, s in enumerate(schedules)),
        free=True,
        anonymous=True,
        timezone="Europe/Brussels",
        checked_on=date(2026, 11, 1),
        source="https://www.example.be",
    )


def test_a_helpline_is_open_when_any_channel_is() -> None:
    helpline = _helpline(
        make_schedule('{mon-fri: "09:00-17:00"}'), make_schedule('{mon-sun: "17:00-22:00"}')
    )
    assert helpline.open_now(at("2026-11-23T10:00+01:00"))
    assert helpline.open_now(at("2026-11-23T18:00+01:00"))
    assert not helpline.open_now(at("2026-11-23T23:00+01:00"))
    # The chat takes over from the phone at 17:00, so the helpline stays open until 22:00.
    assert helpline.closes_at(at("2026-11-23T10:00+01:00")) == at("2026-11-23T22:00+01:00")
    assert helpline.next_open(at("2026-11-23T23:00+01:00")) == at("2026-11-24T09:00+01:00")
    assert helpline.next_open(at("2026-11-28T23:00+01:00")) == at("2026-11-29T17:00+01:00")


def test_a_helpline_with_a_24_7_channel_never_closes() -> None:
    helpline = _helpline(make_schedule("always"), make_schedule('{mon-sun: "17:00-24:00"}'))
    now = at("2026-11-23T18:00+01:00")
    assert helpline.always_open
    assert helpline.next_open(now) is now
    assert helpline.closes_at(now) is None


def test_a_helpline_that_never_opens() -> None:
    helpline = _helpline(make_schedule("{mon: closed}"))
    now = at("2026-11-23T18:00+01:00")
    assert helpline.next_open(now) is None
    assert helpline.closes_at(now) == now
