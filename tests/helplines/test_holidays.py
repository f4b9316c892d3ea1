"""Belgian and Dutch public holidays, computed without any outside data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from helplines import easter_sunday, holiday_name, is_public_holiday, public_holidays

pytestmark = pytest.mark.shared


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2000, date(2000, 4, 23)),
        (2008, date(2008, 3, 23)),
        (2011, date(2011, 4, 24)),
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_easter_is_always_a_sunday_between_22_march_and_25_april() -> None:
    for year in range(1583, 3000):
        easter = easter_sunday(year)
        assert easter.weekday() == 6, year
        assert date(year, 3, 22) <= easter <= date(year, 4, 25), year


def test_easter_before_the_gregorian_calendar_is_refused() -> None:
    with pytest.raises(ValueError, match="1583"):
        easter_sunday(1500)


@pytest.mark.parametrize(
    ("year", "easter_monday", "ascension", "whit_monday"),
    [
        (2024, date(2024, 4, 1), date(2024, 5, 9), date(2024, 5, 20)),
        (2025, date(2025, 4, 21), date(2025, 5, 29), date(2025, 6, 9)),
        (2026, date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)),
        (2027, date(2027, 3, 29), date(2027, 5, 6), date(2027, 5, 17)),
    ],
)
def test_belgian_holidays_that_move_with_easter(
    year: int, easter_monday: date, ascension: date, whit_monday: date
) -> None:
    holidays = public_holidays("BE", year)
    assert holidays[easter_monday] == "Paasmaandag"
    assert holidays[ascension] == "Onze-Lieve-Heer-Hemelvaart"
    assert holidays[whit_monday] == "Pinkstermaandag"


def test_belgian_holidays_of_a_year() -> None:
    holidays = public_holidays("BE", 2026)
    assert len(holidays) == 10
    for month, day in ((1, 1), (5, 1), (7, 21), (8, 15), (11, 1), (11, 11), (12, 25)):
        assert date(2026, month, day) in holidays
    assert date(2026, 4, 5) not in holidays  # Easter Sunday itself is not on the Belgian list
    assert date(2026, 12, 26) not in holidays


def test_dutch_holidays_of_a_year() -> None:
    holidays = public_holidays("NL", 2026)
    assert holidays == {
        date(2026, 1, 1): "Nieuwjaarsdag",
        date(2026, 4, 5): "Eerste Paasdag",
        date(2026, 4, 6): "Tweede Paasdag",
        date(2026, 4, 27): "Koningsdag",
        date(2026, 5, 5): "Bevrijdingsdag",
        date(2026, 5, 14): "Hemelvaartsdag",
        date(2026, 5, 24): "Eerste Pinksterdag",
        date(2026, 5, 25): "Tweede Pinksterdag",
        date(2026, 12, 25): "Eerste Kerstdag",
        date(2026, 12, 26): "Tweede Kerstdag",
    }


def test_good_friday_is_not_a_dutch_holiday() -> None:
    good_friday = easter_sunday(2026) - timedelta(days=2)
    assert not is_public_holiday("NL", good_friday)


@pytest.mark.parametrize(
    ("year", "kings_day"),
    [
        (2014, date(2014, 4, 26)),  # 27 April was a Sunday
        (2024, date(2024, 4, 27)),
        (2025, date(2025, 4, 26)),  # 27 April was a Sunday
        (2026, date(2026, 4, 27)),
        (2031, date(2031, 4, 26)),  # 27 April is a Sunday
    ],
)
def test_kings_day_moves_to_saturday_when_27_april_is_a_sunday(year: int, kings_day: date) -> None:
    assert holiday_name("NL", kings_day) == "Koningsdag"
    other = date(year, 4, 27) if kings_day.day == 26 else date(year, 4, 26)
    assert holiday_name("NL", other) is None


def test_holiday_lookup_for_an_ordinary_day() -> None:
    assert holiday_name("BE", date(2026, 11, 23)) is None
    assert not is_public_holiday("BE", date(2026, 11, 23))
    assert is_public_holiday("BE", date(2026, 11, 11))


def test_unknown_country_is_refused() -> None:
    with pytest.raises(ValueError, match="'DE'"):
        public_holidays("DE", 2026)


def test_the_returned_table_is_a_copy() -> None:
    holidays = public_holidays("BE", 2026)
    holidays.clear()
    assert public_holidays("BE", 2026)
