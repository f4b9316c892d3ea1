"""Risk levels, the detection result, and the fail-safe combination rule.

Shared by both sides (plain Python, 3.10 and 3.11): the gateway uses it with the
lexicon alone when Rasa is down, the Rasa pipeline's last component uses it to merge
the lexicon's floor with the classifier's scores.

Every verdict carries two levels (see :func:`combine` and nlu/README.md):

``risk``, the **care level**, decides private care: the direct questions, emergency
numbers, escalation to a counsellor.

1. It is never below the lexicon's floor.
2. The classifier's *fail-safe level* is the highest level whose probability of being
   *at least* that level reaches ``level_threshold`` (well below 0.5): doubt between
   levels goes to the higher one (``indirect`` 0.6, ``direct`` 0.4 counts as ``direct``).
3. The fail-safe level is lowered only by **positive evidence from the lexicon that the
   message is harmless**: an idiom matched, or crisis words read in a negated,
   someone-else, addressed-to-you, past or fiction context (and nothing the lexicon
   reads as risk, ``agree_floor`` or more, about the writer now). Then the classifier
   counts only when it is sure (probability of at least ``indirect`` reaches
   ``evidence_raise_threshold``), else as ``distress`` when the probability of at least
   ``distress`` reaches ``evidence_distress_threshold``, else ``none``. A silent lexicon
   never lowers anything.

``public_risk``, the **public level** (never above ``risk``), decides only what the bot
says in front of the group: the classifier alone, without the lexicon agreeing (a floor
of ``agree_floor`` or more), counts at ``indirect`` or above only when it is sure
(``public_raise_threshold``), else ``distress`` above ``public_distress_threshold``,
else ``none``.
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

# The lexicon's codes for positive evidence that crisis words are harmless here
# (``evidence.lexicon.harmless[].context``): an idiom, a negation, someone else,
# addressed to the reader, the past, fiction / news / school, a hurtful reply.
HARMLESS_CONTEXTS: tuple[str, ...] = (
    "idiom", "negated", "other", "you", "past", "fiction", "aimed_at_other"
)

# Tuned on the training data's cross-validation and the dev set (see nlu/README.md).
DEFAULT_LEVEL_THRESHOLD = 0.4
DEFAULT_AGREE_FLOOR = "indirect"
DEFAULT_EVIDENCE_RAISE_THRESHOLD = 1.01
DEFAULT_EVIDENCE_DISTRESS_THRESHOLD = 0.5
DEFAULT_PUBLIC_RAISE_THRESHOLD = 0.95
DEFAULT_PUBLIC_DISTRESS_THRESHOLD = 0.5
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


def lower(*levels: str) -> str:
    """The lowest of the given levels (``none`` when none are given)."""
    return min(levels, key=rank, default="none")


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


def unless_sure(
    scores: Mapping[str, float],
    *,
    level_threshold: float,
    raise_threshold: float,
    distress_threshold: float,
) -> str:
    """The classifier's level when something speaks against its reading.

    The fail-safe level stands when the probability of at least ``indirect`` reaches
    ``raise_threshold``; otherwise ``distress`` when the probability of at least
    ``distress`` reaches ``distress_threshold``, else ``none``. Never above the
    fail-safe level.
    """
    level = classifier_level(scores, level_threshold)
    at_least = at_least_scores(scores)
    if at_least["indirect"] >= raise_threshold:
        return level
    # Never above the fail-safe reading: the bar is the higher of the two thresholds.
    bar = max(distress_threshold, level_threshold)
    return lower(level, "distress" if at_least["distress"] >= bar else "none")


def gated_level(
    scores: Mapping[str, float],
    floor: str,
    *,
    level_threshold: float = DEFAULT_LEVEL_THRESHOLD,
    raise_threshold: float = DEFAULT_PUBLIC_RAISE_THRESHOLD,
    distress_threshold: float = DEFAULT_PUBLIC_DISTRESS_THRESHOLD,
    agree_floor: str = DEFAULT_AGREE_FLOOR,
) -> tuple[str, bool]:
    """The classifier's level after the agreement gate (the public level's rule), and
    whether the gate lowered it: the fail-safe level stands when the lexicon's ``floor``
    is at least ``agree_floor``, else :func:`unless_sure`."""
    level = classifier_level(scores, level_threshold)
    if rank(floor) >= rank(agree_floor):
        return level, False
    gated = unless_sure(scores, level_threshold=level_threshold,
                        raise_threshold=raise_threshold, distress_threshold=distress_threshold)
    return gated, rank(gated) < rank(level)


def harmless_evidence(lexicon: Detection) -> list[dict[str, str]]:
    """The lexicon's positive evidence that its crisis words are harmless here
    (``[{"id": rule or idiom id, "context": code}]``; codes in HARMLESS_CONTEXTS)."""
    found = (lexicon.evidence.get("lexicon") or {}).get("harmless") or []
    return [
        {"id": str(h.get("id")), "context": str(h.get("context"))}
        for h in found
        if isinstance(h, Mapping) and h.get("context") in HARMLESS_CONTEXTS
    ]


@dataclass
class Detection:
    """How worried to be about one message, and why (never the message text).

    ``risk`` is the care level (private care, emergency numbers, escalation);
    ``public_risk`` the level the group line follows, never above ``risk``
    (``None``: the same as ``risk``).
    """

    risk: str = "none"
    peer_harm: bool = False
    method_detail: bool = False
    topics: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    public_risk: str | None = None

    def __post_init__(self) -> None:
        if self.public_risk is None:
            self.public_risk = self.risk
        else:
            self.public_risk = lower(self.public_risk, self.risk)

    def as_dict(self) -> dict[str, Any]:
        return {
            "risk": self.risk,
            "public_risk": self.public_risk,
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
    agree_floor: str = DEFAULT_AGREE_FLOOR,
    evidence_raise_threshold: float = DEFAULT_EVIDENCE_RAISE_THRESHOLD,
    evidence_distress_threshold: float = DEFAULT_EVIDENCE_DISTRESS_THRESHOLD,
    public_raise_threshold: float = DEFAULT_PUBLIC_RAISE_THRESHOLD,
    public_distress_threshold: float = DEFAULT_PUBLIC_DISTRESS_THRESHOLD,
    peer_harm_threshold: float = DEFAULT_PEER_HARM_THRESHOLD,
) -> Detection:
    """Merge the lexicon's finding with the classifier's intent ranking, failing safe.

    ``ranking`` is ``None`` when no classifier ran (the lexicon-only path): the lexicon's
    finding is then the result, its floor both the care and the public level. Otherwise
    see the module docstring: the care level is the higher of the lexicon's floor and
    the classifier's fail-safe level, lowered only by the lexicon's evidence that the
    message is harmless; the public level filters the classifier alone for precision.
    The classifier never lowers what the lexicon found.
    """
    if ranking is None:
        evidence = dict(lexicon.evidence)
        evidence["classifier"] = None
        return Detection(
            lexicon.risk, lexicon.peer_harm, lexicon.method_detail, list(lexicon.topics),
            evidence, public_risk=lexicon.risk,
        )
    pairs = [(str(i), float(c)) for i, c in ranking]
    scores = level_scores(pairs)
    floor = lexicon.risk
    fail_safe = classifier_level(scores, level_threshold)

    # Care: only positive evidence of harmlessness lowers the fail-safe reading.
    harmless = harmless_evidence(lexicon) if rank(floor) < rank(agree_floor) else []
    care_level = fail_safe
    if harmless:
        care_level = unless_sure(
            scores, level_threshold=level_threshold,
            raise_threshold=evidence_raise_threshold,
            distress_threshold=evidence_distress_threshold,
        )
    lowered = rank(care_level) < rank(fail_safe)

    # Public: a precision filter on the classifier alone; never above the care level.
    public_level, public_lowered = gated_level(
        scores, floor, level_threshold=level_threshold,
        raise_threshold=public_raise_threshold, distress_threshold=public_distress_threshold,
        agree_floor=agree_floor,
    )
    public_level = lower(public_level, care_level)

    peer_score = sum(c for i, c in pairs if i == PEER_HARM_INTENT)
    top = max((p for p in pairs if p[0] not in IGNORED_INTENTS), key=lambda p: p[1], default=None)
    evidence = dict(lexicon.evidence)
    evidence["classifier"] = {
        "intent": top[0] if top else None,
        "confidence": round(top[1], 4) if top else None,
        "fail_safe_level": fail_safe,
        "level": care_level,
        "lowered_by": (sorted({h["context"] for h in harmless}) if lowered else []),
        "lowered_rules": (sorted({h["id"] for h in harmless}) if lowered else []),
        "public_level": public_level,
        "public_lowered_by": (
            "no_agreement" if public_lowered and rank(public_level) < rank(care_level)
            else None
        ),
        "level_scores": {k: round(v, 4) for k, v in scores.items()},
        "peer_harm_score": round(peer_score, 4),
    }
    risk = higher(floor, care_level)
    evidence["decided_by"] = (
        "both" if rank(floor) == rank(care_level)
        else ("lexicon" if rank(floor) > rank(care_level) else "classifier")
    )
    return Detection(
        risk=risk,
        peer_harm=lexicon.peer_harm or peer_score >= peer_harm_threshold,
        method_detail=lexicon.method_detail,
        topics=list(lexicon.topics),
        evidence=evidence,
        public_risk=higher(floor, public_level),
    )
