"""The crisis lexicon as a Rasa graph component: adds its verdict to every message.

Output property ``crisis_lexicon``: the lexicon's :class:`nlu.risk.Detection` as a
dict (risk floor, flags, topics, evidence). The teen's recent messages, when the
channel sends them, come in the message metadata under ``recent_texts``.
"""

from __future__ import annotations

# Rasa's graph validation reads these signatures: keep its typing spelling.
# ruff: noqa: UP006, UP035, UP019
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.lexicon import Lexicon, load

LEXICON_KEY = "crisis_lexicon"
RECENT_KEY = "recent_texts"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class CrisisLexicon(GraphComponent):
    """Deterministic, fail-safe crisis detection (see ``nlu/lexicon``)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"lexicon_dir": None, "max_recent": 5}

    def __init__(self, config: Dict[Text, Any], lexicon: Lexicon) -> None:
        self.component_config = config
        self.lexicon = lexicon

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        load(config.get("lexicon_dir"))
        if int(config.get("max_recent", 0)) < 0:
            raise ValueError("CrisisLexicon: max_recent must be 0 or more")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisLexicon:
        return cls(config, load(config.get("lexicon_dir")))

    def process(self, messages: List[Message]) -> List[Message]:
        limit = int(self.component_config.get("max_recent", 5))
        for message in messages:
            metadata = message.get(METADATA) or {}
            recent = metadata.get(RECENT_KEY) if isinstance(metadata, dict) else None
            recent_texts = [str(t) for t in (recent or [])][-limit:] if limit else []
            detection = self.lexicon.assess(message.get(TEXT) or "", recent_texts)
            message.set(LEXICON_KEY, detection.as_dict(), add_to_output=True)
        return messages
