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
- peer harm with no risk of the author's own: how we talk here, and a private word
  to the author (with a risk of their own, that risk decides).
- method detail: the gateway hides the message (a ``moderation`` custom payload); a
  private note on safe wording when it is not the author's own crisis.

Every text is a domain response; this action only chooses. The slot ``group_said``
lists what it said (for the transcripts and the tracker's readers), never text.
"""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import conversation as conv
from bot.actions.handoff import create_escalation, escalate_at

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


def group_lines(tracker: Tracker, risk: str, peer_harm: bool, now: float) -> list[str]:
    """The responses for this group message, in order."""
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
    if peer_harm:
        return ["utter_group_how_we_talk", "utter_peer_harm_private_note"]
    return []


class ActionGroupReply(Action):
    def name(self) -> str:
        return "action_group_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        from bot.actions import settings

        risk = tracker.get_slot("message_risk") or "none"
        lines = group_lines(tracker, risk, bool(tracker.get_slot("peer_harm")), time.time())
        if tracker.get_slot("method_detail"):
            dispatcher.utter_message(json_message=MODERATION_HIDE)
            if conv.rank(risk) < conv.rank("indirect"):
                # Not the author's own crisis (a story, the news): a kind word on wording.
                lines.append("utter_safe_wording_note")
        for line in lines:
            dispatcher.utter_message(response=line)
        events: list[dict[str, Any]] = [SlotSet("group_said", lines)]
        if conv.rank(risk) >= conv.rank("indirect"):
            events += await escalate_at(tracker, risk, "group")
        elif (
            risk == "distress"
            and conv.risk_messages_in_session(tracker, "distress")
            >= settings.distress_escalate_after
        ):
            answer = await create_escalation(tracker, "distress", "recurrence")
            if answer is not None:
                events.append(SlotSet("escalation_id", answer["escalation"]["id"]))
        return events
