"""Risk levels, the detection result, and the fail-safe combination rule.

Shared by both sides (plain Python, 3.10 and 3.11): the gateway uses it with the
lexicon alone when Rasa is down, the Rasa pipeline's last component uses it to merge
the lexicon's floor with the classifier's scores.

The rule (see :func:`combine` and nlu/README.md):

1. The final risk is never below the lexicon's floor.
2. The classifier's *fail-safe level* is the highest level whose probability of being
   *at least* that level reaches ``level_threshold`` (well below 0.5): doubt between
   levels goes to the higher one (``indirect`` 0.6, ``direct`` 0.4 counts as ``direct``).
3. The classifier may take a message to ``indirect`` or above only when something
   agrees: the lexicon found at least ``agree_floor`` (``indirect``), or the classifier
   itself is sure there is risk (probability of at least ``indirect`` reaches
   ``raise_threshold``, 0.95). Otherwise it is a classifier merely unsure whether a
   neutral message is neutral: it counts as ``distress`` when the probability of at
   least ``distress`` reaches ``distress_threshold`` (a warm word, no questions in front
   of the group), else ``none``.
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
DEFAULT_RAISE_THRESHOLD = 0.95
DEFAULT_DISTRESS_THRESHOLD = 0.5
DEFAULT_AGREE_FLOOR = "indirect"
DEFAULT_PEER_HARM_THRESHOLD = 0.6
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


def at_least_scores(scores: Mapping[str, float]) -> dict[str, float]:
    """Probability of "at least this level", per level (``none`` is always 1)."""
    out: dict[str, float] = {}
    cumulative = 0.0
    for level in reversed(LEVELS):
        cumulative += scores.get(level, 0.0)
        out[level] = cumulative
    out["none"] = 1.0
    return {level: out[level] for level in LEVELS}


def gated_level(
    scores: Mapping[str, float],
    floor: str,
    *,
    level_threshold: float = DEFAULT_LEVEL_THRESHOLD,
    raise_threshold: float = DEFAULT_RAISE_THRESHOLD,
    distress_threshold: float = DEFAULT_DISTRESS_THRESHOLD,
    agree_floor: str = DEFAULT_AGREE_FLOOR,
) -> tuple[str, bool]:
    """The classifier's level after the agreement gate, and whether the gate lowered it.

    When the lexicon's ``floor`` is at least ``agree_floor``, or the probability of at
    least ``indirect`` reaches ``raise_threshold``, the fail-safe level
    (:func:`classifier_level` with ``level_threshold``) stands. Otherwise the classifier
    alone says ``distress`` when the probability of at least ``distress`` reaches
    ``distress_threshold``, else ``none``.
    """
    level = classifier_level(scores, level_threshold)
    at_least = at_least_scores(scores)
    if rank(floor) >= rank(agree_floor) or at_least["indirect"] >= raise_threshold:
        return level, False
    # Never above the fail-safe reading: the bar is the higher of the two thresholds.
    bar = max(distress_threshold, level_threshold)
    alone = "distress" if at_least["distress"] >= bar else "none"
    return alone, rank(alone) < rank(level)


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
    raise_threshold: float = DEFAULT_RAISE_THRESHOLD,
    distress_threshold: float = DEFAULT_DISTRESS_THRESHOLD,
    agree_floor: str = DEFAULT_AGREE_FLOOR,
    peer_harm_threshold: float = DEFAULT_PEER_HARM_THRESHOLD,
) -> Detection:
    """Merge the lexicon's finding with the classifier's intent ranking, failing safe.

    ``ranking`` is ``None`` when no classifier ran (the lexicon-only path): the lexicon's
    finding is then the result. The classifier can raise the risk (see the module
    docstring for when it may raise to ``indirect`` and above) and set ``peer_harm``;
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
    fail_safe_level = classifier_level(scores, level_threshold)
    model_level, capped = gated_level(
        scores, lexicon.risk, level_threshold=level_threshold,
        raise_threshold=raise_threshold, distress_threshold=distress_threshold,
        agree_floor=agree_floor,
    )
    peer_score = sum(c for i, c in pairs if i == PEER_HARM_INTENT)
    top = max((p for p in pairs if p[0] not in IGNORED_INTENTS), key=lambda p: p[1], default=None)
    evidence = dict(lexicon.evidence)
    evidence["classifier"] = {
        "intent": top[0] if top else None,
        "confidence": round(top[1], 4) if top else None,
        "level": model_level,
        "fail_safe_level": fail_safe_level,
        "lowered_without_agreement": capped,
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
