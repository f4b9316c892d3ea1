"""The last component: the fail-safe combination of the lexicon and the classifier.

Output property ``crisis``: ``{"risk", "public_risk", "peer_harm", "method_detail",
"topics", "evidence"}`` (see :func:`nlu.risk.combine`): ``risk`` is the care level
(private care, escalation), ``public_risk`` the group line's level (never above it).
It runs after the intent classifier(s) and
:class:`~nlu.components.crisis_lexicon.CrisisLexicon`.
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
    DEFAULT_EVIDENCE_DISTRESS_THRESHOLD,
    DEFAULT_EVIDENCE_RAISE_THRESHOLD,
    DEFAULT_LEVEL_THRESHOLD,
    DEFAULT_PEER_HARM_THRESHOLD,
    DEFAULT_PUBLIC_DISTRESS_THRESHOLD,
    DEFAULT_PUBLIC_RAISE_THRESHOLD,
    LEVELS,
    Detection,
    combine,
)

_THRESHOLDS = (
    "level_threshold",
    "evidence_raise_threshold",
    "evidence_distress_threshold",
    "public_raise_threshold",
    "public_distress_threshold",
    "peer_harm_threshold",
)

CRISIS_KEY = "crisis"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class RiskCombiner(GraphComponent):
    """Care level = the higher of the lexicon's floor and the classifier's fail-safe
    level (lowered only by the lexicon's evidence of harmlessness); public level = the
    precision-filtered one (see nlu.risk)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "level_threshold": DEFAULT_LEVEL_THRESHOLD,
            "agree_floor": DEFAULT_AGREE_FLOOR,
            "evidence_raise_threshold": DEFAULT_EVIDENCE_RAISE_THRESHOLD,
            "evidence_distress_threshold": DEFAULT_EVIDENCE_DISTRESS_THRESHOLD,
            "public_raise_threshold": DEFAULT_PUBLIC_RAISE_THRESHOLD,
            "public_distress_threshold": DEFAULT_PUBLIC_DISTRESS_THRESHOLD,
            "peer_harm_threshold": DEFAULT_PEER_HARM_THRESHOLD,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.component_config = config

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        unknown = set(config) - set(cls.get_default_config())
        if unknown:
            raise ValueError(f"RiskCombiner: unknown setting(s) {sorted(unknown)}")
        config = {**cls.get_default_config(), **config}
        for key in _THRESHOLDS:
            value = float(config[key])
            # A raise threshold above 1 means: the classifier alone never raises.
            top = 1.01 if key.endswith("raise_threshold") else 1.0
            if not 0.0 < value <= top or (value == 1.0 and top == 1.0):
                raise ValueError(f"RiskCombiner: {key} must be between 0 and {top}, got {value}")
        for key in ("evidence_raise_threshold", "public_raise_threshold"):
            if not float(config["level_threshold"]) <= float(config[key]):
                raise ValueError(f"RiskCombiner: {key} must be at least level_threshold")
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
        cls.validate_config(config)
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = message.get(LEXICON_KEY) or {}
            lexicon = Detection(
                risk=found.get("risk", "none"),
                public_risk=found.get("public_risk"),
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
            config = {**self.get_default_config(), **self.component_config}
            result = combine(
                lexicon,
                ranking,
                agree_floor=str(config["agree_floor"]),
                **{key: float(config[key]) for key in _THRESHOLDS},
            )
            message.set(CRISIS_KEY, result.as_dict(), add_to_output=True)
        return messages
