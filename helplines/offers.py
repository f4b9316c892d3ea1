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

Two steps, two functions:

- :func:`helplines_for` ranks *every* line of the country that the risk level shows,
  by role; within one place, open before closed, then file order. It drops nothing.
- :func:`offers_to_show` is what a teen is shown: the lines open now first, then
  closed ones, cut to a phone screen by :func:`select_offers` without ever losing
  the crisis line, 112 (when the risk level shows it) or an open line for a closed
  one. Every place a teen gets a list uses it (the bot, the CLI's ``--risk``).

An unknown risk level is treated as ``imminent``: when we do not know, we assume
the worst (fail safe). An unknown country is an error for the caller to handle.
"""

from __future__ import annotations

from collections.abc import Sequence
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

# Lines kept in a teen's list whatever the cap, when the risk level's order has the role.
MUST_KEEP_ROLES = ("emergency", "crisis_line")

# How many helplines a teen is shown when nothing forces more: three lines a teen can
# talk to, plus 112 at the levels that show it. A helpline is four lines of text (name,
# what it is for, one line per phone or chat), about 200 characters; 112 is three short
# ones. So four, with 112 among them, is about 700 characters: about a phone screen
# with the heading, the first number at the top. A cap of three would make 112 cost a
# teen in danger one of the lines to talk to (at 20:00 on a weekday in Belgium it would
# leave out Tele-Onthaal, which answers day and night); more than four pushes the first
# number off the screen and gives a teen in crisis more to choose from than helps.
# The bot (bot/actions/helpline_offers.py) and the CLI both use this.
OFFERS_SHOWN = 4


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
    """Return every helpline the risk level shows in ``country``, ranked by role.

    Ordered by the risk level's role order; within one place, open before closed,
    then file order. Nothing is cut and a closed line may come before an open one
    of a later role: this is the ranking, not what a teen sees. For the list a teen
    is shown, use :func:`offers_to_show`.

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


def offers_to_show(
    country: str,
    risk: str | None,
    now: datetime,
    limit: int = OFFERS_SHOWN,
    directory: HelplineDirectory | None = None,
) -> list[Offer]:
    """Return the helplines a teen in ``country`` at ``risk`` is shown at ``now``.

    :func:`helplines_for` cut by :func:`select_offers` (see there for the rules):
    open lines first, at most ``limit`` lines unless the lines that must be kept need
    more. Same arguments and errors as :func:`helplines_for`, and ``ValueError``
    when ``limit`` is below 1.
    """
    return select_offers(helplines_for(country, risk, now, directory), risk, limit)


def select_offers(offers: Sequence[Offer], risk: str | None, limit: int) -> list[Offer]:
    """Choose and order, from ``helplines_for``'s ranking, what a teen is shown.

    The rules, in this order:

    1. Lines open now come first, in the ranking's order (the risk level's role
       order); closed lines after them, also in that order. A line is open when
       any of its channels is.
    2. Always kept: the crisis line, and 112 when the risk level's order includes
       the emergency role (``imminent``, ``direct``; an unknown level counts as
       ``imminent``).
    3. If one of those kept lines is closed, every open line is kept too, so that a
       closed line never takes the place of one that answers now.
    4. The room left under ``limit`` is filled in the order of rule 1: open lines
       first, closed lines only while room is left. So a line open day and night is
       never dropped while a closed line is shown.

    **The cap grows** rather than drop a line rules 2 and 3 keep: the result has
    ``max(limit, number of kept lines)`` lines, or all of ``offers`` when there are
    fewer. With the shipped file the kept lines are 112 and the crisis line, whose
    phones answer day and night, so a cap of two or more is never exceeded.

    ``offers`` is :func:`helplines_for`'s list for the same ``risk``. A closed line
    is shown as closed, with when it opens (:mod:`helplines.texts`).
    Raises ``ValueError`` when ``limit`` is below 1.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit!r}")
    order = ROLE_ORDER[normalise_risk(risk)]
    keep_roles = {role for role in MUST_KEEP_ROLES if role in order}
    ranked = [o for o in offers if o.is_open] + [o for o in offers if not o.is_open]
    kept = {id(o) for o in ranked if keep_roles.intersection(o.helpline.roles)}
    if any(not o.is_open for o in ranked if id(o) in kept):
        kept.update(id(o) for o in ranked if o.is_open)
    room = max(limit - len(kept), 0)
    chosen = []
    for offer in ranked:
        if id(offer) in kept:
            chosen.append(offer)
        elif room > 0:
            chosen.append(offer)
            room -= 1
    return chosen
