"""What every action needs to know about the conversation: the channel's metadata,
the NLU verdict, risk levels. Pure functions over the tracker; no I/O.

The gateway's metadata contract (stories/README.md): ``chat_type`` ("group" or
"private"), ``country`` ("BE" or "NL"), ``teen_telegram_id``, ``group_chat_id``,
``reply_to_telegram_id`` (the author of the message this one replies to, if any) and
``update_id`` (integers).

The verdict carries two levels (nlu/risk.py): ``risk``, the fail-safe care level that
decides the private questions, the emergency numbers and the escalation; and
``public_risk`` (never above it), which only decides how much the bot says in front of
the group.
"""

from __future__ import annotations

import hashlib
from typing import Any

from rasa_sdk import Tracker

LEVELS = ("none", "distress", "indirect", "direct", "imminent")
_INTENT_LEVEL = {
    "risk_distress": "distress",
    "risk_indirect": "indirect",
    "risk_direct": "direct",
    "risk_imminent": "imminent",
}


def rank(level: str | None) -> int:
    return LEVELS.index(level) if level in LEVELS else 0


def higher(a: str | None, b: str | None) -> str:
    return a if rank(a) >= rank(b) and a in LEVELS else (b if b in LEVELS else "none")


def metadata(tracker: Tracker) -> dict[str, Any]:
    return dict(tracker.latest_message.get("metadata") or {})


def verdict_risk(message: dict[str, Any]) -> str:
    """The message's risk: the verdict's, never below the intent's; unknown means imminent."""
    intent = (message.get("intent") or {}).get("name")
    from_intent = _INTENT_LEVEL.get(intent or "", "none")
    crisis = message.get("crisis")
    if not isinstance(crisis, dict) or "risk" not in crisis:
        return from_intent
    risk = crisis.get("risk")
    if risk not in LEVELS:
        return "imminent"  # fail safe: a verdict we cannot read is the highest
    return higher(risk, from_intent)


def verdict_public_risk(message: dict[str, Any]) -> str:
    """What the group may see of the message's risk: the verdict's public level, never
    above the care level; the care level itself when the verdict has no public level."""
    care = verdict_risk(message)
    crisis = message.get("crisis")
    public = crisis.get("public_risk") if isinstance(crisis, dict) else None
    if public not in LEVELS:
        return care
    return public if rank(public) <= rank(care) else care


def verdict_peer_harm(message: dict[str, Any]) -> bool:
    crisis = message.get("crisis")
    if isinstance(crisis, dict) and crisis.get("peer_harm"):
        return True
    return (message.get("intent") or {}).get("name") == "peer_harm"


def verdict_method_detail(message: dict[str, Any]) -> bool:
    """Does the message describe a method (the gateway hides it in a group)?"""
    crisis = message.get("crisis")
    return bool(isinstance(crisis, dict) and crisis.get("method_detail"))


def evidence_codes(message: dict[str, Any]) -> list[str]:
    """Rule ids and the classifier's intent (never text), as the escalation's evidence."""
    codes: list[str] = []
    crisis = message.get("crisis")
    evidence = crisis.get("evidence") if isinstance(crisis, dict) else None
    if isinstance(evidence, dict):
        for rule in (evidence.get("lexicon") or {}).get("rules") or []:
            if isinstance(rule, dict) and rule.get("id"):
                codes.append(f"lexicon:{rule['id']}")
        classifier = evidence.get("classifier") or {}
        if isinstance(classifier, dict) and classifier.get("intent"):
            codes.append(f"nlu:{classifier['intent']}")
    if not codes:
        intent = (message.get("intent") or {}).get("name")
        if intent:
            codes.append(f"nlu:{intent}")
    return codes[:16]


def session_mark(tracker: Tracker) -> str:
    """When the current session started (the same for every turn of it)."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return str(event.get("timestamp"))
    return "0"


def message_mark(tracker: Tracker) -> str:
    """The teen's latest message, the same for every action of its turn."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            update = (event.get("metadata") or {}).get("update_id")
            return f"u{update}" if update is not None else f"t{event.get('timestamp')}"
    return session_mark(tracker)


def idempotency_key(tracker: Tracker, risk: str, purpose: str) -> str:
    """The same key for the same step, however often it is retried.

    One key per teen, message (the teen's latest message: its update id, else its time),
    risk level and purpose ("group", "escalate", "handoff", "stop", "recurrence", "form",
    "answer.<slot>"): a retry of the same step never counts twice, while every later
    message reaches the service, which merges it into the teen's one active escalation,
    or opens a new one when the last was closed (a key per session once swallowed a
    new disclosure after a counsellor's hand back: the service answered the closed one).
    """
    raw = f"{tracker.sender_id}\0{message_mark(tracker)}\0{risk}\0{purpose}"
    return "rasa:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def last_known(tracker: Tracker, key: str) -> Any:
    """The latest value of a metadata key in this conversation (private messages lack
    ``group_chat_id``; the group message before them has it)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            value = (event.get("metadata") or {}).get(key)
            if value is not None:
                return value
    return None


def said_in_session(tracker: Tracker, response: str) -> bool:
    """Has the bot sent this response since the session started?"""
    return last_said_at(tracker, response) is not None


def last_said_at(tracker: Tracker, response: str) -> float | None:
    """When the bot last sent this response in this session (a Unix time), if it did."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return None
        if event.get("event") == "bot" and (event.get("metadata") or {}).get(
            "utter_action"
        ) == response:
            timestamp = event.get("timestamp")
            return float(timestamp) if isinstance(timestamp, (int, float)) else 0.0
    return None


def risk_messages_in_session(tracker: Tracker, at_least: str) -> int:
    """How many of the teen's messages in this session (group and private) had at
    least this risk, by the verdict each carried."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") == "user" and rank(
            verdict_risk(event.get("parse_data") or {})
        ) >= rank(at_least):
            count += 1
    return count
