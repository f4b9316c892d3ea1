"""The two forms' validation: the direct questions and the teen's own activity list.

``validate_<slot>`` returns ``{slot: value}`` or ``{slot: None}`` (ask again). An answer
typed in the group is not taken as an answer to a private question.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import conversation as conv

MAX_ACTIVITIES = 5
OWN_ACTIVITY_MAX_CHARS = 80
_DONE = re.compile(
    r"^\s*(klaar|dat is (het|alles)|genoeg|ok(e|é|ay)? klaar|done|nee( dank je)?|niets meer"
    r"|niks meer|nope)\s*[.!]*\s*$",
    re.IGNORECASE,
)
_ACTIVITY_PAYLOAD = "activity:"
ACTIVITY_BUTTONS = "utter_ask_safety_plan_form_activity_choice"


def _in_group(tracker: Tracker) -> bool:
    return conv.metadata(tracker).get("chat_type") == "group"


class ValidateDirectQuestionsForm(FormValidationAction):
    def name(self) -> str:
        return "validate_direct_questions_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Stop after a no to the first question, and after the first sign of a plan."""
        if tracker.get_slot("thoughts") == "no":
            return ["thoughts"]
        needed = ["thoughts"]
        for slot in ("has_method", "has_time", "has_place"):
            needed.append(slot)
            if tracker.get_slot(slot) in ("yes", "unknown"):
                break
        return needed

    def validate_thoughts(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if _in_group(tracker) or value not in ("yes", "no", "unknown"):
            return {"thoughts": None}
        # Whatever the answer: thank them for their honesty.
        dispatcher.utter_message(response="utter_thanks_honesty")
        return {"thoughts": value}

    def _answer(self, slot: str, value: Any, tracker: Tracker) -> dict[str, Any]:
        if _in_group(tracker) or value not in ("yes", "no", "unknown"):
            return {slot: None}
        return {slot: value}

    def validate_has_method(self, value, dispatcher, tracker, domain):  # type: ignore[no-untyped-def]
        return self._answer("has_method", value, tracker)

    def validate_has_time(self, value, dispatcher, tracker, domain):  # type: ignore[no-untyped-def]
        return self._answer("has_time", value, tracker)

    def validate_has_place(self, value, dispatcher, tracker, domain):  # type: ignore[no-untyped-def]
        return self._answer("has_place", value, tracker)


def activity_labels(domain: DomainDict) -> dict[str, str]:
    """The activity buttons' labels by code, from the domain (texts live in responses)."""
    labels: dict[str, str] = {}
    for variation in (domain.get("responses") or {}).get(ACTIVITY_BUTTONS) or []:
        for button in variation.get("buttons") or []:
            payload = str(button.get("payload", ""))
            if payload.startswith(_ACTIVITY_PAYLOAD):
                labels.setdefault(payload[len(_ACTIVITY_PAYLOAD):], button.get("title", ""))
    labels.pop("done", None)
    return labels


class ValidateSafetyPlanForm(FormValidationAction):
    def name(self) -> str:
        return "validate_safety_plan_form"

    def validate_trusted_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if _in_group(tracker) or value not in ("yes", "no", "unknown"):
            return {"trusted_contact": None}
        dispatcher.utter_message(
            response="utter_trusted_contact_yes" if value == "yes" else "utter_trusted_contact_no"
        )
        if conv.rank(tracker.get_slot("conversation_risk")) >= conv.rank("indirect"):
            dispatcher.utter_message(response="utter_reduce_means")
        return {"trusted_contact": value}

    def validate_activity_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """One pick (a button) or the teen's own idea; done at 'Klaar' or five."""
        if _in_group(tracker) or not isinstance(value, str) or not value.strip():
            return {"activity_choice": None}
        chosen = list(tracker.get_slot("activities") or [])
        text = value.strip()
        if text == f"{_ACTIVITY_PAYLOAD}done" or _DONE.match(text):
            return {"activity_choice": "done", "activities": chosen}
        if text.startswith(_ACTIVITY_PAYLOAD):
            item = text[len(_ACTIVITY_PAYLOAD):]
            if item not in activity_labels(domain):
                return {"activity_choice": None}
        else:
            item = " ".join(text.split())[:OWN_ACTIVITY_MAX_CHARS]  # their own idea
        if item not in chosen:
            chosen.append(item)
        if len(chosen) >= MAX_ACTIVITIES:
            return {"activity_choice": "done", "activities": chosen}
        dispatcher.utter_message(response="utter_activity_added")
        return {"activity_choice": None, "activities": chosen}


class ActionSavePlan(Action):
    """Show the teen their own list (kept in the conversation; see stories/README.md)."""

    def name(self) -> str:
        return "action_save_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        labels = activity_labels(domain)
        chosen = tracker.get_slot("activities") or []
        if chosen:
            lines = "\n".join(f"• {labels.get(item, item)}" for item in chosen)
            dispatcher.utter_message(response="utter_plan_done", activity_list=lines)
        return [SlotSet("flow_step", "safety_plan")]
