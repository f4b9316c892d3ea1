"""What a teen is offered: order per risk level and country, and the Dutch text."""

from __future__ import annotations

from datetime import datetime

import pytest

from helplines import (
    RISK_LEVELS,
    HelplineDirectory,
    Offer,
    UnknownCountryError,
    helplines_for,
    load_directory,
    normalise_risk,
    render_offer,
    render_offers,
)
from tests.helplines.conftest import TODAY

pytestmark = pytest.mark.shared

SUNDAY_EVENING = datetime.fromisoformat("2026-11-22T19:30+01:00")  # Awel closed, 1813 chat open
MONDAY_NIGHT = datetime.fromisoformat("2026-11-23T03:00+01:00")  # only the 24/7 lines


@pytest.fixture(scope="module")
def directory() -> HelplineDirectory:
    return load_directory(today=TODAY)


def ids(offers: list[Offer]) -> list[str]:
    return [offer.helpline.id for offer in offers]


@pytest.mark.parametrize(
    ("country", "risk", "expected"),
    [
        ("BE", "imminent", ["be-112", "be-zelfmoordlijn", "be-awel", "be-tele-onthaal"]),
        ("BE", "direct", ["be-zelfmoordlijn", "be-awel", "be-112", "be-tele-onthaal"]),
        ("BE", "indirect", ["be-zelfmoordlijn", "be-awel", "be-tele-onthaal"]),
        ("BE", "distress", ["be-awel", "be-tele-onthaal", "be-zelfmoordlijn"]),
        ("BE", "none", ["be-awel", "be-tele-onthaal", "be-zelfmoordlijn"]),
        ("NL", "imminent", ["nl-112", "nl-113", "nl-kindertelefoon"]),
        ("NL", "direct", ["nl-113", "nl-kindertelefoon", "nl-112"]),
        ("NL", "indirect", ["nl-113", "nl-kindertelefoon"]),
        ("NL", "distress", ["nl-kindertelefoon", "nl-113"]),
        ("NL", "none", ["nl-kindertelefoon", "nl-113"]),
    ],
)
def test_order_per_risk_level_while_everything_is_open(
    directory: HelplineDirectory, country: str, risk: str, expected: list[str]
) -> None:
    monday_evening = datetime.fromisoformat("2026-11-23T19:30+01:00")
    offers = helplines_for(country, risk, monday_evening, directory)
    assert all(offer.is_open for offer in offers)
    assert ids(offers) == expected


def test_open_lines_come_before_closed_ones_of_the_same_kind(directory: HelplineDirectory) -> None:
    # At 03:00 the youth line Awel is closed; Tele-Onthaal answers the phone day and night.
    offers = helplines_for("BE", "none", MONDAY_NIGHT, directory)
    assert ids(offers) == ["be-awel", "be-tele-onthaal", "be-zelfmoordlijn"]
    assert not offers[0].is_open
    assert offers[0].opens_at == datetime.fromisoformat("2026-11-23T16:00+01:00")
    assert offers[1].is_open and offers[2].is_open


@pytest.mark.parametrize("risk", RISK_LEVELS)
@pytest.mark.parametrize("country", ["BE", "NL"])
def test_the_crisis_line_is_never_left_out(
    directory: HelplineDirectory, country: str, risk: str
) -> None:
    for now in (SUNDAY_EVENING, MONDAY_NIGHT):
        offers = helplines_for(country, risk, now, directory)
        crisis = [o for o in offers if "crisis_line" in o.helpline.roles]
        assert crisis and crisis[0].is_open


@pytest.mark.parametrize("risk", ["kritiek", "", "IMMINENT ", None, "suicide"])
def test_an_unknown_risk_level_is_treated_as_the_highest(
    directory: HelplineDirectory, risk: str | None
) -> None:
    assert normalise_risk(risk) == "imminent"
    assert ids(helplines_for("BE", risk, SUNDAY_EVENING, directory))[:2] == [
        "be-112",
        "be-zelfmoordlijn",
    ]


def test_risk_and_country_are_read_leniently(directory: HelplineDirectory) -> None:
    assert normalise_risk(" Distress") == "distress"
    offers = helplines_for(" nl ", "DIRECT", SUNDAY_EVENING, directory)
    assert ids(offers)[0] == "nl-113"


@pytest.mark.parametrize("country", ["DE", "", "België"])
def test_an_unknown_country_is_an_error(directory: HelplineDirectory, country: str) -> None:
    with pytest.raises(UnknownCountryError, match="known countries: BE, NL"):
        helplines_for(country, "imminent", SUNDAY_EVENING, directory)


def test_a_naive_now_is_refused(directory: HelplineDirectory) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        helplines_for("BE", "imminent", datetime(2026, 11, 22, 19, 30), directory)


def test_the_shipped_directory_is_the_default() -> None:
    assert ids(helplines_for("BE", "imminent", SUNDAY_EVENING))[0] == "be-112"


def test_channels_say_what_is_open_and_when_the_rest_opens(directory: HelplineDirectory) -> None:
    offers = {o.helpline.id: o for o in helplines_for("BE", "direct", SUNDAY_EVENING, directory)}
    phone, chat = offers["be-zelfmoordlijn"].channels
    assert phone.is_open and phone.closes_at is None
    assert chat.is_open
    assert chat.closes_at == datetime.fromisoformat("2026-11-23T00:00+01:00")
    awel = offers["be-awel"]
    assert not awel.is_open and awel.open_channels == ()
    assert [s.opens_at for s in awel.closed_channels] == [
        datetime.fromisoformat("2026-11-23T16:00+01:00"),
        datetime.fromisoformat("2026-11-23T18:00+01:00"),
    ]


# -- the Dutch text --------------------------------------------------------------------------


def test_text_for_a_crisis_line_with_an_open_chat(directory: HelplineDirectory) -> None:
    offer = helplines_for("BE", "direct", SUNDAY_EVENING, directory)[0]
    assert render_offer(offer, SUNDAY_EVENING).splitlines() == [
        "Zelfmoordlijn 1813 (gratis, anoniem)",
        "Denk je aan zelfmoord, of maak je je zorgen om iemand? Hier kan je erover praten.",
        "• bel 1813: dag en nacht",
        "• chat via https://www.zelfmoord1813.be: nu open tot 24:00",
    ]


def test_text_for_a_closed_chat_says_when_it_opens(directory: HelplineDirectory) -> None:
    afternoon = datetime.fromisoformat("2026-11-22T15:00+01:00")
    offer = helplines_for("BE", "direct", afternoon, directory)[0]
    assert offer.channels[1].is_open is False
    assert render_offer(offer, afternoon).splitlines()[-1] == (
        "• chat via https://www.zelfmoord1813.be: nu gesloten, opent om 17:00"
    )


def test_text_for_a_line_closed_until_tomorrow_and_numbers_sharing_a_line(
    directory: HelplineDirectory,
) -> None:
    text = render_offers(helplines_for("NL", "imminent", MONDAY_NIGHT, directory), MONDAY_NIGHT)
    assert "• bel 113 of 0800-0113: dag en nacht" in text
    assert "• bel 0800-0432: nu gesloten, opent om 11:00" in text
    assert text.index("Alarmnummer 112") < text.index("113 Zelfmoordpreventie")
    assert "\n\n" in text


def test_text_names_the_weekday_or_the_date_when_opening_is_further_away(
    directory: HelplineDirectory,
) -> None:
    saturday_night = datetime.fromisoformat("2026-11-28T23:00+01:00")
    awel = next(
        o
        for o in helplines_for("BE", "none", saturday_night, directory)
        if o.helpline.id == "be-awel"
    )
    assert "bel 102: nu gesloten, opent maandag om 16:00" in render_offer(awel, saturday_night)
    christmas_eve = datetime.fromisoformat("2026-12-23T23:00+01:00")
    awel = next(
        o
        for o in helplines_for("BE", "none", christmas_eve, directory)
        if o.helpline.id == "be-awel"
    )
    # 24 December closed, 25 a holiday, 26 a Saturday: the phone opens on Saturday.
    assert "bel 102: nu gesloten, opent zaterdag om 16:00" in render_offer(awel, christmas_eve)


def test_text_carries_no_simplistic_comfort(directory: HelplineDirectory) -> None:
    for country in ("BE", "NL"):
        text = render_offers(
            helplines_for(country, "imminent", SUNDAY_EVENING, directory), SUNDAY_EVENING
        )
        for phrase in ("komt wel goed", "kop op", "geen zorgen"):
            assert phrase not in text.lower()
