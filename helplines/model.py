"""The helpline directory as immutable, typed objects.

These objects are built and validated by :mod:`helplines.loader`; nothing else
should construct them from outside data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from helplines.hours import Schedule, require_aware

COUNTRIES = ("BE", "NL")
TIMEZONES = {"BE": "Europe/Brussels", "NL": "Europe/Amsterdam"}

#: The roles a helpline can have; they decide where it is shown for each risk level
#: (see :mod:`helplines.offers`).
ROLES = ("emergency", "crisis_line", "youth_line", "listening_line")

CHANNEL_KINDS = ("phone", "chat")


@dataclass(frozen=True)
class Channel:
    """One way to reach a helpline: a phone number or a chat page, with its own hours."""

    kind: str  # "phone" or "chat"
    address: str  # the number to dial, or the https URL of the chat
    schedule: Schedule
    note: str = ""

    @property
    def is_phone(self) -> bool:
        return self.kind == "phone"

    @property
    def is_chat(self) -> bool:
        return self.kind == "chat"

    @property
    def always_open(self) -> bool:
        return self.schedule.always_open

    def open_now(self, now: datetime) -> bool:
        """Tell whether this channel answers at ``now`` (timezone-aware)."""
        return self.schedule.open_now(now)

    def next_open(self, now: datetime) -> datetime | None:
        """Return ``now`` if open, else when it next opens, else None."""
        return self.schedule.next_open(now)

    def closes_at(self, now: datetime) -> datetime | None:
        """Return when it closes (``now`` if closed, None if it does not close soon)."""
        return self.schedule.closes_at(now)


@dataclass(frozen=True)
class AgeRange:
    """The ages a helpline says it is for, as the service words it (inclusive)."""

    min: int | None = None
    max: int | None = None

    def __str__(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min}-{self.max} jaar"
        if self.min is not None:
            return f"vanaf {self.min} jaar"
        if self.max is not None:
            return f"tot {self.max} jaar"
        return "alle leeftijden"


@dataclass(frozen=True)
class Helpline:
    """One helpline: who it is for, how to reach it, and when."""

    id: str
    country: str
    name: str
    purpose: str  # one short Dutch sentence a teen reads
    roles: tuple[str, ...]
    channels: tuple[Channel, ...]
    free: bool
    anonymous: bool
    timezone: str
    checked_on: date
    source: str
    ages: AgeRange | None = None
    note: str = ""

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def always_open(self) -> bool:
        """True when at least one channel answers 24/7."""
        return any(channel.always_open for channel in self.channels)

    def open_now(self, now: datetime) -> bool:
        """A helpline is open when any of its channels is."""
        return any(channel.open_now(now) for channel in self.channels)

    def next_open(self, now: datetime) -> datetime | None:
        """Return ``now`` if any channel is open, else the first moment one opens."""
        require_aware(now)
        moments = [m for m in (c.next_open(now) for c in self.channels) if m is not None]
        if not moments:
            return None
        first = min(moments)
        return now if first == now else first

    def closes_at(self, now: datetime) -> datetime | None:
        """Return when the last open channel closes, counting hand-overs between channels.

        ``now`` when closed; None when some channel stays open beyond the horizon.
        """
        moment = now
        # Each pass moves to the latest close among the channels open at ``moment``;
        # a channel that opens exactly then keeps the helpline open.
        for _ in range(64):
            closes = [c.closes_at(moment) for c in self.channels if c.open_now(moment)]
            if not closes:
                return moment
            if any(close is None for close in closes):
                return None
            moment = max(close for close in closes if close is not None)
        return None


@dataclass(frozen=True)
class HelplineDirectory:
    """All helplines from one file, in file order."""

    helplines: tuple[Helpline, ...]
    path: str = ""

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(sorted({h.country for h in self.helplines}))

    def in_country(self, country: str) -> tuple[Helpline, ...]:
        return tuple(h for h in self.helplines if h.country == country.strip().upper())

    def get(self, helpline_id: str) -> Helpline:
        for helpline in self.helplines:
            if helpline.id == helpline_id:
                return helpline
        raise KeyError(f"no helpline with id {helpline_id!r} in {self.path or 'the directory'}")

    def __iter__(self) -> Iterator[Helpline]:
        return iter(self.helplines)

    def __len__(self) -> int:
        return len(self.helplines)
