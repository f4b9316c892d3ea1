"""Short Dutch texts about helplines, for a phone screen.

Written for teens in Flanders and the Netherlands: short, plain, no promises the
line cannot keep. A closed channel is always shown as closed, with when it opens;
only a channel that is open at ``now`` is called open.

Example (Sunday evening, Belgium)::

    Zelfmoordlijn 1813 (gratis, anoniem)
    Denk je aan zelfmoord, of maak je je zorgen om iemand? Hier kan je erover praten.
    • bel 1813: dag en nacht
    • chat via https://www.zelfmoord1813.be: nu open tot 24:00
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from helplines.hours import require_aware
from helplines.offers import ChannelStatus, Offer

WEEKDAY_NAMES = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTH_NAMES = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def render_offers(offers: list[Offer], now: datetime) -> str:
    """Render several offers as one message, a blank line between helplines."""
    return "\n\n".join(render_offer(offer, now) for offer in offers)


def render_offer(offer: Offer, now: datetime) -> str:
    """Render one helpline: name, what it is for, and one line per way to reach it."""
    require_aware(now)
    helpline = offer.helpline
    traits = [
        word for word, has in (("gratis", helpline.free), ("anoniem", helpline.anonymous)) if has
    ]
    header = helpline.name + (f" ({', '.join(traits)})" if traits else "")
    lines = [header, helpline.purpose]
    lines.extend(f"• {line}" for line in channel_lines(offer.channels, now))
    return "\n".join(lines)


def channel_lines(statuses: tuple[ChannelStatus, ...], now: datetime) -> list[str]:
    """One line per channel; phone numbers with the same hours share a line."""
    lines: list[str] = []
    previous: tuple[str, str] | None = None
    numbers: list[str] = []
    for status in statuses:
        state = status_text(status, now)
        if status.channel.is_phone:
            if previous is not None and previous == ("phone", state):
                numbers.append(status.channel.address)
                lines[-1] = f"bel {' of '.join(numbers)}: {state}"
                continue
            numbers = [status.channel.address]
            lines.append(f"bel {status.channel.address}: {state}")
            previous = ("phone", state)
        else:
            lines.append(f"chat via {status.channel.address}: {state}")
            previous = None
    return lines


def status_text(status: ChannelStatus, now: datetime) -> str:
    """Say whether a channel is open, until when, or when it opens (in its own time zone)."""
    zone = ZoneInfo(status.channel.schedule.timezone)
    if status.is_open:
        if status.closes_at is None:
            return "dag en nacht"
        return f"nu open tot {_until(status.closes_at, now, zone)}"
    if status.opens_at is None:
        return "nu gesloten"
    return f"nu gesloten, opent {_moment(status.opens_at, now, zone)}"


def _until(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    local, today = moment.astimezone(zone), now.astimezone(zone)
    days = (local.date() - today.date()).days
    clock = local.strftime("%H:%M")
    if days == 0:
        return clock
    if days == 1 and clock == "00:00":
        return "24:00"
    if days == 1 and local - today <= timedelta(hours=12):
        return clock  # "tot 02:00" in the night needs no day
    return _day_words(local, days) + " " + clock


def _moment(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    local, today = moment.astimezone(zone), now.astimezone(zone)
    days = (local.date() - today.date()).days
    clock = local.strftime("%H:%M")
    if days == 0:
        return f"om {clock}"
    return f"{_day_words(local, days)} om {clock}"


def _day_words(local: datetime, days: int) -> str:
    if days == 1:
        return "morgen"
    if 1 < days < 7:
        return WEEKDAY_NAMES[local.weekday()]
    return f"op {local.day} {MONTH_NAMES[local.month - 1]}"
