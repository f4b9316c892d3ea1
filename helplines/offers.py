"""Which helplines to show a teen, in which order, for a risk level.

Order per risk level (by the helpline's roles; a helpline with several roles takes
its best place):

=========  ==============================================================
imminent   emergency (112), crisis line, youth lines, listening lines
direct     crisis line, youth lines, emergency (112), listening lines
indirect   crisis line, youth lines, listening lines
distress   youth lines, listening lines, crisis line
none       youth lines, listening lines, crisis line
=========  ==============================================================

The crisis line is in every list: it is never hidden. 112 is shown when the teen
may be in danger now (imminent, first) or talks directly about suicide or self-harm
(direct, after the lines that can talk with them); at lower levels it is left out,
because a teen who is not in danger is better served by a line that listens.
Within one place, lines that are open now come before closed ones, then file order.

An unknown risk level is treated as ``imminent``: when we do not know, we assume
the worst (fail safe). An unknown country is an error for the caller to handle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from helplines.hours import require_aware
from helplines.loader import default_directory
from helplines.model import COUNTRIES, Channel, Helpline, HelplineDirectory

RISK_LEVELS = ("none", "distress", "indirect", "direct", "imminent")
HIGHEST_RISK = RISK_LEVELS[-1]

ROLE_ORDER: dict[str, tuple[str, ...]] = {
    "imminent": ("emergency", "crisis_line", "youth_line", "listening_line"),
    "direct": ("crisis_line", "youth_line", "emergency", "listening_line"),
    "indirect": ("crisis_line", "youth_line", "listening_line"),
    "distress": ("youth_line", "listening_line", "crisis_line"),
    "none": ("youth_line", "listening_line", "crisis_line"),
}


class UnknownCountryError(ValueError):
    """No helplines are known for the country asked for."""


@dataclass(frozen=True)
class ChannelStatus:
    """A channel as it stands at one moment.

    When open, ``closes_at`` is when it closes (None: it does not close soon, e.g.
    24/7). When closed, ``opens_at`` is when it next opens (None: not in the coming
    two years).
    """

    channel: Channel
    is_open: bool
    closes_at: datetime | None
    opens_at: datetime | None


@dataclass(frozen=True)
class Offer:
    """One helpline to show a teen, with the state of each of its channels."""

    helpline: Helpline
    place: int  # 0 is shown first; from the risk level's role order
    channels: tuple[ChannelStatus, ...]

    @property
    def is_open(self) -> bool:
        return any(status.is_open for status in self.channels)

    @property
    def open_channels(self) -> tuple[ChannelStatus, ...]:
        return tuple(status for status in self.channels if status.is_open)

    @property
    def closed_channels(self) -> tuple[ChannelStatus, ...]:
        return tuple(status for status in self.channels if not status.is_open)

    @property
    def opens_at(self) -> datetime | None:
        """When a closed helpline next opens (None when open now, or never)."""
        if self.is_open:
            return None
        moments = [s.opens_at for s in self.channels if s.opens_at is not None]
        return min(moments) if moments else None


def normalise_risk(risk: str | None) -> str:
    """Return the risk level as one of :data:`RISK_LEVELS`; unknown means the highest."""
    if isinstance(risk, str):
        level = risk.strip().lower()
        if level in RISK_LEVELS:
            return level
    return HIGHEST_RISK


def channel_status(channel: Channel, now: datetime) -> ChannelStatus:
    """Describe ``channel`` at ``now``."""
    if channel.open_now(now):
        return ChannelStatus(channel, True, closes_at=channel.closes_at(now), opens_at=None)
    return ChannelStatus(channel, False, closes_at=None, opens_at=channel.next_open(now))


def helplines_for(
    country: str,
    risk: str | None,
    now: datetime,
    directory: HelplineDirectory | None = None,
) -> list[Offer]:
    """Return the helplines to offer a teen in ``country`` at ``risk``, best first.

    ``now`` must be timezone-aware. ``directory`` defaults to the shipped file.
    Raises :class:`UnknownCountryError` when no helplines are known for ``country``.
    """
    require_aware(now)
    directory = directory if directory is not None else default_directory()
    code = country.strip().upper() if isinstance(country, str) else ""
    helplines = directory.in_country(code) if code else ()
    if not helplines:
        known = ", ".join(directory.countries) or ", ".join(COUNTRIES)
        raise UnknownCountryError(
            f"no helplines for country {country!r} in {directory.path or 'the directory'}; "
            f"known countries: {known}"
        )
    order = ROLE_ORDER[normalise_risk(risk)]
    ranked = []
    for position, helpline in enumerate(helplines):
        places = [order.index(role) for role in helpline.roles if role in order]
        if not places:
            continue
        statuses = tuple(channel_status(channel, now) for channel in helpline.channels)
        offer = Offer(helpline=helpline, place=min(places), channels=statuses)
        ranked.append(((offer.place, not offer.is_open, position), offer))
    ranked.sort(key=lambda item: item[0])
    return [offer for _, offer in ranked]
