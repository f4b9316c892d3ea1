"""Properties of the opening-hours logic over random schedules and random moments.

Shared code, but hypothesis is only installed on the Python 3.11+ side: on the
Rasa side (3.10) this module is skipped.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from helplines import (
    RISK_LEVELS,
    Channel,
    DatedHours,
    Helpline,
    HelplineDirectory,
    Schedule,
    TimeRange,
    helplines_for,
    load_directory,
    offers_to_show,
    render_offer,
    select_offers,
)
from helplines.model import ROLES
from tests.helplines.conftest import TODAY, check_selection

pytestmark = pytest.mark.shared

hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

WEEK = 7 * 24 * 60
ZONES = ["Europe/Brussels", "Europe/Amsterdam", "Australia/Lord_Howe", "UTC"]
VIEW_ZONES = [
    timezone.utc,
    ZoneInfo("Europe/Brussels"),
    ZoneInfo("Europe/Amsterdam"),
    ZoneInfo("America/New_York"),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-9, minutes=-30)),
]
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Minutes on a 15-minute grid, so that the DST hours 02:00-03:00 are hit often.
quarter = st.integers(min_value=0, max_value=WEEK // 15 - 1).map(lambda n: n * 15)


@st.composite
def week_hours(draw: st.DrawFn) -> tuple[tuple[TimeRange, ...], ...]:
    """Disjoint ranges on the circle of one week, each at most a day long."""
    points = sorted(set(draw(st.lists(quarter, min_size=0, max_size=10))))
    if len(points) % 2:
        points = points[:-1]
    rotation = draw(quarter)
    days: list[list[TimeRange]] = [[] for _ in range(7)]
    for start, end in zip(points[::2], points[1::2], strict=True):
        length = min(end - start, 24 * 60 - 15)
        start = (start + rotation) % WEEK
        day, minute = divmod(start, 24 * 60)
        finish = (minute + length) % (24 * 60) or 24 * 60
        days[day].append(TimeRange(minute, finish))
    return tuple(tuple(sorted(day, key=lambda r: r.start)) for day in days)


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[TimeRange, ...]:
    start = draw(st.integers(0, 95)) * 15
    length = draw(st.integers(1, 95)) * 15
    end = (start + length) % (24 * 60) or 24 * 60
    return draw(st.sampled_from([(), (TimeRange(start, end),)]))


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    exceptions = draw(
        st.lists(
            st.builds(
                DatedHours,
                month=st.integers(1, 12),
                day=st.integers(1, 28),
                year=st.sampled_from([None, 2025, 2026, 2027]),
                hours=day_hours(),
            ),
            max_size=3,
            unique_by=lambda d: (d.month, d.day, d.year),
        )
    )
    return Schedule(
        timezone=draw(st.sampled_from(ZONES)),
        country=draw(st.sampled_from(["BE", "NL"])),
        weekly=draw(week_hours()),
        public_holidays=draw(st.one_of(st.none(), day_hours())),
        exceptions=tuple(exceptions),
    )


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


@st.composite
def near_dst_change(draw: st.DrawFn) -> datetime:
    """A moment within a day of a European clock change (01:00 UTC)."""
    year = draw(st.integers(2020, 2032))
    change = _last_sunday(year, draw(st.sampled_from([3, 10])))
    base = datetime(change.year, change.month, change.day, 1, tzinfo=timezone.utc)
    moment = base + timedelta(minutes=draw(st.integers(-26 * 60, 26 * 60)))
    return moment.astimezone(draw(st.sampled_from(VIEW_ZONES)))


any_moment = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2032, 12, 31),
    timezones=st.sampled_from(VIEW_ZONES),
    allow_imaginary=False,
)
moments = st.one_of(any_moment, near_dst_change())
fractions = st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), min_size=5, max_size=12)


@PROPERTY_SETTINGS
@given(schedule=schedules(), now=moments, samples=fractions)
def test_next_open_is_the_first_open_moment(
    schedule: Schedule, now: datetime, samples: list[float]
) -> None:
    opens = schedule.next_open(now)
    if schedule.open_now(now):
        assert opens is now
        return
    if opens is None:
        return
    assert opens > now
    assert schedule.open_now(opens)
    # Nothing strictly between now and the opening is open.
    gap = opens - now
    probes = [now + gap * fraction for fraction in samples] + [opens - timedelta(seconds=1)]
    for probe in probes:
        if now <= probe < opens:
            assert not schedule.open_now(probe), probe


@PROPERTY_SETTINGS
@given(schedule=schedules(), now=moments, samples=fractions)
def test_closes_at_ends_the_open_period(
    schedule: Schedule, now: datetime, samples: list[float]
) -> None:
    closes = schedule.closes_at(now)
    if not schedule.open_now(now):
        assert closes is now
        return
    if closes is None:
        return
    assert closes > now
    assert not schedule.open_now(closes)
    span = closes - now
    for probe in [now + span * fraction for fraction in samples] + [closes - timedelta(seconds=1)]:
        if now <= probe < closes:
            assert schedule.open_now(probe), probe


@PROPERTY_SETTINGS
@given(schedule=schedules(), now=moments, view=st.sampled_from(VIEW_ZONES))
def test_the_time_zone_of_now_does_not_matter(
    schedule: Schedule, now: datetime, view: timezone | ZoneInfo
) -> None:
    other = now.astimezone(view)
    assert schedule.open_now(other) == schedule.open_now(now)
    first, second = schedule.next_open(now), schedule.next_open(other)
    assert (first is None) == (second is None)
    if first is not None and second is not None:
        assert first.timestamp() == second.timestamp()
    first, second = schedule.closes_at(now), schedule.closes_at(other)
    assert (first is None) == (second is None)
    if first is not None and second is not None:
        assert first.timestamp() == second.timestamp()


# -- the teen never sees a closed line called open --------------------------------------------


@functools.cache
def _directory() -> HelplineDirectory:
    return load_directory(today=TODAY)


@settings(max_examples=300, deadline=None)
@given(
    now=moments,
    country=st.sampled_from(["BE", "NL"]),
    risk=st.one_of(st.sampled_from(RISK_LEVELS), st.text(max_size=8)),
)
def test_a_closed_channel_is_never_offered_as_open(now: datetime, country: str, risk: str) -> None:
    offers = helplines_for(country, risk, now, _directory())
    assert any("crisis_line" in offer.helpline.roles for offer in offers)
    for offer in offers:
        assert offer.is_open == offer.helpline.open_now(now)
        lines = render_offer(offer, now).splitlines()[2:]
        assert len(lines) <= len(offer.channels)
        for status in offer.channels:
            assert status.is_open == status.channel.open_now(now)
            if status.is_open:
                assert status.closes_at is None or status.closes_at > now
            else:
                assert status.opens_at is None or status.opens_at > now
                line = next(text for text in lines if status.channel.address in text)
                assert "nu gesloten" in line
                assert "nu open" not in line and "dag en nacht" not in line


# -- what a teen is shown: open first, must-keep lines kept, the cap grown only for them ------

risks = st.one_of(st.sampled_from(RISK_LEVELS), st.none(), st.text(max_size=8))
limits = st.integers(min_value=1, max_value=6)
ALWAYS = Schedule(
    timezone="Europe/Brussels",
    country="BE",
    weekly=tuple((TimeRange(0, 24 * 60),) for _ in range(7)),
)


@settings(max_examples=300, deadline=None)
@given(now=moments, country=st.sampled_from(["BE", "NL"]), risk=risks, limit=limits)
def test_the_shipped_lists_keep_the_selection_rules(
    now: datetime, country: str, risk: str | None, limit: int
) -> None:
    ranked = helplines_for(country, risk, now, _directory())
    shown = offers_to_show(country, risk, now, limit, _directory())
    check_selection(ranked, shown, risk, limit)


@st.composite
def directories(draw: st.DrawFn) -> HelplineDirectory:
    """Up to seven Belgian lines with random roles and hours, 24/7 ones among them."""
    helplines = []
    for number in range(draw(st.integers(min_value=1, max_value=7))):
        roles = draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=2, unique=True))
        schedule = draw(st.one_of(schedules(), st.just(ALWAYS)))
        helplines.append(
            Helpline(
                id=f"line-{number}",
                country="BE",
                name=f"Lijn {number}",
                purpose="Een lijn om mee te testen.",
                roles=tuple(roles),
                channels=(Channel(kind="phone", address=str(100 + number), schedule=schedule),),
                free=True,
                anonymous=True,
                timezone=schedule.timezone,
                checked_on=TODAY,
                source="https://www.example.be",
            )
        )
    return HelplineDirectory(helplines=tuple(helplines))


@PROPERTY_SETTINGS
@given(directory=directories(), now=any_moment, risk=risks, limit=limits)
def test_any_directory_keeps_the_selection_rules(
    directory: HelplineDirectory, now: datetime, risk: str | None, limit: int
) -> None:
    ranked = helplines_for("BE", risk, now, directory)
    if not ranked:  # no line has a role this risk level shows
        return
    shown = select_offers(ranked, risk, limit)
    check_selection(ranked, shown, risk, limit)
