"""The helpline directory: who a teen can call or chat with, and whether they answer now.

Plain Python (standard library and PyYAML), shared by the Rasa action server
(Python 3.10) and the services (Python 3.11+). The command line lives in
:mod:`helplines.cli`, which needs typer and rich.

Typical use::

    from helplines import offers_to_show, render_offers
    offers = offers_to_show("BE", "direct", now)   # now: a timezone-aware datetime
    text = render_offers(offers, now)              # what the teen reads
"""

from helplines.holidays import easter_sunday, holiday_name, is_public_holiday, public_holidays
from helplines.hours import DatedHours, Schedule, TimeRange
from helplines.loader import (
    DEFAULT_PATH,
    HelplineDataError,
    default_directory,
    load_directory,
    parse_directory,
)
from helplines.model import AgeRange, Channel, Helpline, HelplineDirectory
from helplines.offers import (
    OFFERS_SHOWN,
    RISK_LEVELS,
    ChannelStatus,
    Offer,
    UnknownCountryError,
    channel_status,
    helplines_for,
    normalise_risk,
    offers_to_show,
    select_offers,
)
from helplines.texts import render_offer, render_offers, status_text

__all__ = [
    "DEFAULT_PATH",
    "OFFERS_SHOWN",
    "RISK_LEVELS",
    "AgeRange",
    "Channel",
    "ChannelStatus",
    "DatedHours",
    "Helpline",
    "HelplineDataError",
    "HelplineDirectory",
    "Offer",
    "Schedule",
    "TimeRange",
    "UnknownCountryError",
    "channel_status",
    "default_directory",
    "easter_sunday",
    "helplines_for",
    "holiday_name",
    "is_public_holiday",
    "load_directory",
    "normalise_risk",
    "offers_to_show",
    "parse_directory",
    "public_holidays",
    "render_offer",
    "render_offers",
    "select_offers",
    "status_text",
]
