"""/stop in the private chat: the bot ends its talk politely; an escalation stays.

A teen who stops after a worrying signal is still escalated, quietly, at the
detector's level, and at once (a held escalation is released): fail safe, humans decide.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import conversation as conv
from bot.actions.handoff import record_escalation

FORM_SLOTS = ("thoughts", "has_method", "has_time", "has_place", "trusted_contact",
              "contact_names", "activity_choice", "reasons", "keep_plan")


class ActionStopPrivate(Action):
    def name(self) -> str:
        return "action_stop_private"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        events += [SlotSet(slot, None) for slot in FORM_SLOTS]
        risk = tracker.get_slot("conversation_risk") or "none"
        recorded = None
        if conv.rank(risk) >= conv.rank("indirect"):
            # Told now, not held: the teen has ended the talk (merged into theirs, if any).
            recorded = await record_escalation(tracker, risk, "stop")
            events += recorded.events
        if tracker.get_slot("speaker") != "counsellor":
            dispatcher.utter_message(response="utter_stop_private")
            if recorded is not None and not recorded.landed:
                # nobody could be told: say so, with the numbers (the retry goes on)
                dispatcher.utter_message(response="utter_lines_now")
        events.append(SlotSet("flow_step", tracker.get_slot("flow_step") or "checkin"))
        return events
