"""Belgian and Dutch public holidays, computed in plain Python.

Only the days that the law (BE) or the general practice (NL) treat as days off
are listed, because these are the days on which helplines change their hours.
Good Friday is not a general day off in the Netherlands and is left out;
Bevrijdingsdag (5 May) is listed every year, as the Dutch government lists it.
Koningsdag follows the rule in force since 2014 (27 April, or 26 April when the
27th is a Sunday); years before 2014 are not modelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

COUNTRIES = ("BE", "NL")


def easter_sunday(year: int) -> date:
    """Return Easter Sunday of ``year`` in the Gregorian calendar.

    This is the anonymous Gregorian computus: it finds the ecclesiastical full
    moon after the spring equinox from the year's place in the 19-year lunar
    cycle, with the century corrections of the Gregorian reform.
    """
    if year < 1583:
        raise ValueError(f"the Gregorian computus needs a year from 1583 on, got {year}")
    golden = year % 19
    century, year_in_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    moon_correction = (century + 8) // 25
    moon_shift = (century - moon_correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - moon_shift + 15) % 30
    leap_years, year_rest = divmod(year_in_century, 4)
    weekday_offset = (32 + 2 * century_rest + 2 * leap_years - epact - year_rest) % 7
    extra = (golden + 11 * epact + 22 * weekday_offset) // 451
    month, day0 = divmod(epact + weekday_offset - 7 * extra + 114, 31)
    return date(year, month, day0 + 1)


def _belgium(year: int) -> dict[date, str]:
    easter = easter_sunday(year)
    return {
        date(year, 1, 1): "Nieuwjaar",
        easter + timedelta(days=1): "Paasmaandag",
        date(year, 5, 1): "Dag van de Arbeid",
        easter + timedelta(days=39): "Onze-Lieve-Heer-Hemelvaart",
        easter + timedelta(days=50): "Pinkstermaandag",
        date(year, 7, 21): "Nationale feestdag",
        date(year, 8, 15): "Onze-Lieve-Vrouw-Hemelvaart",
        date(year, 11, 1): "Allerheiligen",
        date(year, 11, 11): "Wapenstilstand",
        date(year, 12, 25): "Kerstmis",
    }


def _netherlands(year: int) -> dict[date, str]:
    easter = easter_sunday(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:  # never celebrated on a Sunday
        kings_day = date(year, 4, 26)
    return {
        date(year, 1, 1): "Nieuwjaarsdag",
        easter: "Eerste Paasdag",
        easter + timedelta(days=1): "Tweede Paasdag",
        kings_day: "Koningsdag",
        date(year, 5, 5): "Bevrijdingsdag",
        easter + timedelta(days=39): "Hemelvaartsdag",
        easter + timedelta(days=49): "Eerste Pinksterdag",
        easter + timedelta(days=50): "Tweede Pinksterdag",
        date(year, 12, 25): "Eerste Kerstdag",
        date(year, 12, 26): "Tweede Kerstdag",
    }


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> Mapping[date, str]:
    if country == "BE":
        table = _belgium(year)
    elif country == "NL":
        table = _netherlands(year)
    else:
        raise ValueError(
            f"no public holidays known for country {country!r}; expected one of {COUNTRIES}"
        )
    return MappingProxyType(dict(sorted(table.items())))


def public_holidays(country: str, year: int) -> dict[date, str]:
    """Return the public holidays of ``country`` ("BE" or "NL") in ``year``, date to Dutch name."""
    return dict(_holidays(country, year))


def holiday_name(country: str, day: date) -> str | None:
    """Return the Dutch name of the public holiday on ``day`` in ``country``, or None."""
    return _holidays(country, day.year).get(day)


def is_public_holiday(country: str, day: date) -> bool:
    """Tell whether ``day`` is a public holiday in ``country``."""
    return holiday_name(country, day) is not None
