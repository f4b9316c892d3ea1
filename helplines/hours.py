"""Opening hours: when a channel of a helpline answers.

Everything here is a pure function of the schedule and an injected, timezone-aware
``now``. Hours are written as wall-clock times in the helpline's own time zone
(``Europe/Brussels``, ``Europe/Amsterdam``); they are turned into real instants
with :mod:`zoneinfo`, one calendar day at a time.

Rules, in the order they are applied to a calendar day:

1. A dated exception for that day (one date, or the same day every year) replaces
   the day's hours completely.
2. Otherwise, on a public holiday of the helpline's country, the holiday hours
   replace the day's hours (when the schedule has holiday hours at all).
3. Otherwise the weekday's hours apply.

Intervals may cross midnight: ``22:00-02:00`` on Friday is open until 02:00 on
Saturday. A day whose hours are replaced (rule 1 or 2) is governed by its own
hours from 00:00: an interval of the day before that crosses midnight stops at
midnight. We do not know whether a line keeps answering into a holiday night, and
showing a closed line as open is the worst mistake this module can make.

Daylight saving time, handled on purpose:

* A wall time that does not exist (the hour skipped when the clocks jump forward,
  02:00-03:00 in Brussels on the last Sunday of March) stands for the moment of the
  jump. A line opening at 02:30 that night opens when the clocks show 03:00.
* A wall time that exists twice (the hour repeated when the clocks go back,
  02:00-03:00 in Brussels on the last Sunday of October) is read as the later of
  the two moments when a line opens, and the earlier one when it closes. A window
  is never longer than the hours on paper; one that shrinks to nothing is dropped.
* Everything else is plain wall-clock time: a 17:00-24:00 chat is open seven real
  hours on both change days; 01:00-04:00, which spans the change, is open two real
  hours in March and four in October.

Instants are compared in UTC, so the answers do not depend on the time zone ``now``
is expressed in. Moments computed here are returned in UTC: a local time inside the
repeated autumn hour never compares equal to a datetime in another zone (PEP 495),
and UTC has no such hour. Convert with ``.astimezone(ZoneInfo(schedule.timezone))``
to show them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from helplines.holidays import is_public_holiday

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: How far :func:`Schedule.next_open` looks ahead before it answers "never".
NEXT_OPEN_HORIZON = timedelta(days=2 * 366)
#: How far :func:`Schedule.closes_at` looks ahead: a channel that stays open longer
#: than this is reported as not closing (None), i.e. "day and night".
CLOSES_AT_HORIZON = timedelta(days=8)

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class TimeRange:
    """Opening hours within one day, as minutes after local midnight.

    ``end`` is 1..1440 (1440 is 24:00). ``end < start`` means the range crosses
    midnight into the next day; ``end == start`` does not occur.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < MINUTES_PER_DAY:
            raise ValueError(f"start must be 0..1439 minutes, got {self.start}")
        if not 0 < self.end <= MINUTES_PER_DAY:
            raise ValueError(f"end must be 1..1440 minutes, got {self.end}")
        if self.end == self.start:
            raise ValueError("a time range cannot end when it starts")

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    @property
    def length(self) -> int:
        """Length in wall-clock minutes."""
        return (self.end - self.start) % MINUTES_PER_DAY or MINUTES_PER_DAY

    def __str__(self) -> str:
        return f"{format_minutes(self.start)}-{format_minutes(self.end)}"


DayHours = tuple[TimeRange, ...]
ALL_DAY: DayHours = (TimeRange(0, MINUTES_PER_DAY),)


@dataclass(frozen=True)
class DatedHours:
    """Hours that replace the usual ones on one date, or on one day every year.

    ``year`` is None for a day that recurs every year (e.g. 24 December).
    An empty ``hours`` means closed all day.
    """

    month: int
    day: int
    year: int | None
    hours: DayHours
    note: str = ""

    def applies_to(self, day: date) -> bool:
        return (
            day.month == self.month
            and day.day == self.day
            and (self.year is None or self.year == day.year)
        )

    def __str__(self) -> str:
        if self.year is None:
            return f"every {self.day:02d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class Schedule:
    """When one channel answers: weekly hours, holiday hours and dated exceptions.

    ``weekly`` has seven entries, Monday first. ``public_holidays`` is None when
    the line keeps its weekday hours on public holidays, and the replacement hours
    otherwise (empty: closed). Exceptions take precedence over holidays.
    """

    timezone: str
    country: str
    weekly: tuple[DayHours, ...]
    public_holidays: DayHours | None = None
    exceptions: tuple[DatedHours, ...] = ()

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError(f"weekly hours need 7 days, got {len(self.weekly)}")

    @property
    def always_open(self) -> bool:
        """True when the channel answers at every moment of every day (24/7)."""
        return (
            all(day == ALL_DAY for day in self.weekly)
            and self.public_holidays in (None, ALL_DAY)
            and all(exc.hours == ALL_DAY for exc in self.exceptions)
        )

    @property
    def never_open(self) -> bool:
        return (
            all(not day for day in self.weekly)
            and not self.public_holidays
            and all(not exc.hours for exc in self.exceptions)
        )

    def hours_on(self, day: date) -> tuple[DayHours, bool]:
        """Return the hours that govern ``day`` and whether they replace the weekday's."""
        for exc in self.exceptions:
            if exc.applies_to(day):
                return exc.hours, True
        if self.public_holidays is not None and is_public_holiday(self.country, day):
            return self.public_holidays, True
        return self.weekly[day.weekday()], False

    def windows_on(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """Return the open windows that start on local date ``day``, as UTC instants."""
        return _windows_on(self, day)

    def windows(self, first: date, last: date) -> Iterator[tuple[datetime, datetime]]:
        """Yield open windows starting on local dates ``first``..``last``, in order."""
        day = first
        while day <= last:
            yield from self.windows_on(day)
            day += _ONE_DAY

    def open_now(self, now: datetime) -> bool:
        """Tell whether the channel answers at ``now`` (timezone-aware)."""
        return self._window_at(now) is not None

    def next_open(self, now: datetime) -> datetime | None:
        """Return ``now`` if open, else the next moment it opens, else None (never).

        A new moment is given in UTC (see the module notes); "never" means not
        within :data:`NEXT_OPEN_HORIZON`.
        """
        instant = _utc(now)
        if self._window_at(now) is not None:
            return now
        if self.never_open:
            return None
        zone = _zone(self.timezone)
        day = instant.astimezone(zone).date() - _ONE_DAY
        last = day + NEXT_OPEN_HORIZON
        while day <= last:
            for start, _ in self.windows_on(day):
                if start > instant:
                    return start
            day += _ONE_DAY
        return None

    def closes_at(self, now: datetime) -> datetime | None:
        """Return when the open period around ``now`` ends.

        Returns ``now`` itself when the channel is closed at ``now``, and None when
        it stays open beyond :data:`CLOSES_AT_HORIZON` (for a 24/7 line: it does not
        close). Windows that touch or overlap count as one open period. The moment
        is given in UTC.
        """
        window = self._window_at(now)
        if window is None:
            return now
        if self.always_open:
            return None
        zone = _zone(self.timezone)
        instant = _utc(now)
        end = window[1]
        limit = instant + CLOSES_AT_HORIZON
        day = end.astimezone(zone).date() - _ONE_DAY
        while end <= limit:
            extended = False
            for start, stop in self.windows(day, day + _ONE_DAY):
                if start <= end < stop:
                    end = stop
                    extended = True
            if not extended:
                return end
            day = end.astimezone(zone).date() - _ONE_DAY
        return None

    def _window_at(self, now: datetime) -> tuple[datetime, datetime] | None:
        instant = _utc(now)
        local_day = instant.astimezone(_zone(self.timezone)).date()
        for start, end in self.windows(local_day - _ONE_DAY, local_day + _ONE_DAY):
            if start <= instant < end:
                return start, end
        return None


@lru_cache(maxsize=8192)
def _windows_on(schedule: Schedule, day: date) -> tuple[tuple[datetime, datetime], ...]:
    # Cached: the same few days are asked for again and again (today, yesterday,
    # tomorrow), and schedules are immutable.
    zone = _zone(schedule.timezone)
    hours, _ = schedule.hours_on(day)
    next_day = day + _ONE_DAY
    _, next_is_replaced = schedule.hours_on(next_day)
    day_start = datetime.combine(day, time())
    next_start = datetime.combine(next_day, time())
    windows = []
    for hours_range in hours:
        start = day_start + timedelta(minutes=hours_range.start)
        if not hours_range.crosses_midnight:
            end = day_start + timedelta(minutes=hours_range.end)
        elif next_is_replaced:
            end = next_start  # the replaced day starts from its own hours
        else:
            end = next_start + timedelta(minutes=hours_range.end)
        start_utc = _resolve(start, zone, later=True)
        end_utc = _resolve(end, zone, later=False)
        if start_utc < end_utc:
            windows.append((start_utc, end_utc))
    return tuple(sorted(windows))


def format_minutes(minutes: int) -> str:
    """Format minutes after midnight as ``HH:MM`` (1440 is ``24:00``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def require_aware(now: datetime) -> None:
    """Raise ValueError when ``now`` has no time zone."""
    if now.tzinfo is None or now.tzinfo.utcoffset(now) is None:
        raise ValueError(
            "now must be a timezone-aware datetime, e.g. datetime.now(timezone.utc); "
            f"got the naive {now.isoformat()}"
        )


def _utc(now: datetime) -> datetime:
    require_aware(now)
    return now.astimezone(timezone.utc)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _resolve(wall: datetime, zone: tzinfo, *, later: bool) -> datetime:
    """Turn a naive local wall time into a UTC instant.

    An ambiguous wall time gives its later moment when ``later`` is true, else its
    earlier one; a wall time inside a forward jump gives the moment of the jump.
    """
    first = wall.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(timezone.utc)
    if first == second:  # neither skipped nor repeated: the usual case
        return first
    first_exists = _exists(first, wall, zone)
    second_exists = _exists(second, wall, zone)
    if first_exists and second_exists:
        return max(first, second) if later else min(first, second)
    if first_exists:
        return first
    if second_exists:
        return second
    return _jump_between(min(first, second), max(first, second), zone)


def _exists(instant: datetime, wall: datetime, zone: tzinfo) -> bool:
    return instant.astimezone(zone).replace(tzinfo=None) == wall


def _jump_between(low: datetime, high: datetime, zone: tzinfo) -> datetime:
    """Find the instant in (low, high] where the zone's UTC offset changes."""
    offset_low = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(zone).utcoffset() == offset_low:
            low = middle
        else:
            high = middle
    return high
