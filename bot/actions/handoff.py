"""Escalation to a counsellor: quietly from the group, and the handoff after the questions.

``action_escalate`` records an escalation at the conversation's risk and says nothing
(the group already got its caring line). ``action_handoff`` runs after the direct
questions: on any sign of a plan (a yes, or "ik weet het niet", to a method, a time or
a place) it gives 112 and the 24/7 line first (unless it just did in this session);
it records the escalation with the answers and the evidence, tells the teen honestly
whether a counsellor will join or none is online now (with the lines open now), and
sets ``flow_step``. Creates are idempotent per teen, session and risk level, so a
retry never makes a second one. When the service is down the teen still gets the
helplines, and the log says so.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import conversation as conv
from bot.actions.escalation_client import EscalationUnavailable, get_client
from bot.actions.helpline_offers import utter_helplines
from common.logging import get_logger

log = get_logger(__name__)
ANSWER_SLOTS = {
    "thoughts": "thoughts_of_suicide",
    "has_method": "has_method",
    "has_time": "has_time",
    "has_place": "has_place",
}
PLAN_SLOTS = ("has_method", "has_time", "has_place")


def answers(tracker: Tracker) -> dict[str, str]:
    return {
        field: tracker.get_slot(slot)
        for slot, field in ANSWER_SLOTS.items()
        if tracker.get_slot(slot) in ("yes", "no", "unknown")
    }


def plan_signalled(tracker: Tracker) -> bool:
    """A yes, or an unsure answer (fail safe), to a method, a time or a place."""
    return any(tracker.get_slot(slot) in ("yes", "unknown") for slot in PLAN_SLOTS)


def escalation_body(
    tracker: Tracker, risk: str, purpose: str, hold_s: int = 0
) -> dict[str, Any] | None:
    """The create request, or None when the channel gave no Telegram ids to reach the teen."""
    meta = conv.metadata(tracker)
    teen = conv.as_int(
        meta.get("teen_telegram_id") or conv.last_known(tracker, "teen_telegram_id")
    )
    group = conv.as_int(meta.get("group_chat_id") or conv.last_known(tracker, "group_chat_id"))
    if teen is None or group is None:
        return None
    evidence = []
    for code in tracker.get_slot("evidence") or []:
        source, _, name = code.partition(":")
        evidence.append({"source": source if source == "lexicon" else "nlu", "code": name})
    activities = tracker.get_slot("activities") or []
    evidence += [
        {"source": "dialogue", "code": f"activity_chosen.{a}"}
        for a in activities
        if a in ACTIVITY_CODES
    ]
    body: dict[str, Any] = {
        "idempotency_key": conv.idempotency_key(tracker, risk, purpose),
        "teen_telegram_id": teen,
        "group_chat_id": group,
        "risk_level": risk,
        "reason_codes": [f"dialogue.{risk}"],
        "evidence": evidence[:32],
        "answers": answers(tracker),
    }
    country = tracker.get_slot("country")
    if country in ("BE", "NL"):
        body["country"] = country
    if hold_s > 0:
        body["notify_after_s"] = hold_s
    return body


ACTIVITY_CODES = (
    "cold_water", "new_dance", "warm_shower", "book_or_song", "text_friends", "call_helpline"
)


async def create_escalation(
    tracker: Tracker, risk: str, purpose: str, hold_s: int = 0
) -> dict[str, Any] | None:
    """Record the escalation (the service merges it into the teen's active one, if any);
    None when it could not be (logged, never with ids or text).

    ``hold_s`` > 0: counsellors are told only if nothing more comes within that time
    (the service keeps the timer, so it survives restarts); a later create without a
    hold (the answers, a higher risk) tells them at once.
    """
    body = escalation_body(tracker, risk, purpose, hold_s)
    if body is None:
        log.error("escalation_not_possible", reason="no_telegram_ids_in_metadata", risk=risk)
        return None
    try:
        answer = await get_client().create(body)
    except EscalationUnavailable as error:
        log.error("escalation_unavailable", reason=error.reason, risk=risk)
        return None
    log.info(
        "escalation_recorded",
        risk=risk,
        purpose=purpose,
        held=hold_s > 0,
        created=answer.get("created"),
        merged=answer.get("merged"),
        delivery=answer.get("delivery"),
        counsellor_available=answer.get("counsellor_available"),
    )
    return answer


def silence_hold_s(risk: str) -> int:
    """``indirect`` waits for the teen's answers (SILENCE_ESCALATE_AFTER_S); higher does not."""
    from bot.actions import settings

    return settings.silence_escalate_after_s if risk == "indirect" else 0


async def escalate_at(
    tracker: Tracker, risk: str, purpose: str
) -> list[dict[str, Any]]:
    """Escalate at ``risk`` (held when indirect); the events that record it."""
    answer = await create_escalation(tracker, risk, purpose, silence_hold_s(risk))
    if answer is None:
        return []
    return [SlotSet("escalation_id", answer["escalation"]["id"])]


class ActionEscalate(Action):
    """Quietly record an escalation at the conversation's risk: at once from ``direct``,
    held for ``indirect`` (a counsellor is told if the teen goes silent)."""

    def name(self) -> str:
        return "action_escalate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        risk = conv.higher(tracker.get_slot("conversation_risk"), tracker.get_slot("message_risk"))
        if conv.rank(risk) < conv.rank("indirect"):
            return []
        return await escalate_at(tracker, risk, "escalate")


class ActionHandoff(Action):
    """After the direct questions: escalate with the answers, say what happens next."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        quiet = tracker.get_slot("speaker") == "counsellor"
        talk = _Muted() if quiet else dispatcher
        detected = tracker.get_slot("conversation_risk") or "indirect"
        thoughts = tracker.get_slot("thoughts")
        if plan_signalled(tracker) or detected == "imminent":
            risk, step = "imminent", "stay"
            if not conv.said_in_session(tracker, "utter_imminent_now"):
                talk.utter_message(response="utter_imminent_now")
        elif thoughts == "no":
            # One no after a strong signal does not close it: a counsellor is still told.
            risk, step = detected, "checkin"
            talk.utter_message(response="utter_checkin_after_no")
        else:
            risk, step = conv.higher(detected, "direct"), "safety_plan"
        events: list[dict[str, Any]] = [SlotSet("conversation_risk", conv.higher(detected, risk))]
        if conv.rank(risk) >= conv.rank("distress"):
            answer = await create_escalation(tracker, risk, "handoff")
            if answer is None:
                utter_helplines(talk, tracker, risk, "utter_helplines")
            else:
                events.append(SlotSet("escalation_id", answer["escalation"]["id"]))
                if step == "checkin":
                    talk.utter_message(response="utter_checkin_counsellor_told")
                elif answer.get("counsellor_available"):
                    talk.utter_message(response="utter_counsellor_coming")
                else:
                    utter_helplines(talk, tracker, risk, "utter_no_counsellor_now")
        if step == "stay":
            talk.utter_message(response="utter_stay_with_you")
        events.append(SlotSet("flow_step", step))
        return events


class _Muted:
    """A dispatcher that says nothing: a counsellor holds the conversation."""

    def utter_message(self, *args: Any, **kwargs: Any) -> None:
        return None
