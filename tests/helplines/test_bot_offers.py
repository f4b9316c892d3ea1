"""The bot's helpline list is :func:`helplines.offers_to_show`, the list the CLI shows.

Imports the action module (rasa_sdk), so it runs on the Rasa side (Python 3.10) only;
the import happens inside the test so that the 3.11 run can collect this file.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helplines import OFFERS_SHOWN, RISK_LEVELS, load_directory, offers_to_show, render_offers

pytestmark = pytest.mark.rasa

WEEKDAY_0750 = datetime(2026, 11, 23, 7, 50, tzinfo=ZoneInfo("Europe/Brussels"))  # a Monday


def test_the_bot_sends_the_selection_at_0750(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_CONFIGURE_LOGGING", "0")  # no JSON logs or Sentry in tests
    from bot.actions import helpline_offers, settings

    assert helpline_offers.MAX_OFFERS == OFFERS_SHOWN
    directory = load_directory(settings.helplines_file)
    for risk in RISK_LEVELS:
        text = helpline_offers.helplines_text("BE", risk, WEEKDAY_0750)
        expected = offers_to_show("BE", risk, WEEKDAY_0750, OFFERS_SHOWN, directory)
        assert text is not None
        assert text == render_offers(expected, WEEKDAY_0750)
        assert "• bel 106: dag en nacht" in text
        assert text.startswith(expected[0].helpline.name) and expected[0].is_open
