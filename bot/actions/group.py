"""What the bot does after a teen's message in a peer group, by the NLU verdict.

In front of the group the bot never repeats the teen's words and never names the risk;
it also does not keep talking to one teen there, which would single them out:

- none: nothing.
- distress: a warm line, once per session; escalated at ``distress`` only when it
  recurs (``DISTRESS_ESCALATE_AFTER`` messages of distress or more in the session).
- indirect: a caring line and the private-chat button, once per session (said again
  when only a distress line came before); the escalation is made but held: a
  counsellor is told if the teen goes silent (``SILENCE_ESCALATE_AFTER_S``).
- direct: the same line; escalated at once.
- imminent: 112 and the 24/7 line, at most every 5 minutes; escalated at once.
- peer harm with no risk of the author's own: how we talk here, at most once per group
  in a short window whoever wrote (the escalation service decides), and a private word
  to the author; a reply to a teen at risk alerts the staff (the service) and the
  group's moderators (a ``moderation`` payload for the gateway). With a risk of their
  own, that risk decides.
- care and public level: the words follow the verdict's public level (a softer line
  when only the fail-safe care level sees a crisis); the escalation and the emergency
  numbers follow the care level. If the escalation cannot be recorded, 112 and the
  24/7 line go out at once and it is retried until it lands.
- method detail: the gateway hides the message (a ``moderation`` custom payload); a
  private note on safe wording when it is not the author's own crisis.

Every text is a domain response; this action only chooses. The slot ``group_said``
lists what it said (for the transcripts and the tracker's readers), never text.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import conversation as conv
from bot.actions.escalation_client import EscalationUnavailable, get_client
from bot.actions.handoff import escalate_at, record_escalation
from common.logging import get_logger

log = get_logger(__name__)

IMMINENT_REPEAT_S = 300
# The gateway hides the message in the group (when it can) on this custom payload.
MODERATION_HIDE = {"moderation": {"action": "hide", "reason": "method_detail"}}


def _said_level(tracker: Tracker) -> str:
    """The highest level the bot has answered in a group this session."""
    if conv.said_in_session(tracker, "utter_group_imminent"):
        return "imminent"
    if conv.said_in_session(tracker, "utter_group_reach_out"):
        return "indirect"
    if conv.said_in_session(tracker, "utter_group_distress"):
        return "distress"
    return "none"


def group_lines(tracker: Tracker, risk: str, now: float) -> list[str]:
    """The responses for this group message's risk, in order (peer harm without a risk
    of the author's own: ActionGroupReply._peer_harm_lines)."""
    said = _said_level(tracker)
    if risk == "imminent":
        last = conv.last_said_at(tracker, "utter_group_imminent")
        return [] if last is not None and now - last < IMMINENT_REPEAT_S else [
            "utter_group_imminent"
        ]
    if risk in ("indirect", "direct"):
        return [] if conv.rank(said) >= conv.rank("indirect") else ["utter_group_reach_out"]
    if risk == "distress":
        return [] if said != "none" else ["utter_group_distress"]
    return []


PEER_HARM_NOTE_REPEAT_S = 600
MODERATORS_ALERT = {"moderation": {"action": "alert_moderators", "reason": "peer_harm_at_risk"}}


def shown_level(care: str, public: str) -> str:
    """What the group sees of a message: its public level, but at least a warm line
    with the private-chat button when the care level is a crisis (so that the teen can
    be asked privately), and the emergency numbers whenever the care level is imminent
    (numbers are safe in public; a life may depend on them)."""
    if care == "imminent":
        return "imminent"
    if conv.rank(care) >= conv.rank("indirect"):
        return conv.higher(public, "distress")
    return public


def peer_harm_key(tracker: Tracker) -> str:
    """One key per hurtful message (its update id), however often the action is retried."""
    meta = conv.metadata(tracker)
    mark = meta.get("update_id") or (tracker.latest_message or {}).get("message_id") or ""
    raw = f"{tracker.sender_id}\0{mark}\0{conv.session_mark(tracker)}"
    return "rasa-peer:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


async def report_peer_harm(tracker: Tracker) -> dict[str, Any] | None:
    """Tell the escalation service about a hurtful reply in a group: it decides whether
    this group gets a reminder now (one per group in a short window, whoever wrote) and
    alerts the staff when the reply answers a teen at risk. None when it cannot."""
    meta = conv.metadata(tracker)
    group = conv.as_int(meta.get("group_chat_id"))
    author = conv.as_int(meta.get("teen_telegram_id"))
    if group is None or author is None:
        return None
    body: dict[str, Any] = {
        "idempotency_key": peer_harm_key(tracker),
        "group_chat_id": group,
        "author_telegram_id": author,
    }
    target = conv.as_int(meta.get("reply_to_telegram_id"))
    if target is not None and target != author:
        body["target_telegram_id"] = target
    try:
        return await get_client().peer_harm(body)
    except EscalationUnavailable as error:
        log.warning("peer_harm_unreported", reason=error.reason)
        return None


class ActionGroupReply(Action):
    def name(self) -> str:
        return "action_group_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        from bot.actions import settings

        now = time.time()
        care = tracker.get_slot("message_risk") or "none"
        public = tracker.get_slot("message_public_risk") or care
        peer_harm = bool(tracker.get_slot("peer_harm"))
        shown = shown_level(care, public)
        lines = group_lines(tracker, shown, now)
        if peer_harm and shown == "none":
            lines = await self._peer_harm_lines(dispatcher, tracker, now)
        if tracker.get_slot("method_detail"):
            dispatcher.utter_message(json_message=MODERATION_HIDE)
            if conv.rank(care) < conv.rank("indirect"):
                # Not the author's own crisis (a story, the news): a kind word on wording.
                lines.append("utter_safe_wording_note")
        for line in lines:
            dispatcher.utter_message(response=line)
        events: list[dict[str, Any]] = [SlotSet("group_said", lines)]
        recorded = None
        if conv.rank(care) >= conv.rank("indirect"):
            recorded = await escalate_at(tracker, care, "group")
        elif (
            care == "distress"
            and conv.risk_messages_in_session(tracker, "distress")
            >= settings.distress_escalate_after
        ):
            recorded = await record_escalation(tracker, "distress", "recurrence")
        if recorded is not None:
            events += recorded.events
            if not recorded.landed and "utter_group_imminent" not in lines:
                # Nobody could be told: the numbers now, and the retry goes on quietly.
                dispatcher.utter_message(response="utter_group_lines_now")
        return events

    async def _peer_harm_lines(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, now: float
    ) -> list[str]:
        lines = []
        outcome = await report_peer_harm(tracker)
        if outcome is None:
            # The service decides per group; without it, at most one reminder from this
            # teen in the window (fail quiet: a reminder is not care).
            last = conv.last_said_at(tracker, "utter_group_how_we_talk")
            if last is None or now - last >= PEER_HARM_NOTE_REPEAT_S:
                lines.append("utter_group_how_we_talk")
        else:
            if outcome.get("remind"):
                lines.append("utter_group_how_we_talk")
            if outcome.get("target_at_risk"):
                # One alert per episode: the gateway keeps one message per alert_id and
                # edits its count (never a quote).
                alert: dict[str, Any] = {**MODERATORS_ALERT["moderation"],
                                         "alert_id": outcome.get("alert_id"),
                                         "count": outcome.get("alert_count")}
                dispatcher.utter_message(json_message={"moderation": alert})
        note = conv.last_said_at(tracker, "utter_peer_harm_private_note")
        if note is None or now - note >= PEER_HARM_NOTE_REPEAT_S:
            lines.append("utter_peer_harm_private_note")
        return lines
