"""What a teen is shown: open lines first, the must-keep lines kept, cut to a phone screen.

Issue 12, point 6: at 07:50 on a weekday the bot showed Awel (closed) and left out
Tele-Onthaal 106 (open day and night), under a heading that says open lines come
first. Every moment here is a fixed, timezone-aware datetime; no test reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helplines import (
    OFFERS_SHOWN,
    RISK_LEVELS,
    HelplineDirectory,
    helplines_for,
    is_public_holiday,
    load_directory,
    offers_to_show,
    parse_directory,
    render_offers,
    select_offers,
)
from tests.helplines.conftest import RISKS_WITH_112, TODAY, check_selection, ids

pytestmark = pytest.mark.shared

ZONES = {"BE": ZoneInfo("Europe/Brussels"), "NL": ZoneInfo("Europe/Amsterdam")}
WEEKDAY = date(2026, 11, 23)  # a Monday, no public holiday in BE or NL
SUNDAY = date(2026, 11, 22)
EVENING = date(2026, 11, 24)  # a Tuesday, no public holiday


def at(country: str, day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock moment in the country's own time zone."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONES[country])


MOMENTS = {
    "weekday 07:50": (WEEKDAY, 7, 50),
    "Sunday 03:00": (SUNDAY, 3, 0),
    "weekday 20:00": (EVENING, 20, 0),
}


@pytest.fixture(scope="module")
def directory() -> HelplineDirectory:
    return load_directory(today=TODAY)


# -- the moment of the issue: 07:50 on a weekday in Belgium ------------------------------------


def test_the_moments_are_ordinary_days() -> None:
    for country in ZONES:
        for day, _, _ in MOMENTS.values():
            assert not is_public_holiday(country, day)
    assert WEEKDAY.weekday() == 0 and EVENING.weekday() == 1 and SUNDAY.weekday() == 6


@pytest.mark.parametrize(
    ("risk", "expected"),
    [
        ("imminent", ["be-112", "be-zelfmoordlijn", "be-tele-onthaal", "be-awel"]),
        ("direct", ["be-zelfmoordlijn", "be-112", "be-tele-onthaal", "be-awel"]),
        ("indirect", ["be-zelfmoordlijn", "be-tele-onthaal", "be-awel"]),
        ("distress", ["be-tele-onthaal", "be-zelfmoordlijn", "be-awel"]),
        ("none", ["be-tele-onthaal", "be-zelfmoordlijn", "be-awel"]),
    ],
)
def test_at_0750_on_a_weekday_open_lines_come_first_and_tele_onthaal_is_there(
    directory: HelplineDirectory, risk: str, expected: list[str]
) -> None:
    now = at("BE", WEEKDAY, 7, 50)
    shown = offers_to_show("BE", risk, now, OFFERS_SHOWN, directory)
    assert ids(shown) == expected
    assert "be-tele-onthaal" in ids(shown)
    assert shown[0].is_open
    assert [o.is_open for o in shown] == [True] * (len(shown) - 1) + [False]  # Awel, last
    check_selection(helplines_for("BE", risk, now, directory), shown, risk, OFFERS_SHOWN)


@pytest.mark.parametrize("risk", RISK_LEVELS)
def test_at_0750_the_teen_reads_open_lines_first_and_when_awel_opens(
    directory: HelplineDirectory, risk: str
) -> None:
    now = at("BE", WEEKDAY, 7, 50)
    text = render_offers(offers_to_show("BE", risk, now, directory=directory), now)
    assert "• bel 106: dag en nacht" in text
    assert text.index("Tele-Onthaal") < text.index("Awel")
    assert "• bel 102: nu gesloten, opent om 16:00" in text
    assert "• chat via https://www.awel.be: nu gesloten, opent om 18:00" in text


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_a_tighter_cap_drops_the_closed_line_and_never_112_or_the_crisis_line(
    directory: HelplineDirectory, limit: int
) -> None:
    now = at("BE", WEEKDAY, 7, 50)
    shown = ids(offers_to_show("BE", "imminent", now, limit, directory))
    assert shown == ["be-112", "be-zelfmoordlijn", "be-tele-onthaal"][: max(limit, 2)]


# -- every risk level, three moments, both countries -----------------------------------------


@pytest.mark.parametrize("risk", RISK_LEVELS)
@pytest.mark.parametrize("country", ["BE", "NL"])
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_open_first_and_every_day_and_night_line_kept(
    directory: HelplineDirectory, moment: str, country: str, risk: str
) -> None:
    day, hour, minute = MOMENTS[moment]
    now = at(country, day, hour, minute)
    ranked = helplines_for(country, risk, now, directory)
    shown = offers_to_show(country, risk, now, OFFERS_SHOWN, directory)
    check_selection(ranked, shown, risk, OFFERS_SHOWN)
    assert shown[0].is_open
    # Every line the risk level shows that answers day and night is in the list:
    # Tele-Onthaal 106 in Belgium, 113 in the Netherlands, 112 where it is shown.
    for offer in ranked:
        if offer.helpline.always_open:
            assert offer.helpline.id in ids(shown), (moment, offer.helpline.id)
    if country == "BE":
        assert "be-tele-onthaal" in ids(shown)
    assert any("crisis_line" in o.helpline.roles for o in shown)
    has_112 = any("emergency" in o.helpline.roles for o in shown)
    assert has_112 == (risk in RISKS_WITH_112)


@pytest.mark.parametrize(
    ("country", "risk", "expected"),
    [
        ("BE", "imminent", ["be-112", "be-zelfmoordlijn", "be-tele-onthaal", "be-awel"]),
        ("BE", "none", ["be-tele-onthaal", "be-zelfmoordlijn", "be-awel"]),
        ("NL", "imminent", ["nl-112", "nl-113", "nl-kindertelefoon"]),
        ("NL", "direct", ["nl-113", "nl-112", "nl-kindertelefoon"]),
        ("NL", "distress", ["nl-113", "nl-kindertelefoon"]),
    ],
)
def test_at_0300_on_a_sunday_the_closed_lines_go_last(
    directory: HelplineDirectory, country: str, risk: str, expected: list[str]
) -> None:
    now = at(country, SUNDAY, 3)
    shown = offers_to_show(country, risk, now, OFFERS_SHOWN, directory)
    assert ids(shown) == expected
    assert not shown[-1].is_open


def test_at_2000_everything_is_open_and_the_role_order_holds(directory: HelplineDirectory) -> None:
    now = at("BE", EVENING, 20)
    assert ids(offers_to_show("BE", "direct", now, OFFERS_SHOWN, directory)) == [
        "be-zelfmoordlijn",
        "be-awel",
        "be-112",
        "be-tele-onthaal",
    ]
    # With a cap of three, 112 and the crisis line stay and the open youth line takes
    # the last place: Tele-Onthaal is left out for an open line, never for a closed one.
    assert ids(offers_to_show("BE", "imminent", now, 3, directory)) == [
        "be-112",
        "be-zelfmoordlijn",
        "be-awel",
    ]


@pytest.mark.parametrize("risk", RISK_LEVELS)
@pytest.mark.parametrize("country", ["BE", "NL"])
def test_112_only_at_imminent_and_direct_and_the_crisis_line_always(
    directory: HelplineDirectory, country: str, risk: str
) -> None:
    for day, hour, minute in MOMENTS.values():
        shown = offers_to_show(country, risk, at(country, day, hour, minute), 1, directory)
        roles = [set(o.helpline.roles) for o in shown]
        assert any("crisis_line" in r for r in roles)
        assert any("emergency" in r for r in roles) == (risk in RISKS_WITH_112)
        assert len(shown) == (2 if risk in RISKS_WITH_112 else 1)  # the cap grew to keep them


@pytest.mark.parametrize("risk", ["kritiek", "", None])
def test_an_unknown_risk_keeps_112_first(directory: HelplineDirectory, risk: str | None) -> None:
    shown = offers_to_show("BE", risk, at("BE", WEEKDAY, 7, 50), 1, directory)
    assert ids(shown) == ["be-112", "be-zelfmoordlijn"]


def test_a_cap_below_one_is_refused(directory: HelplineDirectory) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        offers_to_show("BE", "none", at("BE", WEEKDAY, 7, 50), 0, directory)


def test_the_default_cap_is_a_phone_screen(directory: HelplineDirectory) -> None:
    assert OFFERS_SHOWN in (3, 4)
    now = at("BE", WEEKDAY, 7, 50)
    assert offers_to_show("BE", "imminent", now, directory=directory) == offers_to_show(
        "BE", "imminent", now, OFFERS_SHOWN, directory
    )


# -- a crisis line that is closed (not in the shipped file, but a coordinator could write it) --

CLOSED_CRISIS_LINE = """\
helplines:
  - id: be-crisis
    country: BE
    name: Crisislijn
    purpose: Een crisislijn om mee te testen.
    roles: [crisis_line]
    free: true
    anonymous: true
    timezone: Europe/Brussels
    channels:
      - phone: "1"
        hours: {mon-sun: "17:00-24:00"}
    checked_on: 2026-11-01
    source: https://www.example.be
  - id: be-youth
    country: BE
    name: Jongerenlijn
    purpose: Een jongerenlijn om mee te testen.
    roles: [youth_line]
    free: true
    anonymous: true
    timezone: Europe/Brussels
    channels:
      - phone: "2"
        hours: {mon-sun: "07:00-12:00"}
    checked_on: 2026-11-01
    source: https://www.example.be
  - id: be-listen
    country: BE
    name: Luisterlijn
    purpose: Een luisterlijn om mee te testen.
    roles: [listening_line]
    free: true
    anonymous: true
    timezone: Europe/Brussels
    channels:
      - phone: "3"
        hours: always
    checked_on: 2026-11-01
    source: https://www.example.be
"""


def test_a_closed_crisis_line_is_kept_without_pushing_out_an_open_line() -> None:
    directory = parse_directory(CLOSED_CRISIS_LINE, today=TODAY)
    now = at("BE", WEEKDAY, 7, 50)
    ranked = helplines_for("BE", "indirect", now, directory)
    assert ids(ranked) == ["be-crisis", "be-youth", "be-listen"]
    # A cap of one: the crisis line stays, and so do both open lines (the cap grows).
    shown = select_offers(ranked, "indirect", 1)
    assert ids(shown) == ["be-youth", "be-listen", "be-crisis"]
    check_selection(ranked, shown, "indirect", 1)


# -- properties over a whole week, holidays and clock changes ---------------------------------


def sweep() -> Iterator[datetime]:
    """Every quarter of an hour of an ordinary week, then Christmas and the clock changes."""
    start = datetime(2026, 11, 23, tzinfo=ZONES["BE"])
    for quarter in range(7 * 24 * 4):
        yield start + timedelta(minutes=15 * quarter)
    for first, days in (
        (datetime(2026, 12, 23), 5),
        (datetime(2026, 3, 28), 2),
        (datetime(2026, 10, 24), 2),
        (datetime(2026, 4, 26), 2),
    ):
        local = first.replace(tzinfo=ZONES["BE"])
        for half_hour in range(days * 48):
            yield local + timedelta(minutes=30 * half_hour)


@pytest.mark.parametrize("country", ["BE", "NL"])
def test_every_selection_keeps_the_rules(directory: HelplineDirectory, country: str) -> None:
    risks: list[str | None] = [*RISK_LEVELS, None]
    checked = 0
    for now in sweep():
        for risk in risks:
            ranked = helplines_for(country, risk, now, directory)
            for limit in (1, 2, 3, 4, 5):
                check_selection(ranked, select_offers(ranked, risk, limit), risk, limit)
                checked += 1
    assert checked > 10_000
