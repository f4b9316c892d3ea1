"""Reads each user message once: the channel's metadata and the NLU verdict into slots.

Run by Rasa's ``action_extract_slots`` after every user message (the slots' custom
mapping in stories/domain/base.yml). In the private chat it also asks the escalation
service who speaks now, so the rules can keep the bot quiet while a counsellor holds
the conversation; when the service cannot answer, the bot speaks (fail safe: the teen
still gets the helplines) and the log says so, without any text or id. After a
counsellor hands back, the talk goes on where it was (``flow_step: stay``), never from
the first question again. Escalations that could not be recorded earlier are retried
on every message (and by a reminder: handoff.retry_pending).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import conversation as conv
from bot.actions.escalation_client import EscalationUnavailable, get_client
from bot.actions.handoff import is_retry_reminder, retry_pending
from common.logging import get_logger

log = get_logger(__name__)
MESSAGE_MAX_CHARS = 4096  # the service's limit, and Telegram's


class ActionReadMessage(Action):
    def name(self) -> str:
        return "action_read_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        if is_retry_reminder(message):
            return []  # the retry reminder, not a message: action_retry_escalations
        meta = conv.metadata(tracker)
        chat_type = meta.get("chat_type") if meta.get("chat_type") in ("group", "private") else None
        chat_type = chat_type or tracker.get_slot("chat_type") or "private"
        country = meta.get("country") if meta.get("country") in ("BE", "NL") else None
        risk = conv.verdict_risk(message)
        before = tracker.get_slot("conversation_risk") or "none"
        events = [
            SlotSet("chat_type", chat_type),
            SlotSet("message_risk", risk),
            SlotSet("message_public_risk", conv.verdict_public_risk(message)),
            SlotSet("peer_harm", conv.verdict_peer_harm(message)),
            SlotSet("method_detail", conv.verdict_method_detail(message)),
            SlotSet("conversation_risk", conv.higher(before, risk)),
        ]
        if country is not None:
            events.append(SlotSet("country", country))
        if risk != "none" and conv.rank(risk) >= conv.rank(before):
            events.append(SlotSet("evidence", conv.evidence_codes(message)))
        if chat_type == "private":
            speaker, counsellor_talked = await self._speaker(tracker, meta)
            events.append(SlotSet("speaker", speaker))
            if (
                speaker == "bot"
                and counsellor_talked
                and tracker.get_slot("flow_step") is None
                and not (tracker.active_loop or {}).get("name")
            ):
                # Handed back by a counsellor: the talk goes on from there; the bot does
                # not start the direct questions again after a human has talked.
                events.append(SlotSet("flow_step", "stay"))
            if speaker == "bot":
                await self._keep_for_the_counsellor(tracker, message)
        # Escalations that could not be recorded before: every message tries again (the
        # reminder already scheduled goes on if this try fails too).
        events += await retry_pending(tracker, reschedule=False)
        return events

    async def _keep_for_the_counsellor(self, tracker: Tracker, message: dict[str, Any]) -> None:
        """What the teen writes privately once an escalation exists goes into its record
        (encrypted, purged with the retention), so that the counsellor who reads it later
        reads what the teen said after the questions ("vanavond", "bij het spoor")."""
        escalation_id = tracker.get_slot("escalation_id")
        text = message.get("text")
        if not escalation_id or not isinstance(text, str) or not text.strip():
            return
        if text.lstrip().startswith("/") or text.startswith(("activity:", "plan:")):
            return  # commands and buttons are not the teen's words
        try:
            await get_client().add_message(str(escalation_id), text[:MESSAGE_MAX_CHARS], "teen")
        except EscalationUnavailable as error:
            log.warning("teen_message_not_kept", reason=error.reason)

    async def _speaker(self, tracker: Tracker, meta: dict[str, Any]) -> tuple[str, bool]:
        """Who speaks now, and whether a counsellor has talked with the teen (holds the
        conversation now or held it: the last speaker, or a recently closed escalation)."""
        held_before = tracker.get_slot("speaker") == "counsellor"
        teen = conv.as_int(meta.get("teen_telegram_id"))
        if teen is None:
            return "bot", held_before
        try:
            answer = await get_client().who_speaks(teen)
        except EscalationUnavailable as error:
            log.warning("who_speaks_unavailable", reason=error.reason, fallback="bot")
            return "bot", held_before
        speaker = "counsellor" if answer.get("speaker") == "counsellor" else "bot"
        return speaker, held_before or bool(answer.get("last_outcome"))
