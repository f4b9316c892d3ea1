"""The intent the dialogue sees: the fail-safe verdict where it names a risk.

The rules and forms of the protocol branch on intents, but the crisis verdict (output
``crisis``, :mod:`nlu.components.risk_combiner`) is the fail-safe combination of the
lexicon and the classifier, and a teen's words often sit between intents. This last
component of the full model (not of the NLU-only model that ``nlu/`` evaluates) makes
the dialogue follow the verdict:

- verdict ``indirect``, ``direct`` or ``imminent``: the intent becomes ``risk_<level>``,
  whatever the classifier's top intent was (a lexicon hit in a message the classifier
  read as ``neutral`` or ``nlu_fallback`` still opens the protocol);
- a ``risk_*`` intent the verdict lowered: ``risk_distress`` at ``distress``, else
  ``neutral``; ``nlu_fallback`` at ``distress``: ``risk_distress``;
- a message of answer emoji only (👍, 👎, 🤷 ...): ``affirm``, ``deny`` or ``unsure``
  (the tokenizer drops emoji that carry no risk, so the classifier never sees them);
- a command intent from free text (``stop``, ``forget_list``, ``my_list``) below
  ``command_threshold``: ``nlu_fallback``. The gateway sends commands as ``/stop``,
  which never reaches the pipeline; a classifier's guess must not end the private talk
  (the rope emoji reads as "strop", one letter from "stop").

The classifier's own intent is kept in the output as ``dialogue_intent.from``.
"""

from __future__ import annotations

import re
import unicodedata

# Rasa's graph validation reads these signatures: keep its typing spelling.
# ruff: noqa: UP006, UP035, UP019
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

CRISIS_KEY = "crisis"  # nlu.components.risk_combiner.CRISIS_KEY (not imported: 3.10 only)
OUTPUT_KEY = "dialogue_intent"
FALLBACK = "nlu_fallback"
RAISING = ("indirect", "direct", "imminent")
RISK_INTENTS = ("risk_distress", "risk_indirect", "risk_direct", "risk_imminent")
# Skin tones, variation selectors, zero-width joiners: the same emoji for our purpose.
_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0e\ufe0f\u200d\u2640\u2642]")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class DialogueIntent(GraphComponent):
    """Rewrites the intent for the dialogue (see the module's docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "command_intents": ["stop", "forget_list", "my_list"],
            "command_threshold": 0.8,
            "answer_emoji": {"affirm": [], "deny": [], "unsure": []},
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.commands = set(config["command_intents"])
        self.command_threshold = float(config["command_threshold"])
        self.emoji: Dict[str, str] = {}
        for intent, emoji in (config.get("answer_emoji") or {}).items():
            for item in emoji:
                self.emoji[_MODIFIERS.sub("", item)] = intent

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        config = {**cls.get_default_config(), **config}
        if not 0.0 < float(config["command_threshold"]) <= 1.0:
            raise ValueError("DialogueIntent: command_threshold must be in (0, 1]")
        for intent, emoji in (config.get("answer_emoji") or {}).items():
            if intent not in ("affirm", "deny", "unsure") or not isinstance(emoji, list):
                raise ValueError("DialogueIntent: answer_emoji maps affirm/deny/unsure to lists")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DialogueIntent:
        cls.validate_config(config)
        return cls({**cls.get_default_config(), **config})

    def answer_emoji(self, text: str) -> str | None:
        """The answer a message of answer emoji only gives (one kind), else None."""
        chars = [c for c in _MODIFIERS.sub("", unicodedata.normalize("NFC", text))
                 if not c.isspace()]
        if not chars:
            return None
        answers = {self.emoji.get(c) for c in chars}
        if len(answers) == 1 and None not in answers:
            return answers.pop()
        return None

    def dialogue_intent(self, text: str, name: str | None, confidence: float,
                        risk: str) -> tuple[str | None, str]:
        """(the dialogue's intent, why): ``why`` is empty when it is the classifier's."""
        if risk in RAISING:
            target = f"risk_{risk}"
            return target, "" if name == target else "verdict"
        if name in RISK_INTENTS:
            target = "risk_distress" if risk == "distress" else "neutral"
            return target, "" if name == target else "verdict"
        if name == FALLBACK and risk == "distress":
            return "risk_distress", "verdict"
        answer = self.answer_emoji(text)
        if answer is not None:
            return answer, "" if name == answer else "answer_emoji"
        if name in self.commands and confidence < self.command_threshold:
            return FALLBACK, "unsure_command"
        return name, ""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get("name")
            confidence = float(intent.get("confidence") or 0.0)
            risk = str((message.get(CRISIS_KEY) or {}).get("risk") or "none")
            target, why = self.dialogue_intent(message.get(TEXT) or "", name, confidence, risk)
            if why:
                message.set(INTENT, {"name": target, "confidence": confidence},
                            add_to_output=True)
                message.set(OUTPUT_KEY, {"from": name, "reason": why}, add_to_output=True)
        return messages
