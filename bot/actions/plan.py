"""The teen's own list (activities, reasons to live, people to reach): shown after the
safety-plan form, kept in the escalation service only when the teen says yes, shown
again with /mijnlijst and forgotten with the "Wis mijn lijstje" button (/forget_list).

The list is sent to the private chat even when /mijnlijst is typed in a group (no
response here has ``route: group``). The Telegram id goes to the service in bodies only.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import conversation as conv
from bot.actions.escalation_client import EscalationUnavailable, get_client
from common.logging import get_logger

log = get_logger(__name__)
SECTIONS = (
    ("activities", "utter_plan_activities", "activity_list"),
    ("reasons", "utter_plan_reasons", "reasons_list"),
    ("contacts", "utter_plan_contacts", "contact_list"),
)


def utter_plan(dispatcher: CollectingDispatcher, plan: dict[str, Any]) -> bool:
    """One short message per section that has items; False when the list is empty."""
    said = False
    for key, response, placeholder in SECTIONS:
        items = [str(item) for item in plan.get(key) or []]
        if items:
            dispatcher.utter_message(
                response=response, **{placeholder: "\n".join(f"• {item}" for item in items)}
            )
            said = True
    return said


def _teen(tracker: Tracker) -> int | None:
    return conv.as_int(
        conv.metadata(tracker).get("teen_telegram_id")
        or conv.last_known(tracker, "teen_telegram_id")
    )


async def save_plan(tracker: Tracker, plan: dict[str, list[str]]) -> bool:
    teen = _teen(tracker)
    if teen is None:
        log.error("plan_not_saved", reason="no_telegram_id_in_metadata")
        return False
    try:
        await get_client().save_plan(teen, plan)
    except EscalationUnavailable as error:
        log.error("plan_not_saved", reason=error.reason)
        return False
    log.info("plan_saved", activities=len(plan["activities"]), reasons=len(plan["reasons"]),
             contacts=len(plan["contacts"]))
    return True


class ActionShowPlan(Action):
    """/mijnlijst: the kept list; when there is none yet, the private chat offers to make one."""

    def name(self) -> str:
        return "action_show_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        teen = _teen(tracker)
        try:
            answer = await get_client().read_plan(teen) if teen is not None else None
        except EscalationUnavailable as error:
            log.error("plan_unavailable", reason=error.reason)
            dispatcher.utter_message(response="utter_plan_unavailable")
            return [SlotSet("plan_state", "unavailable")]
        plan = (answer or {}).get("plan") or {}
        if utter_plan(dispatcher, plan):
            dispatcher.utter_message(response="utter_my_plan_footer")
            return [SlotSet("plan_state", "shown")]
        offer = (
            tracker.get_slot("chat_type") == "private"
            and tracker.get_slot("speaker") != "counsellor"
            and tracker.active_loop_name is None
        )
        response = "utter_no_plan_make_one" if offer else "utter_no_plan_yet"
        dispatcher.utter_message(response=response)
        return [SlotSet("plan_state", "none")]


class ActionForgetPlan(Action):
    """The "Wis mijn lijstje" button: the service forgets the list (said either way)."""

    def name(self) -> str:
        return "action_forget_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        teen = _teen(tracker)
        if teen is not None:
            try:
                await get_client().delete_plan(teen)
            except EscalationUnavailable as error:
                log.error("plan_not_forgotten", reason=error.reason)
                dispatcher.utter_message(response="utter_plan_unavailable")
                return []
        dispatcher.utter_message(response="utter_plan_forgotten")
        return [SlotSet("plan_state", None)]
