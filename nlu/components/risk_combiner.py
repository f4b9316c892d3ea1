"""The last component: the fail-safe combination of the lexicon and the classifier.

Output property ``crisis``: ``{"risk", "peer_harm", "method_detail", "topics",
"evidence"}`` (see :func:`nlu.risk.combine`). It runs after the intent classifier(s)
and :class:`~nlu.components.crisis_lexicon.CrisisLexicon`.
"""

from __future__ import annotations

# Rasa's graph validation reads these signatures: keep its typing spelling.
# ruff: noqa: UP006, UP035, UP019
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from nlu.components.crisis_lexicon import LEXICON_KEY
from nlu.risk import (
    DEFAULT_AGREE_FLOOR,
    DEFAULT_DISTRESS_THRESHOLD,
    DEFAULT_LEVEL_THRESHOLD,
    DEFAULT_PEER_HARM_THRESHOLD,
    DEFAULT_RAISE_THRESHOLD,
    LEVELS,
    Detection,
    combine,
)

CRISIS_KEY = "crisis"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class RiskCombiner(GraphComponent):
    """Final risk = the higher of the lexicon's floor and the classifier's gated level."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "level_threshold": DEFAULT_LEVEL_THRESHOLD,
            "raise_threshold": DEFAULT_RAISE_THRESHOLD,
            "distress_threshold": DEFAULT_DISTRESS_THRESHOLD,
            "agree_floor": DEFAULT_AGREE_FLOOR,
            "peer_harm_threshold": DEFAULT_PEER_HARM_THRESHOLD,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.component_config = config

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        config = {**cls.get_default_config(), **config}
        for key in ("level_threshold", "distress_threshold", "peer_harm_threshold"):
            value = float(config[key])
            if not 0.0 < value < 1.0:
                raise ValueError(f"RiskCombiner: {key} must be between 0 and 1, got {value}")
        # Above 1 means: the classifier alone never raises to indirect or above.
        if not float(config["level_threshold"]) <= float(config["raise_threshold"]):
            raise ValueError("RiskCombiner: raise_threshold must be at least level_threshold")
        if config["agree_floor"] not in LEVELS[1:]:
            raise ValueError(f"RiskCombiner: agree_floor must be one of {LEVELS[1:]}")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RiskCombiner:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = message.get(LEXICON_KEY) or {}
            lexicon = Detection(
                risk=found.get("risk", "none"),
                peer_harm=bool(found.get("peer_harm", False)),
                method_detail=bool(found.get("method_detail", False)),
                topics=list(found.get("topics", [])),
                evidence=dict(found.get("evidence", {})),
            )
            ranking_raw = message.get(INTENT_RANKING_KEY)
            ranking = (
                [(r.get("name"), r.get("confidence", 0.0)) for r in ranking_raw]
                if ranking_raw
                else None
            )
            result = combine(
                lexicon,
                ranking,
                level_threshold=float(self.component_config["level_threshold"]),
                raise_threshold=float(self.component_config["raise_threshold"]),
                distress_threshold=float(self.component_config["distress_threshold"]),
                agree_floor=str(self.component_config["agree_floor"]),
                peer_harm_threshold=float(self.component_config["peer_harm_threshold"]),
            )
            message.set(CRISIS_KEY, result.as_dict(), add_to_output=True)
        return messages
