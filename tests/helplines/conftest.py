"""Helpers for the helpline tests: a small valid file to break in one place at a time.

Shared with the Python 3.10 run, so standard library, PyYAML and pytest only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from helplines import (
    HelplineDataError,
    HelplineDirectory,
    Schedule,
    load_directory,
    parse_directory,
)

TODAY = date(2026, 11, 22)

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
