"""Escalation to a counsellor: quietly from the group, and the handoff after the questions.

``action_escalate`` records an escalation at the conversation's risk and says nothing
(the group already got its caring line). ``action_handoff`` runs after the direct
questions: on any sign of a plan (a yes, or "ik weet het niet", to a method, a time or
a place) it gives 112 and the 24/7 line first (unless it just did in this session);
it records the escalation with the answers and the evidence, tells the teen honestly
whether a counsellor will join or none is online now (with the lines open now), and
sets ``flow_step``. Creates are idempotent per teen, message, risk level and step, so a
retry never makes a second one. An escalation needs a teen, not a group. When the
service cannot be reached the teen gets 112 and the 24/7 line at once, and the request
is kept in the conversation and retried until it lands (:func:`record_escalation`,
:func:`retry_pending`, ``action_retry_escalations`` on a per-teen reminder).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ReminderScheduled, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import conversation as conv
from bot.actions.escalation_client import EscalationUnavailable, get_client
from bot.actions.helpline_offers import country_of, helplines_text
from common.logging import get_logger

log = get_logger(__name__)
ANSWER_SLOTS = {
    "thoughts": "thoughts_of_suicide",
    "has_method": "has_method",
    "has_time": "has_time",
    "has_place": "has_place",
}
PLAN_SLOTS = ("has_method", "has_time", "has_place")
ANSWER_TEXT_MAX = 300


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
    tracker: Tracker,
    risk: str,
    purpose: str,
    hold_s: int = 0,
    *,
    answers_now: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """The create request, or None when the channel gave no Telegram id to reach the teen.

    An escalation needs a teen, not a group: ``group_chat_id`` is sent when the teen has
    written in a group this session, and left out for a teen who only writes privately.
    ``answers_now`` carries an answer being given in this turn (its slot is not set yet);
    the teen's own words to the questions come from the slot ``answer_texts``.
    """
    meta = conv.metadata(tracker)
    teen = conv.as_int(
        meta.get("teen_telegram_id") or conv.last_known(tracker, "teen_telegram_id")
    )
    if teen is None:
        return None
    group = conv.as_int(meta.get("group_chat_id") or conv.last_known(tracker, "group_chat_id"))
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
    texts = tracker.get_slot("answer_texts") or {}
    body: dict[str, Any] = {
        "idempotency_key": conv.idempotency_key(tracker, risk, purpose),
        "teen_telegram_id": teen,
        "risk_level": risk,
        "reason_codes": [f"dialogue.{risk}"],
        "evidence": evidence[:32],
        "answers": {**answers(tracker), **(answers_now or {})},
    }
    if group is not None:
        body["group_chat_id"] = group
    # The service takes 1-300 characters per answer; anything else would refuse the whole
    # escalation (and every retry of it).
    kept = {k: " ".join(str(v).split())[:ANSWER_TEXT_MAX] for k, v in texts.items()
            if k in ANSWER_SLOTS.values() and isinstance(v, str) and v.strip()}
    if kept:
        body["answer_texts"] = kept
    country = tracker.get_slot("country")
    if country in ("BE", "NL"):
        body["country"] = country
    if hold_s > 0:
        body["notify_after_s"] = hold_s
    return body


ACTIVITY_CODES = (
    "cold_water", "new_dance", "warm_shower", "book_or_song", "text_friends", "call_helpline"
)
# A create that failed is retried with the same body (the same idempotency key: never
# twice) on the teen's next message and by a reminder, sooner first.
RETRY_FIRST_S = 30
RETRY_MAX_S = 300
RETRY_REMINDER = "retry_escalation"
RETRY_INTENT = "EXTERNAL_retry_escalation"


def is_retry_reminder(message: dict[str, Any] | None) -> bool:
    """Is this "message" the retry reminder (``EXTERNAL: ...``), not the teen?"""
    return ((message or {}).get("intent") or {}).get("name") == RETRY_INTENT


@dataclass
class Recorded:
    """The outcome of recording an escalation: the service's answer (None when it could
    not be reached or the teen cannot be identified) and the events to return."""

    answer: dict[str, Any] | None
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def landed(self) -> bool:
        return self.answer is not None


def _landed_events(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [SlotSet("escalation_id", answer["escalation"]["id"])]


def retry_reminder(tracker: Tracker, attempts: int) -> dict[str, Any]:
    """The reminder that runs action_retry_escalations: 30 s, 60 s, ... at most 5 min
    after the ``attempts``-th try. One per teen: Rasa 3.6 keys its scheduler's jobs by the
    reminder's name alone, so the name carries the (pseudonymous) sender id; a fixed name
    made every teen's reminder replace the others'."""
    delay = min(RETRY_FIRST_S * 2 ** max(attempts - 1, 0), RETRY_MAX_S)
    event: dict[str, Any] = ReminderScheduled(
        RETRY_INTENT,
        trigger_date_time=datetime.now() + timedelta(seconds=delay),
        name=f"{RETRY_REMINDER}:{tracker.sender_id}",
        kill_on_user_message=False,
    )
    return event


def _pending(tracker: Tracker) -> list[dict[str, Any]]:
    return [p for p in tracker.get_slot("pending_escalations") or []
            if isinstance(p, dict) and isinstance(p.get("body"), dict)]


async def record_escalation(
    tracker: Tracker,
    risk: str,
    purpose: str,
    hold_s: int = 0,
    *,
    answers_now: dict[str, str] | None = None,
) -> Recorded:
    """Record the escalation (the service merges it into the teen's active one, if any).

    When the service cannot be reached, the request is kept in the conversation
    (``pending_escalations``, stored by Rasa's tracker store) and retried until it lands
    (:func:`retry_pending`); the caller gives the teen 112 and the 24/7 line at once.
    Logged without ids or text.

    ``hold_s`` > 0: counsellors are told only if nothing more comes within that time
    (the service keeps the timer, so it survives restarts); a later create without a
    hold (the answers, a higher risk) tells them at once.
    """
    body = escalation_body(tracker, risk, purpose, hold_s, answers_now=answers_now)
    if body is None:
        log.error("escalation_not_possible", reason="no_teen_id_in_metadata", risk=risk)
        return Recorded(None)
    try:
        answer = await get_client().create(body)
    except EscalationUnavailable as error:
        log.error("escalation_unavailable", reason=error.reason, risk=risk, will_retry=True)
        pending = [p for p in _pending(tracker)
                   if p["body"].get("idempotency_key") != body["idempotency_key"]]
        pending.append({"body": body, "attempts": 1})
        return Recorded(None, [SlotSet("pending_escalations", pending),
                                retry_reminder(tracker, 1)])
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
    return Recorded(answer, _landed_events(answer))


async def retry_pending(tracker: Tracker, *, reschedule: bool = True) -> list[dict[str, Any]]:
    """Send the escalations that could not be recorded before, oldest first; the events
    that keep what still failed (with a new reminder, unless ``reschedule`` is false: a
    slot-mapping action may only set slots, and the reminder already scheduled stays)
    and record what landed."""
    pending = _pending(tracker)
    if not pending:
        return []
    left: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    client = get_client()
    for item in pending:
        if left:  # the service is still down: don't wait on every timeout
            left.append({**item, "attempts": int(item.get("attempts", 1)) + 1})
            continue
        try:
            answer = await client.create(item["body"])
        except EscalationUnavailable as error:
            log.error("escalation_retry_failed", reason=error.reason,
                      attempts=int(item.get("attempts", 1)) + 1)
            left.append({**item, "attempts": int(item.get("attempts", 1)) + 1})
            continue
        log.info("escalation_retry_landed", risk=item["body"].get("risk_level"),
                 attempts=int(item.get("attempts", 1)) + 1, delivery=answer.get("delivery"))
        events += _landed_events(answer)
    events.append(SlotSet("pending_escalations", left or None))
    if left and reschedule:
        events.append(retry_reminder(tracker, max(int(p.get("attempts", 1)) for p in left)))
    return events


def silence_hold_s(risk: str) -> int:
    """``indirect`` waits for the teen's answers (SILENCE_ESCALATE_AFTER_S); higher does not."""
    from bot.actions import settings

    return settings.silence_escalate_after_s if risk == "indirect" else 0


async def escalate_at(tracker: Tracker, risk: str, purpose: str) -> Recorded:
    """Escalate at ``risk`` (held when indirect)."""
    return await record_escalation(tracker, risk, purpose, silence_hold_s(risk))


def utter_lines_now(dispatcher: Any, tracker: Tracker) -> None:
    """The escalation could not be recorded: 112 and the 24/7 line at once, in the chat
    the teen wrote in (unless the emergency line was just said there)."""
    if tracker.get_slot("chat_type") == "group" or conv.metadata(tracker).get(
        "chat_type"
    ) == "group":
        dispatcher.utter_message(response="utter_group_lines_now")
    else:
        dispatcher.utter_message(response="utter_lines_now")


class ActionEscalate(Action):
    """Quietly record an escalation at the conversation's risk: at once from ``direct``,
    held for ``indirect`` (a counsellor is told if the teen goes silent). If it cannot be
    recorded, the teen gets 112 and the 24/7 line now, and it is retried until it lands."""

    def name(self) -> str:
        return "action_escalate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        risk = conv.higher(tracker.get_slot("conversation_risk"), tracker.get_slot("message_risk"))
        if conv.rank(risk) < conv.rank("indirect"):
            return []
        recorded = await escalate_at(tracker, risk, "escalate")
        if not recorded.landed and tracker.get_slot("speaker") != "counsellor":
            utter_lines_now(dispatcher, tracker)
        return recorded.events


WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def shift_text(next_shift_at: str | None, now: datetime | None = None) -> str | None:
    """When the next shift starts, as a teen reads it: "vandaag om 16:00", "morgen om
    16:00", "maandag om 16:00" (in the service's own time zone, from the ISO offset)."""
    if not next_shift_at:
        return None
    try:
        moment = datetime.fromisoformat(str(next_shift_at).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    today = (now or datetime.now(moment.tzinfo)).astimezone(moment.tzinfo).date()
    days = (moment.date() - today).days
    clock = moment.strftime("%H:%M")
    if days <= 0:
        return f"vandaag om {clock}"
    if days == 1:
        return f"morgen om {clock}"
    return f"{WEEKDAYS[moment.weekday()]} om {clock}"


def utter_what_happens_next(
    talk: Any, tracker: Tracker, risk: str, answer: dict[str, Any]
) -> None:
    """Honest about who comes: a counsellor on duty now, or when the next shift starts
    (and the lines open now, 112 and the 24/7 line among them). Never invents a person."""
    if answer.get("counsellor_available"):
        talk.utter_message(response="utter_counsellor_coming")
        return
    lines = helplines_text(country_of(tracker), risk)
    if lines is None:
        talk.utter_message(response="utter_helplines_unavailable")
        lines = ""
    when = shift_text(answer.get("next_shift_at"))
    if when is not None:
        talk.utter_message(response="utter_no_counsellor_now", next_shift=when, helplines=lines)
    else:
        talk.utter_message(response="utter_no_counsellor_yet", helplines=lines)


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
        said_numbers = False
        if plan_signalled(tracker) or detected == "imminent":
            risk, step = "imminent", "stay"
            if not conv.said_in_session(tracker, "utter_imminent_now"):
                talk.utter_message(response="utter_imminent_now")
                said_numbers = True
        elif thoughts == "no":
            # One no after a strong signal does not close it: a counsellor is still told.
            risk, step = detected, "checkin"
            talk.utter_message(response="utter_checkin_after_no")
        else:
            risk, step = conv.higher(detected, "direct"), "safety_plan"
        events: list[dict[str, Any]] = [SlotSet("conversation_risk", conv.higher(detected, risk))]
        if conv.rank(risk) >= conv.rank("distress"):
            recorded = await record_escalation(tracker, risk, "handoff")
            events += recorded.events
            if recorded.answer is None:
                if not said_numbers:
                    talk.utter_message(response="utter_lines_now")
            elif step == "checkin":
                talk.utter_message(response="utter_checkin_counsellor_told")
            else:
                utter_what_happens_next(talk, tracker, risk, recorded.answer)
        if step == "stay":
            talk.utter_message(response="utter_stay_with_you")
        events.append(SlotSet("flow_step", step))
        return events


class ActionRetryEscalations(Action):
    """Runs on the retry reminder: sends what could not be recorded before. Says nothing
    (the teen already has 112 and the 24/7 line)."""

    def name(self) -> str:
        return "action_retry_escalations"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return await retry_pending(tracker)


class _Muted:
    """A dispatcher that says nothing: a counsellor holds the conversation."""

    def utter_message(self, *args: Any, **kwargs: Any) -> None:
        return None
