"""Helpers for the helpline tests: a small valid file to break in one place at a time.

Shared with the Python 3.10 run, so standard library, PyYAML and pytest only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from helplines import (
    RISK_LEVELS,
    HelplineDataError,
    HelplineDirectory,
    Offer,
    Schedule,
    load_directory,
    parse_directory,
)

TODAY = date(2026, 11, 22)
RISKS_WITH_112 = ("imminent", "direct")

VALID = """\
# A small directory used by the tests.
helplines:
  - id: be-test
    country: BE
    name: Testlijn
    purpose: Een lijn om mee te testen.
    roles: [youth_line]
    free: true
    anonymous: true
    timezone: Europe/Brussels
    channels:
      - phone: "102"
        hours:
          mon-fri: "16:00-22:00"
          sat: "22:00-02:00"
        on_public_holidays: closed
        exceptions:
          - date: "12-24"
            hours: "10:00-12:00"
      - chat: https://www.example.be/chat
        hours: always
    checked_on: 2026-11-01
    source: https://www.example.be
  - id: nl-test
    country: NL
    name: Tweede testlijn
    purpose: Nog een lijn om mee te testen.
    roles: [crisis_line]
    free: true
    anonymous: false
    timezone: Europe/Amsterdam
    channels:
      - phone: "0800-0113"
        hours: always
    checked_on: 2026-11-01
    source: https://www.example.nl
"""


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str], Path]:
    """Write YAML text to a file in a temporary folder and return its path."""

    def write(text: str) -> Path:
        path = tmp_path / "helplines.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def load_text(write_file: Callable[[str], Path]) -> Callable[[str], HelplineDirectory]:
    """Load YAML text through a real file, with 'today' fixed at :data:`TODAY`."""

    def load(text: str) -> HelplineDirectory:
        return load_directory(write_file(text), today=TODAY)

    return load


@pytest.fixture
def broken(write_file: Callable[[str], Path]) -> Callable[[str, str], HelplineDataError]:
    """Replace one piece of the valid file, load it, and return the error it raises."""

    def load_broken(old: str, new: str) -> HelplineDataError:
        assert old in VALID, f"test setup: {old!r} is not in the valid file"
        path = write_file(VALID.replace(old, new, 1))
        with pytest.raises(HelplineDataError) as caught:
            load_directory(path, today=TODAY)
        error = caught.value
        assert str(path) in str(error)
        return error

    return load_broken


def make_schedule(
    hours: str,
    *,
    country: str = "BE",
    zone: str | None = None,
    holidays: str = "same",
    exceptions: str = "[]",
) -> Schedule:
    """Build one channel's schedule the way a coordinator writes it, in YAML flow style.

    ``hours`` is e.g. ``'{mon-sun: "17:00-24:00"}'`` or ``'always'``.
    """
    zone = zone or {"BE": "Europe/Brussels", "NL": "Europe/Amsterdam"}[country]
    text = f"""\
helplines:
  - id: test
    country: {country}
    name: Test
    purpose: Test.
    roles: [youth_line]
    free: true
    anonymous: true
    timezone: {zone}
    channels:
      - phone: "1"
        hours: {hours}
        on_public_holidays: {holidays}
        exceptions: {exceptions}
    checked_on: 2026-01-01
    source: https://www.example.be
"""
    return parse_directory(text, today=TODAY).helplines[0].channels[0].schedule


def ids(offers: list[Offer]) -> list[str]:
    return [offer.helpline.id for offer in offers]


def must_keep(ranked: list[Offer], risk: str | None) -> list[Offer]:
    """The lines the rules keep whatever the cap, worked out here from the rules' text."""
    with_112 = risk in RISKS_WITH_112 or risk not in RISK_LEVELS
    kept = [
        o
        for o in ranked
        if "crisis_line" in o.helpline.roles or (with_112 and "emergency" in o.helpline.roles)
    ]
    if any(not o.is_open for o in kept):
        kept += [o for o in ranked if o.is_open and o not in kept]
    return kept


def check_selection(ranked: list[Offer], shown: list[Offer], risk: str | None, limit: int) -> None:
    """Every rule a shown list must keep, given the full ranking it was chosen from."""
    shown_ids = ids(shown)
    assert len(set(shown_ids)) == len(shown_ids), "a line shown twice"
    assert set(shown_ids) <= set(ids(ranked)), "a line the risk level does not show"
    states = [offer.is_open for offer in shown]
    assert states == sorted(states, reverse=True), f"a closed line before an open one: {shown_ids}"
    if any(offer.is_open for offer in ranked):
        assert shown[0].is_open, f"the first line is closed: {shown_ids}"
    # Among the open ones, and among the closed ones, the ranking's (role) order.
    is_open = {offer.helpline.id: offer.is_open for offer in ranked}
    for state in (True, False):
        expected = [i for i in ids(ranked) if i in shown_ids and is_open[i] is state]
        assert [i for i in shown_ids if is_open[i] is state] == expected
    left_out = [offer for offer in ranked if offer.helpline.id not in shown_ids]
    if any(not offer.is_open for offer in shown):
        assert not [o for o in left_out if o.is_open], "an open line left out for a closed one"
        assert not [o for o in left_out if o.helpline.always_open], (
            "a line open day and night left out for a closed one"
        )
    kept = must_keep(ranked, risk)
    assert {o.helpline.id for o in kept} <= set(shown_ids), "a must-keep line left out"
    assert len(shown) <= max(limit, len(kept)), f"longer than the cap needs: {shown_ids}"
    if len(shown) < limit:
        assert not left_out, "a line left out while there was room"
