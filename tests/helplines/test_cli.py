"""``python -m helplines``: the open-now tables and the file check (Python 3.11+ only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helplines import OFFERS_SHOWN, offers_to_show, render_offers
from helplines.cli import app
from tests.helplines.conftest import VALID

WIDE = {"COLUMNS": "200", "NO_COLOR": "1"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_without_arguments_it_prints_a_table_per_country(runner: CliRunner) -> None:
    result = runner.invoke(app, [], env=WIDE)
    assert result.exit_code == 0, result.output
    for text in (
        "BE at",
        "NL at",
        "Zelfmoordlijn 1813",
        "De Kindertelefoon",
        "0800-0113",
        "Open now",
    ):
        assert text in result.output
    assert result.output.index("BE at") < result.output.index("NL at")


def test_at_shows_the_state_at_that_moment(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--at", "2026-03-29T02:30+02:00", "--country", "BE"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "BE at Sun 29 Mar 2026 01:30 (Europe/Brussels, UTC+0100)" in result.output
    assert "NL at" not in result.output
    chat_row = next(line for line in result.output.splitlines() if "zelfmoord1813.be" in line)
    assert "closed" in chat_row and "opens Sun 29 Mar 17:00" in chat_row
    phone_row = next(line for line in result.output.splitlines() if "│ 1813 " in line)
    assert "open" in phone_row and "day and night" in phone_row


def test_risk_orders_the_table_and_prints_what_the_teen_sees(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["--at", "2026-11-22T19:30+01:00", "--country", "nl", "--risk", "imminent"], env=WIDE
    )
    assert result.exit_code == 0, result.output
    output = result.output
    assert "risk imminent" in output
    assert output.index("Alarmnummer 112") < output.index("113 Zelfmoordpreventie")
    assert "What a teen in NL sees:" in output
    assert "• bel 113 of 0800-0113: dag en nacht" in output
    assert "• bel 0800-0432: nu open tot 21:00" in output


def test_risk_shows_the_selection_the_teen_gets(runner: CliRunner) -> None:
    # 07:50 on a Monday: Awel is closed, Tele-Onthaal 106 answers day and night.
    moment = "2026-11-23T07:50+01:00"
    result = runner.invoke(app, ["--at", moment, "--country", "BE", "--risk", "none"], env=WIDE)
    assert result.exit_code == 0, result.output
    now = datetime.fromisoformat(moment)
    teen = render_offers(offers_to_show("BE", "none", now), now)
    assert result.output.rstrip().endswith(teen.splitlines()[-1])
    shown = result.output.split("What a teen in BE sees:")[1]
    assert shown.index("Tele-Onthaal") < shown.index("Zelfmoordlijn 1813") < shown.index("Awel")
    assert "Left out: none" in result.output
    assert f"cap {OFFERS_SHOWN}" in result.output


def test_limit_cuts_closed_lines_first_and_says_what_was_left_out(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        ["--at", "2026-11-23T07:50+01:00", "--country", "BE", "--risk", "imminent", "--limit", "1"],
        env=WIDE,
    )
    assert result.exit_code == 0, result.output
    assert "Left out: Tele-Onthaal (open), Awel (closed)" in result.output
    shown = result.output.split("What a teen in BE sees:")[1]
    assert "Noodnummer 112" in shown and "Zelfmoordlijn 1813" in shown
    assert "Tele-Onthaal" not in shown and "Awel" not in shown


def test_limit_below_one_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--risk", "none", "--limit", "0"], env=WIDE)
    assert result.exit_code == 2


def test_an_unknown_risk_is_shown_as_the_highest(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--country", "BE", "--risk", "weetniet"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "risk imminent (unknown 'weetniet')" in result.output


def test_at_without_an_offset_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--at", "2026-03-29T02:30"], env=WIDE)
    assert result.exit_code == 2
    assert "UTC offset" in result.output


def test_an_unknown_country_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--country", "DE"], env=WIDE)
    assert result.exit_code == 2
    assert "known: BE, NL" in result.output


def test_check_accepts_the_shipped_file(runner: CliRunner) -> None:
    result = runner.invoke(app, ["check"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: ")
    assert "7 helplines (BE: 4, NL: 3)" in result.output


def test_check_accepts_a_good_file(runner: CliRunner, write_file: Callable[[str], Path]) -> None:
    result = runner.invoke(app, ["check", str(write_file(VALID))], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "2 helplines (BE: 1, NL: 1), 3 channels" in result.output


def test_check_explains_a_broken_file(runner: CliRunner, write_file: Callable[[str], Path]) -> None:
    path = write_file(VALID.replace('mon-fri: "16:00-22:00"', 'mon-fri: "16:00-25:00"'))
    result = runner.invoke(app, ["check", str(path)], env=WIDE)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert str(path) in result.stderr
    assert "line 14" in result.stderr
    assert "helpline 'be-test'" in result.stderr
    assert "field 'channels[1].hours.mon-fri'" in result.stderr


def test_check_reads_helplines_file_from_the_environment(
    runner: CliRunner, write_file: Callable[[str], Path]
) -> None:
    path = write_file(VALID.replace("country: BE", "country: FR"))
    result = runner.invoke(app, ["check"], env={**WIDE, "HELPLINES_FILE": str(path)})
    assert result.exit_code == 1
    assert "'FR' is not a supported country" in result.stderr


def test_the_table_refuses_a_broken_file(
    runner: CliRunner, write_file: Callable[[str], Path]
) -> None:
    path = write_file(VALID.replace("timezone: Europe/Brussels", "timezone: Brussels"))
    result = runner.invoke(app, ["--file", str(path)], env=WIDE)
    assert result.exit_code == 1
    assert "'Brussels' is not a known time zone" in result.stderr


def test_the_table_uses_another_file(runner: CliRunner, write_file: Callable[[str], Path]) -> None:
    path = write_file(VALID)
    result = runner.invoke(app, ["--file", str(path), "--at", "2026-11-23T17:00+01:00"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Testlijn" in result.output and "Tweede testlijn" in result.output
    assert "Zelfmoordlijn" not in result.output
