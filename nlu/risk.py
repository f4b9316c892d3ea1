"""Risk levels, the detection result, and the fail-safe combination rule.

Shared by both sides (plain Python, 3.10 and 3.11): the gateway uses it with the
lexicon alone when Rasa is down, the Rasa pipeline's last component uses it to merge
the lexicon's floor with the classifier's scores.

The rule, in one sentence: the final risk is the higher of the lexicon's floor and the
classifier's level, where the classifier's level is the highest level whose
probability of being *at least* that level reaches ``threshold`` (well below 0.5).
So an uncertain classifier (``direct`` 0.30, ``none`` 0.70) counts as ``direct``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

LEVELS: tuple[str, ...] = ("none", "distress", "indirect", "direct", "imminent")
_RANK = {level: i for i, level in enumerate(LEVELS)}

# Rasa intents that carry a risk level; every other intent (greet, affirm, neutral,
# peer_harm, ...) is level ``none`` for the risk scale.
INTENT_LEVEL: dict[str, str] = {
    "risk_distress": "distress",
    "risk_indirect": "indirect",
    "risk_direct": "direct",
    "risk_imminent": "imminent",
}
PEER_HARM_INTENT = "peer_harm"
# Intents that Rasa adds itself and that are not a prediction of ours.
IGNORED_INTENTS = frozenset({"nlu_fallback"})

# Tuned on the training data's cross-validation and the dev set (see nlu/README.md).
DEFAULT_LEVEL_THRESHOLD = 0.3
DEFAULT_PEER_HARM_THRESHOLD = 0.4
TOPICS: tuple[str, ...] = (
    "suicide",
    "self_harm",
    "eating",
    "abuse",
    "sextortion",
    "bullying",
    "substance",
)


def rank(level: str) -> int:
    """Position of a level on the scale (``none`` is 0); unknown levels raise KeyError."""
    return _RANK[level]


def higher(*levels: str) -> str:
    """The highest of the given levels (``none`` when none are given)."""
    return max(levels, key=rank, default="none")


def at_least(level: str, floor: str) -> bool:
    return rank(level) >= rank(floor)


def level_scores(ranking: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Probability mass per risk level from an intent ranking ``[(intent, confidence)]``."""
    scores = dict.fromkeys(LEVELS, 0.0)
    for intent, confidence in ranking:
        if intent in IGNORED_INTENTS:
            continue
        scores[INTENT_LEVEL.get(intent, "none")] += float(confidence)
    return scores


def classifier_level(
    scores: Mapping[str, float], threshold: float = DEFAULT_LEVEL_THRESHOLD
) -> str:
    """The highest level whose probability of "at least this level" reaches ``threshold``."""
    cumulative = 0.0
    for level in reversed(LEVELS[1:]):
        cumulative += scores.get(level, 0.0)
        if cumulative >= threshold:
            return level
    return "none"


@dataclass
class Detection:
    """How worried to be about one message, and why (never the message text)."""

    risk: str = "none"
    peer_harm: bool = False
    method_detail: bool = False
    topics: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "risk": self.risk,
            "peer_harm": self.peer_harm,
            "method_detail": self.method_detail,
            "topics": list(self.topics),
            "evidence": self.evidence,
        }


def combine(
    lexicon: Detection,
    ranking: Iterable[tuple[str, float]] | None,
    *,
    level_threshold: float = DEFAULT_LEVEL_THRESHOLD,
    peer_harm_threshold: float = DEFAULT_PEER_HARM_THRESHOLD,
) -> Detection:
    """Merge the lexicon's finding with the classifier's intent ranking, failing safe.

    ``ranking`` is ``None`` when no classifier ran (the lexicon-only path): the lexicon's
    finding is then the result. The classifier can raise the risk and set ``peer_harm``;
    it never lowers what the lexicon found.
    """
    if ranking is None:
        evidence = dict(lexicon.evidence)
        evidence["classifier"] = None
        return Detection(
            lexicon.risk, lexicon.peer_harm, lexicon.method_detail, list(lexicon.topics), evidence
        )
    pairs = [(str(i), float(c)) for i, c in ranking]
    scores = level_scores(pairs)
    model_level = classifier_level(scores, level_threshold)
    peer_score = sum(c for i, c in pairs if i == PEER_HARM_INTENT)
    top = max((p for p in pairs if p[0] not in IGNORED_INTENTS), key=lambda p: p[1], default=None)
    evidence = dict(lexicon.evidence)
    evidence["classifier"] = {
        "intent": top[0] if top else None,
        "confidence": round(top[1], 4) if top else None,
        "level": model_level,
        "level_scores": {k: round(v, 4) for k, v in scores.items()},
        "peer_harm_score": round(peer_score, 4),
    }
    risk = higher(lexicon.risk, model_level)
    evidence["decided_by"] = (
        "both" if rank(lexicon.risk) == rank(model_level)
        else ("lexicon" if rank(lexicon.risk) > rank(model_level) else "classifier")
    )
    return Detection(
        risk=risk,
        peer_harm=lexicon.peer_harm or peer_score >= peer_harm_threshold,
        method_detail=lexicon.method_detail,
        topics=list(lexicon.topics),
        evidence=evidence,
    )
