"""The two forms' validation: the direct questions and the teen's own activity list.

``validate_<slot>`` returns ``{slot: value}`` or ``{slot: None}`` (ask again). An answer
typed in the group is not taken as an answer to a private question.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import conversation as conv
from bot.actions.handoff import (
    ANSWER_SLOTS as ANSWER_FIELDS,
)
from bot.actions.handoff import (
    escalate_at,
    is_retry_reminder,
    record_escalation,
    retry_reminder,
)

MAX_ACTIVITIES = 5
OWN_ACTIVITY_MAX_CHARS = 80
_DONE = re.compile(
    r"^\s*(klaar|dat is (het|alles)|genoeg|ok(e|é|ay)? klaar|done|nee( dank je)?|niets meer"
    r"|niks meer|nope)\s*[.!]*\s*$",
    re.IGNORECASE,
)
_ACTIVITY_PAYLOAD = "activity:"
ACTIVITY_BUTTONS = "utter_ask_safety_plan_form_activity_choice"


_SKIP = re.compile(
    r"^\s*(plan:skip|overslaan|sla over|skip|nee|niemand|niets|niks|liever niet|weet ik niet"
    r"|ik weet het niet|geen idee)\s*[.!]*\s*$",
    re.IGNORECASE,
)
_LIST_SPLIT = re.compile(r"\s*(?:[,;\n]|\s-\s)\s*")
MAX_CONTACTS = 5
CONTACT_MAX_CHARS = 120
MAX_REASONS = 5
REASON_MAX_CHARS = 200
# The slots the forms fill from what the teen answers (never from a group message).
FORM_ANSWER_SLOTS = frozenset({
    "thoughts", "has_method", "has_time", "has_place", "trusted_contact", "contact_names",
    "activity_choice", "reasons", "keep_plan",
})


def _in_group(tracker: Tracker) -> bool:
    return conv.metadata(tracker).get("chat_type") == "group"


def _items(text: str, limit: int, max_chars: int) -> list[str]:
    """The teen's own words as list items: split on commas, semicolons and new lines."""
    items = []
    for part in _LIST_SPLIT.split(text):
        item = " ".join(part.split())[:max_chars]
        if item and item not in items:
            items.append(item)
    return items[:limit]


def _counsellor_holds(tracker: Tracker) -> bool:
    return bool(tracker.get_slot("speaker") == "counsellor")


class ActionValidateSlotMappings(Action):
    """Runs after every slot extraction: a message in the group is never an answer to
    a question asked in the private chat ("ja" to someone else there is not a yes), and
    a private message while a counsellor holds the conversation is for the counsellor,
    so the answer slots such a message would fill are refused before any form sees them
    (the form then rejects, and its rule closes it: forms/*.yml).
    """

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not _in_group(tracker) and not _counsellor_holds(tracker):
            return []
        return [SlotSet(slot, None) for slot in tracker.slots_to_validate()
                if slot in FORM_ANSWER_SLOTS]


class ActionCounsellorTookOver(Action):
    """A counsellor took over while a form was open: the form closes quietly and the
    protocol counts as done (``flow_step: stay``). The answers given so far stay (the
    escalation has them); when the counsellor hands back, the bot does not start the
    questions again after a human has talked with the teen: it stays, and something
    heavy again is still heard and escalated (rules/private.yml)."""

    def name(self) -> str:
        return "action_counsellor_took_over"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("flow_step", "stay")]


class _AskOnce(Action):
    """Asks a form's question (``utter_ask_<form>_<slot>``), except right after a message in
    the group or the retry reminder: a form that is open in the private chat runs again
    after those (so that it waits for the next private answer) and must not ask its
    question again; and never while a counsellor holds the conversation."""

    form = ""
    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.form}_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if is_retry_reminder(tracker.latest_message):
            return []  # the retry reminder ran the form again: the teen has the question
        if not _in_group(tracker) and not _counsellor_holds(tracker):
            dispatcher.utter_message(response=self.response(tracker))
        if tracker.get_slot("pending_escalations"):
            # An answer's escalation could not be recorded (a form's validation cannot
            # schedule): the retry reminder, so that a teen who goes silent is not lost.
            return [retry_reminder(tracker, 1)]
        return []

    def response(self, tracker: Tracker) -> str:
        if self.slot == "activity_choice" and tracker.get_slot("activities"):
            # After a pick: a short "anything else?", not the whole keyboard again.
            return "utter_ask_activity_more"
        return f"utter_ask_{self.form}_{self.slot}"


ASK_ACTIONS = [
    type(f"Ask_{form}_{slot}", (_AskOnce,), {"form": form, "slot": slot})
    for form, slots in (
        ("direct_questions_form", ("thoughts", "has_method", "has_time", "has_place")),
        ("safety_plan_form",
         ("trusted_contact", "contact_names", "activity_choice", "reasons", "keep_plan")),
    )
    for slot in slots
]


# A clear no to "a method / a moment / a place?": every word a negation or a filler
# around one ("nee", "nee, nog niet", "ik heb geen plan", "ik denk het niet"). Any other
# word makes it an answer ("nee, maar wel een touw" is a yes): fail safe.
_NEGATORS = frozenset({
    "nee", "neen", "ne", "nop", "nope", "nah", "no", "nein", "niet", "nie", "geen", "nooit",
    "nergens", "niemand", "niks", "niets", "nada", "n", "nn",
})
_NO_FILLERS = frozenset({
    "ik", "k", "heb", "hb", "er", "nog", "echt", "zeker", "helemaal", "hoor", "eigenlijk",
    "gewoon", "het", "t", "denk", "dat", "daar", "over", "aan", "nagedacht", "gedacht",
    "plan", "idee", "moment", "plek", "plaats", "tijd", "manier", "een", "zo", "sorry",
    "dank", "je", "nu", "toch", "al", "wel", "hoe", "wanneer", "waar", "ook",
})
_WORD = re.compile(r"[a-z0-9]+")


def _clear_no(text: str) -> bool:
    words = _WORD.findall(text.lower())
    return bool(words) and any(w in _NEGATORS for w in words) and all(
        w in _NEGATORS or w in _NO_FILLERS for w in words
    ) and "wel" not in words


_UNSURE = re.compile(
    r"^\s*(weet (ik )?niet|ik weet (het )?(niet|nie)|k weet (het )?(niet|nie)|geen idee|misschien"
    r"|twijfel|idk|dunno|i dont know|i don'?t know|weet nie|kweenie|kweetniet|ik twijfel"
    r"|geen flauw idee|hmm+|tja)\s*[.!?]*\s*$",
    re.IGNORECASE,
)
ANSWER_TEXT_MAX_CHARS = 300
# Words that name a person a teen may trust (Flemish and Dutch), in any form.
_PERSON = re.compile(
    r"\b(zus|zusje|broer|broertje|mama|mam|ma|moeder|papa|pap|pa|vader|ouders?|stiefma|stiefpa"
    r"|oma|opa|bomma|bompa|tante|oom|nonkel|neef|nicht|vriend|vriendin|vrienden|vriendje|bff"
    r"|beste ?vriend(in)?|mentor|juf|meester|leerkracht|leraar|lerares|coach|trainer|buur"
    r"|buurvrouw|buurman|psycholoog|therapeut|huisarts|dokter|clb|vertrouwenspersoon|lief"
    r"|vriendje|partner|collega|begeleider|opvoeder|leiding)\b",
    re.IGNORECASE,
)


def _names_someone(text: str) -> bool:
    """A person word, or a short name-like answer ("Sanne", "Lotte en Bram")."""
    if _PERSON.search(text):
        return True
    words = text.split()
    return 0 < len(words) <= 3 and "?" not in text and any(w[:1].isupper() for w in words)


# A yes in front of a name ("ja, mijn mentor"), or a yes alone.
_PLAIN_YES = re.compile(
    r"^\s*(ja+|jep|jup|yes|yep|ja hoor|jawel|zeker|ok[eé]?|oke+|tuurlijk|natuurlijk)\b[\s,.!]*",
    re.IGNORECASE,
)
PLAN_QUESTION_SLOTS = ("has_method", "has_time", "has_place")


def _names_means(message: dict[str, Any] | None) -> bool:
    """Did the lexicon find a means, method, time or place in the message (an emoji such as
    a rope or pills counts: the lexicon reads them as words)?"""
    crisis = (message or {}).get("crisis")
    evidence = crisis.get("evidence") if isinstance(crisis, dict) else None
    lexicon = evidence.get("lexicon") if isinstance(evidence, dict) else None
    return bool(isinstance(lexicon, dict) and lexicon.get("cues"))


def written_answer(slot: str, text: str, message: dict[str, Any] | None = None) -> str | None:
    """How a written answer to a direct question counts: a clear no is "no", a doubt is
    "unknown"; to a method, a time or a place anything else is "yes" (fail safe: "vanavond",
    "op mijn kamer", "met pillen", a rope emoji). To the first question a text that is
    neither is left to the classifier (None): "hoe bedoel je?" is no yes. ``message``: the
    parsed message, whose verdict tells whether an emoji named a means."""
    if slot in PLAN_QUESTION_SLOTS and _names_means(message):
        return "yes"
    if not any(c.isalnum() for c in text):
        return None  # "...", "😶": no answer (answer emoji are intents already)
    if _UNSURE.match(text):
        return "unknown"
    if _clear_no(text):
        return "no"
    return "yes" if slot in PLAN_QUESTION_SLOTS else None


def answer_risk(tracker: Tracker, slot: str, value: str) -> str:
    """The escalation's level once this answer is in: a plan (a yes or a doubt to a
    method, a time or a place) is imminent; thoughts of suicide at least direct."""
    detected = tracker.get_slot("conversation_risk") or "indirect"
    if slot in PLAN_QUESTION_SLOTS and value in ("yes", "unknown"):
        return "imminent"
    if slot == "thoughts" and value == "yes":
        return conv.higher(detected, "direct")
    return conv.higher(detected, "indirect")


class _QuietWhileACounsellorHolds:
    """(A mixin: not an action of its own, which the action server would try to register.)
    A message in a group is not an answer to a private question, and a private message
    while a counsellor holds the conversation is for the counsellor: the form rejects
    both, so that their rules run ("a message in a group": the group's reply, its
    escalation and the numbers; "a counsellor holds the conversation": the form closes).
    Without this, a message the form's slot mapping could take (a "ja", or a plan posted
    in the group, read as an answer and then refused) kept the form on its happy path:
    the group's reply never ran, and the form asked again after a hand back. Only right
    after the message: when the form comes back after the rule's own actions, rejecting
    again would leave it interrupted and deaf to the teen's next answer."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if (_in_group(tracker) or _counsellor_holds(tracker)) and _right_after_the_message(
            tracker
        ):
            form_name: str = self.form_name()  # type: ignore[attr-defined]
            return [ActionExecutionRejected(form_name)]
        events: list[dict[str, Any]] = await super().run(  # type: ignore[misc]
            dispatcher, tracker, domain
        )
        return events


class ActionBackToQuestion(Action):
    """Something else while a direct question is open: a kind word before the question
    comes again; but a written answer to a method, a time or a place is an answer, and
    the form takes it without that word."""

    def name(self) -> str:
        return "action_back_to_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        slot = tracker.get_slot("requested_slot")
        text = _fresh_private_text(tracker)
        if slot in PLAN_QUESTION_SLOTS and text is not None and written_answer(
            slot, text, tracker.latest_message
        ):
            return []
        if not _in_group(tracker) and not _counsellor_holds(tracker):
            dispatcher.utter_message(response="utter_back_to_question")
        return []


class ValidateDirectQuestionsForm(_QuietWhileACounsellorHolds, FormValidationAction):
    """Each answer reaches the escalation as it is given (merged into the teen's one
    escalation), so a teen who stops half-way leaves the counsellor what they said."""

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
        for slot in PLAN_QUESTION_SLOTS:
            needed.append(slot)
            if tracker.get_slot(slot) in ("yes", "unknown"):
                break
        return needed

    async def _extract(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        """The teen's own words to the question asked, and a written answer's value when
        the classifier's intent did not give one."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        text = _fresh_private_text(tracker)
        if text is None or text.lstrip().startswith("/") or text.startswith(_ACTIVITY_PAYLOAD):
            return {}
        field = ANSWER_FIELDS[slot]
        out: dict[str, Any] = {
            "answer_texts": {**(tracker.get_slot("answer_texts") or {}),
                             field: " ".join(text.split())[:ANSWER_TEXT_MAX_CHARS]},
        }
        if slot not in tracker.slots_to_validate() or tracker.get_slot(slot) is None:
            value = written_answer(slot, text, tracker.latest_message)
            if value is not None:
                out[slot] = value
        return out

    async def extract_thoughts(self, dispatcher, tracker, domain):  # type: ignore[no-untyped-def]
        return await self._extract("thoughts", tracker)

    async def extract_has_method(self, dispatcher, tracker, domain):  # type: ignore[no-untyped-def]
        return await self._extract("has_method", tracker)

    async def extract_has_time(self, dispatcher, tracker, domain):  # type: ignore[no-untyped-def]
        return await self._extract("has_time", tracker)

    async def extract_has_place(self, dispatcher, tracker, domain):  # type: ignore[no-untyped-def]
        return await self._extract("has_place", tracker)

    async def _answer(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if _in_group(tracker) or value not in ("yes", "no", "unknown"):
            return {slot: None}
        if slot == "thoughts":
            # Whatever the answer: thank them for their honesty.
            dispatcher.utter_message(response="utter_thanks_honesty")
        out: dict[str, Any] = {slot: value}
        if _counsellor_holds(tracker):
            return out
        risk = answer_risk(tracker, slot, value)
        recorded = await record_escalation(
            tracker, risk, f"answer.{slot}", answers_now={ANSWER_FIELDS[slot]: value},
        )
        for event in recorded.events:
            if event.get("event") == "slot":
                out[event["name"]] = event["value"]
        if not recorded.landed and not (slot in PLAN_QUESTION_SLOTS and risk == "imminent"):
            # The handoff right after a plan gives 112 and the 24/7 line itself.
            dispatcher.utter_message(response="utter_lines_now")
        return out

    async def validate_thoughts(self, value, dispatcher, tracker, domain):  # type: ignore[no-untyped-def]
        return await self._answer("thoughts", value, dispatcher, tracker)

    async def validate_has_method(self, value, dispatcher, tracker, domain):  # type: ignore[no-untyped-def]
        return await self._answer("has_method", value, dispatcher, tracker)

    async def validate_has_time(self, value, dispatcher, tracker, domain):  # type: ignore[no-untyped-def]
        return await self._answer("has_time", value, dispatcher, tracker)

    async def validate_has_place(self, value, dispatcher, tracker, domain):  # type: ignore[no-untyped-def]
        return await self._answer("has_place", value, dispatcher, tracker)


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


# Intents that are commands, not answers, when the classifier is sure (a typed "stop").
_COMMANDS = frozenset({"stop", "ask_help", "my_list", "forget_list"})
_COMMAND_CONFIDENCE = 0.8
# Actions between the teen's message and a form's validation that say nothing: Rasa
# runs the validation on a copy of the tracker that ends with the form's own
# ActionExecuted (rasa/core/actions/forms.py, _temporary_tracker).
_QUIET_ACTIONS = frozenset({
    "action_listen", "action_extract_slots", "direct_questions_form", "safety_plan_form",
    # says nothing when the message is a written answer (then no bot event follows it)
    "action_back_to_question", "action_validate_slot_mappings",
})


def _right_after_the_message(tracker: Tracker) -> bool:
    """Nothing but the quiet actions has run since the teen's latest message."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "bot" or (kind == "action" and event.get("name") not in _QUIET_ACTIONS):
            return False
    return False


def _fresh_private_text(tracker: Tracker) -> str | None:
    """The teen's latest private message, if this run of the form answers it directly
    (not a re-ask after an interruption, not an activation after something the bot said)
    and it is not a command."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            break
        if kind == "bot" or (kind == "action" and event.get("name") not in _QUIET_ACTIONS):
            return None
    else:
        return None
    message = tracker.latest_message or {}
    text = message.get("text")
    if is_retry_reminder(message):
        return None  # the retry reminder ("EXTERNAL: ..."), not the teen
    if _in_group(tracker) or _counsellor_holds(tracker) or not isinstance(text, str) \
            or not text.strip():
        return None
    intent = message.get("intent") or {}
    if text.lstrip().startswith("/") or (
        intent.get("name") in _COMMANDS
        and float(intent.get("confidence") or 0) >= _COMMAND_CONFIDENCE
    ):
        return None  # the anytime rules answer commands
    return text


class ValidateSafetyPlanForm(_QuietWhileACounsellorHolds, FormValidationAction):
    def name(self) -> str:
        return "validate_safety_plan_form"

    async def _extract_text(
        self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """The teen's own words for a free-text question (whatever the classifier thought
        the intent was). A heavy message is no answer: heard, a counsellor told, and the
        question again."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        text = _fresh_private_text(tracker)
        if text is None:
            return {}
        risk = conv.verdict_risk(tracker.latest_message or {})
        if conv.rank(risk) < conv.rank("indirect"):
            return {slot: text}
        if risk == "imminent":
            dispatcher.utter_message(response="utter_imminent_now")
        else:
            dispatcher.utter_message(response="utter_heard_you")
        level = conv.higher(tracker.get_slot("conversation_risk"), risk)
        recorded = await escalate_at(tracker, level, "form")
        if not recorded.landed and risk != "imminent":
            dispatcher.utter_message(response="utter_lines_now")
        escalated = {e["name"]: e["value"] for e in recorded.events if e.get("event") == "slot"}
        return {slot: None, **escalated}

    async def _not_an_answer(
        self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """A yes/no question (a trusted person, keeping the list) answered with something
        else: a kind word, and the question again. Returning the empty slot (rather than
        nothing) keeps the form running instead of rejecting to a rule."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        if slot in tracker.slots_to_validate() or tracker.get_slot(slot) is not None:
            return {}  # the buttons' or the classifier's answer filled it
        if _fresh_private_text(tracker) is None:
            return {}
        if conv.rank(conv.verdict_risk(tracker.latest_message or {})) >= conv.rank("indirect"):
            return {}  # heavy: the form's rules hear it and tell a counsellor
        dispatcher.utter_message(response="utter_back_to_question")
        return {slot: None}

    async def extract_trusted_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """"Is there someone you trust?" answered in the teen's own words: a clear no is no,
        a doubt is a doubt, and words that name someone ("mn zus denk ik", "Sanne") are a
        yes with those words as the name, whatever the classifier made of them; anything
        else ("hmm moeilijke vraag") is asked again kindly."""
        if tracker.get_slot("requested_slot") == "trusted_contact":
            text = _fresh_private_text(tracker)
            if text is not None and conv.rank(
                conv.verdict_risk(tracker.latest_message or {})
            ) < conv.rank("indirect") and any(c.isalnum() for c in text):
                if _UNSURE.match(text):
                    return {"trusted_contact": "unknown"}
                if _clear_no(text):
                    return {"trusted_contact": "no"}
                named = _PLAIN_YES.sub("", text).strip(" ,.!")
                if not named:
                    if _PLAIN_YES.match(text):
                        return {"trusted_contact": "yes"}
                elif _names_someone(named):
                    return {"trusted_contact": "yes", "contact_names": named}
        return await self._not_an_answer("trusted_contact", dispatcher, tracker)

    async def extract_keep_plan(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self._not_an_answer("keep_plan", dispatcher, tracker)

    async def extract_activity_choice(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self._extract_text("activity_choice", dispatcher, tracker)

    async def extract_contact_names(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self._extract_text("contact_names", dispatcher, tracker)

    async def extract_reasons(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self._extract_text("reasons", dispatcher, tracker)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Names of the trusted people only after a yes to having one."""
        if tracker.get_slot("trusted_contact") == "yes":
            return domain_slots
        return [slot for slot in domain_slots if slot != "contact_names"]

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

    def validate_contact_names(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Names or numbers of people the teen can reach, or Overslaan."""
        if _in_group(tracker) or not isinstance(value, str) or not value.strip():
            return {"contact_names": None}
        if _SKIP.match(value):
            return {"contact_names": "skipped", "contacts": []}
        return {
            "contact_names": "given",
            "contacts": _items(value, MAX_CONTACTS, CONTACT_MAX_CHARS),
        }

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

    def validate_reasons(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """What keeps the teen going, in their own words, or Overslaan."""
        if _in_group(tracker) or not isinstance(value, str) or not value.strip():
            return {"reasons": None}
        if _SKIP.match(value):
            return {"reasons": "skipped", "reasons_to_live": []}
        return {
            "reasons": "given",
            "reasons_to_live": _items(value, MAX_REASONS, REASON_MAX_CHARS),
        }

    def validate_keep_plan(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if _in_group(tracker) or value not in ("yes", "no"):
            return {"keep_plan": None}
        return {"keep_plan": value}


class ActionSavePlan(Action):
    """Show the teen their own list; keep it in the escalation service if they said yes."""

    def name(self) -> str:
        return "action_save_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        from bot.actions.plan import save_plan, utter_plan

        plan = plan_from_slots(tracker, domain)
        utter_plan(dispatcher, plan)
        if tracker.get_slot("keep_plan") != "yes":
            dispatcher.utter_message(response="utter_plan_not_kept")
        elif await save_plan(tracker, plan):
            dispatcher.utter_message(response="utter_plan_kept")
        else:
            dispatcher.utter_message(response="utter_plan_save_failed")
        return [SlotSet("flow_step", "safety_plan")]


def plan_from_slots(tracker: Tracker, domain: DomainDict) -> dict[str, list[str]]:
    """The list as the teen reads it: activity codes turned into their button labels."""
    labels = activity_labels(domain)
    return {
        "activities": [labels.get(a, a) for a in tracker.get_slot("activities") or []],
        "reasons": list(tracker.get_slot("reasons_to_live") or []),
        "contacts": list(tracker.get_slot("contacts") or []),
    }
