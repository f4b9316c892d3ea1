"""/hulp and every other place a teen is given helplines: their country, open now first.

What is shown is :func:`helplines.offers_to_show`: lines open now before closed ones,
the crisis line always, 112 always at imminent and direct, a line open day and night
never left out for a closed one. ``python -m helplines --risk`` shows the same list.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.conversation import last_said_at
from common.logging import get_logger
from helplines import OFFERS_SHOWN, load_directory, offers_to_show, render_offers

log = get_logger(__name__)
GROUP_REPEAT_S = 600
# Four: three lines a teen can talk to, plus 112 at imminent and direct (its block is
# short). About 700 characters, one phone screen with the heading; three would make 112
# cost a teen in danger a line to talk to, more would push the first number off the
# screen. The cap is a target, not a hard cut: offers_to_show grows it rather than hide
# 112 or the crisis line, and its open-first order means a cut never drops an open line
# for a closed one. Shared with the CLI (helplines.OFFERS_SHOWN, where the full argument
# is), so coordinators see the list a teen gets.
MAX_OFFERS = OFFERS_SHOWN


def now() -> datetime:
    return datetime.now(timezone.utc)


def country_of(tracker: Tracker) -> str:
    from bot.actions import settings

    country = tracker.get_slot("country")
    return country if country in ("BE", "NL") else settings.escalation_default_country


def helplines_text(country: str, risk: str | None, at: datetime | None = None) -> str | None:
    """The rendered offers (the directory's own texts), or None when it cannot be read."""
    from bot.actions import settings

    at = at or now()
    try:
        directory = load_directory(settings.helplines_file)
        offers = offers_to_show(country, risk, at, MAX_OFFERS, directory)
        return render_offers(offers, at)
    except Exception as error:  # fail safe: the fixed numbers still go out
        log.error("helplines_unavailable", error=type(error).__name__)
        return None


def utter_helplines(
    dispatcher: CollectingDispatcher, tracker: Tracker, risk: str | None, response: str
) -> None:
    text = helplines_text(country_of(tracker), risk)
    if text is None:
        dispatcher.utter_message(response="utter_helplines_unavailable")
    else:
        dispatcher.utter_message(response=response, helplines=text)


class ActionHelplines(Action):
    """The helplines for the teen's country and risk; in a group the group version."""

    def name(self) -> str:
        return "action_helplines"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("chat_type") == "group":
            # In front of the group: the general order (the teen's risk stays private),
            # and not again within a few minutes: "help" typed five times is one list.
            last = last_said_at(tracker, "utter_group_helplines")
            if last is None or time.time() - last >= GROUP_REPEAT_S:
                utter_helplines(dispatcher, tracker, "indirect", "utter_group_helplines")
            return []
        risk = tracker.get_slot("conversation_risk") or "indirect"
        utter_helplines(dispatcher, tracker, risk, "utter_helplines")
        return []
