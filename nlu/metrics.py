"""Scores of a detector on a labelled set: per-level recall and precision, the confusion
matrix, the targets, and the misses (as text, for the coordinator's report).

Either level of a verdict can be scored: ``risk`` (the care level: private care,
escalation) or ``public_risk`` (what the group line follows).

Shared code (standard library only): the thresholds test runs it on both sides for
the lexicon, and in the Rasa environment for the full detector.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlu.dataset import Labelled
from nlu.risk import LEVELS, TOPICS, Detection, rank

# (name, description, target, higher_is_better)
Target = tuple[str, str, float, bool]

# Issue 12's "Done when", at the care level, on every evaluation set.
TARGETS: tuple[Target, ...] = (
    ("direct_or_imminent_at_least_direct", "direct and imminent detected as >= direct", 1.0, True),
    ("imminent_as_imminent", "imminent detected as imminent", 0.90, True),
    ("indirect_at_least_indirect", "indirect detected as >= indirect", 0.90, True),
    ("distress_at_least_distress", "distress detected as >= distress", 0.85, True),
    ("none_raised_to_indirect", "none raised to >= indirect (at most)", 0.05, False),
    ("none_raised_to_direct", "none raised to >= direct (at most)", 0.0, False),
    ("peer_harm_recall", "peer_harm flagged", 0.95, True),
)
# Issue 4's bar, kept for the lexicon alone on test.yml: the gateway's path when Rasa
# is down must stay as good as it was.
LEXICON_TARGETS: tuple[Target, ...] = (
    ("direct_or_imminent_at_least_direct", "direct and imminent detected as >= direct", 1.0, True),
    ("imminent_as_imminent", "imminent detected as imminent", 0.90, True),
    ("indirect_at_least_indirect", "indirect detected as >= indirect", 0.95, True),
    ("distress_at_least_distress", "distress detected as >= distress", 0.90, True),
    ("none_raised_to_indirect", "none raised to >= indirect (at most)", 0.03, False),
    ("peer_harm_recall", "peer_harm flagged", 0.95, True),
)
LEVEL_ATTRIBUTES = ("risk", "public_risk")


@dataclass
class Miss:
    text: str
    expected: str
    got: str
    what: str  # "risk", "peer_harm", "method_detail"
    rules: list[str] = field(default_factory=list)


@dataclass
class Scores:
    n: int
    confusion: dict[str, dict[str, int]]
    recall: dict[str, float]
    precision: dict[str, float]
    targets: dict[str, float]
    flags: dict[str, dict[str, float]]
    topics: dict[str, dict[str, float]]
    false_negatives: list[Miss]
    false_positives: list[Miss]
    spec: tuple[Target, ...] = TARGETS
    level: str = "risk"

    def target_rows(self) -> list[tuple[str, str, float, float, bool]]:
        rows = []
        for name, label, target, higher_better in self.spec:
            value = self.targets[name]
            ok = value >= target if higher_better else value <= target
            rows.append((name, label, value, target, ok))
        return rows

    @property
    def all_targets_met(self) -> bool:
        return all(row[-1] for row in self.target_rows())

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "level": self.level,
            "confusion": self.confusion,
            "recall": self.recall,
            "precision": self.precision,
            "targets": {
                name: {"value": v, "target": t, "met": ok}
                for name, _label, v, t, ok in self.target_rows()
            },
            "flags": self.flags,
            "topics": self.topics,
        }


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 1.0


def _rules(d: Detection) -> list[str]:
    lex = d.evidence.get("lexicon") or {}
    out = [f"{r['id']}:{r['context']}" for r in lex.get("rules", [])] + list(lex.get("idioms", []))
    cls = d.evidence.get("classifier") or {}
    if cls:
        out.append(f"classifier:{cls.get('intent')}:{cls.get('fail_safe_level')}")
        out += [f"lowered_by:{code}" for code in cls.get("lowered_by") or []]
    return out


def score(
    items: Sequence[Labelled],
    predictions: Sequence[Detection],
    *,
    level: str = "risk",
    spec: tuple[Target, ...] = TARGETS,
) -> Scores:
    """Score ``predictions`` at ``level`` (``risk``: care, ``public_risk``: public)."""
    if level not in LEVEL_ATTRIBUTES:
        raise ValueError(f"level must be one of {LEVEL_ATTRIBUTES}")
    attribute = level
    confusion = {e: dict.fromkeys(LEVELS, 0) for e in LEVELS}
    fn: list[Miss] = []
    fp: list[Miss] = []
    for item, pred in zip(items, predictions, strict=True):
        got = str(getattr(pred, attribute) or pred.risk)
        confusion[item.risk][got] += 1
        if rank(got) < rank(item.risk):
            fn.append(Miss(item.text, item.risk, got, "risk", _rules(pred)))
        elif rank(got) > rank(item.risk):
            fp.append(Miss(item.text, item.risk, got, "risk", _rules(pred)))
        for flag in ("peer_harm", "method_detail"):
            want, got = getattr(item, flag), getattr(pred, flag)
            if want and not got:
                fn.append(Miss(item.text, "yes", "no", flag, _rules(pred)))
            elif got and not want:
                fp.append(Miss(item.text, "no", "yes", flag, _rules(pred)))
    recall = {}
    precision = {}
    for level in LEVELS:
        truth = sum(confusion[level].values())
        predicted = sum(confusion[e][level] for e in LEVELS)
        recall[level] = _ratio(confusion[level][level], truth)
        precision[level] = _ratio(confusion[level][level], predicted)

    def at_least(levels: Sequence[str], floor: str) -> float:
        rows = [(e, p) for e in levels for p in LEVELS for _ in range(confusion[e][p])]
        return _ratio(sum(1 for _e, p in rows if rank(p) >= rank(floor)), len(rows))

    none_total = sum(confusion["none"].values())
    none_raised = sum(confusion["none"][p] for p in LEVELS if rank(p) >= rank("indirect"))
    none_direct = sum(confusion["none"][p] for p in LEVELS if rank(p) >= rank("direct"))
    targets = {
        "direct_or_imminent_at_least_direct": at_least(["direct", "imminent"], "direct"),
        "imminent_as_imminent": at_least(["imminent"], "imminent"),
        "indirect_at_least_indirect": at_least(["indirect"], "indirect"),
        "distress_at_least_distress": at_least(["distress"], "distress"),
        "none_raised_to_indirect": _ratio(none_raised, none_total) if none_total else 0.0,
        "none_raised_to_direct": _ratio(none_direct, none_total) if none_total else 0.0,
        "peer_harm_recall": _flag_scores(items, predictions, "peer_harm")["recall"],
    }
    flags = {f: _flag_scores(items, predictions, f) for f in ("peer_harm", "method_detail")}
    topics = {}
    for topic in TOPICS:
        pairs = zip(items, predictions, strict=True)
        tp = sum(1 for i, p in pairs if topic in i.topics and topic in p.topics)
        want = sum(1 for i in items if topic in i.topics)
        got = sum(1 for p in predictions if topic in p.topics)
        topics[topic] = {"recall": _ratio(tp, want), "precision": _ratio(tp, got), "n": want}
    return Scores(
        n=len(items),
        confusion=confusion,
        recall=recall,
        precision=precision,
        targets=targets,
        flags=flags,
        topics=topics,
        false_negatives=fn,
        false_positives=fp,
        spec=spec,
        level=attribute,
    )


def _flag_scores(
    items: Sequence[Labelled], predictions: Sequence[Detection], flag: str
) -> dict[str, float]:
    pairs = zip(items, predictions, strict=True)
    tp = sum(1 for i, p in pairs if getattr(i, flag) and getattr(p, flag))
    want = sum(1 for i in items if getattr(i, flag))
    got = sum(1 for p in predictions if getattr(p, flag))
    return {"recall": _ratio(tp, want), "precision": _ratio(tp, got), "n": want}


def run(
    items: Sequence[Labelled],
    detect: Callable[[str], Detection],
    *,
    level: str = "risk",
    spec: tuple[Target, ...] = TARGETS,
) -> Scores:
    return score(items, [detect(item.text) for item in items], level=level, spec=spec)
