"""Labelled message sets (``nlu/eval/*.yml``) and the training data's texts, plus the
duplicate check that keeps evaluation and training apart.

Shared code (standard library and PyYAML): the evaluation report runs it in the Rasa
environment, the data tests on both sides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlu.risk import LEVELS, TOPICS

NLU_DIR = Path(__file__).resolve().parent
DATA_DIR = NLU_DIR / "data"
EVAL_FILE = NLU_DIR / "eval" / "test.yml"
DEV_FILE = NLU_DIR / "eval" / "dev.yml"
# Written by people outside the detection work, in teens' own registers; held out:
# never read for training or tuning, and its messages are never printed by the
# report's terminal output (only the coordinators' HTML lists its misses).
OUTSIDE_FILE = NLU_DIR / "eval" / "outside.yml"
MIN_OUTSIDE_MESSAGES = 300


@dataclass(frozen=True)
class EvalSet:
    """An evaluation set: measured against the targets, never tuned on."""

    name: str
    path: Path
    held_out: bool = False  # its texts stay out of terminal output

    @property
    def exists(self) -> bool:
        return self.path.is_file()


# Every set the targets are measured on (the dev set is for tuning, not here).
EVAL_SETS: tuple[EvalSet, ...] = (
    EvalSet("test", EVAL_FILE),
    EvalSet("outside", OUTSIDE_FILE, held_out=True),
)
DEV_SET = EvalSet("dev", DEV_FILE)
VARIANTS = ("be", "nl", "mixed")
NEAR_DUPLICATE_JACCARD = 0.8


@dataclass(frozen=True)
class Labelled:
    """One message with its expected verdict."""

    text: str
    risk: str
    peer_harm: bool = False
    method_detail: bool = False
    topics: tuple[str, ...] = ()
    variant: str = "be"
    tags: tuple[str, ...] = field(default_factory=tuple)


def load_labelled(path: Path | str = EVAL_FILE) -> list[Labelled]:
    """Read a labelled set; raises ValueError naming the message on a bad label."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out: list[Labelled] = []
    for g, group in enumerate(data["groups"], 1):
        defaults = {k: v for k, v in group.items() if k != "messages"}
        for item in group["messages"]:
            fields: dict[str, Any] = dict(defaults)
            if isinstance(item, dict):
                fields.update(item)
            else:
                fields["text"] = item
            text = str(fields.get("text", "")).strip()
            problem = _problem(fields)
            if not text or problem:
                where = f"{Path(path).name} group {g}"
                raise ValueError(f"{where}: {problem or 'empty text'}: {text!r}")
            out.append(
                Labelled(
                    text=text,
                    risk=fields["risk"],
                    peer_harm=bool(fields.get("peer_harm", False)),
                    method_detail=bool(fields.get("method_detail", False)),
                    topics=tuple(fields.get("topics") or ()),
                    variant=fields.get("variant", "be"),
                    tags=tuple(fields.get("tags") or ()),
                )
            )
    return out


def _problem(fields: dict[str, Any]) -> str | None:
    if fields.get("risk") not in LEVELS:
        return f"risk must be one of {LEVELS}"
    if any(t not in TOPICS for t in fields.get("topics") or ()):
        return f"topics must be among {TOPICS}"
    if fields.get("variant", "be") not in VARIANTS:
        return f"variant must be one of {VARIANTS}"
    return None


def training_examples(data_dir: Path | str = DATA_DIR) -> Iterator[tuple[str, str]]:
    """``(intent, text)`` for every example in the Rasa NLU training files."""
    for path in sorted(Path(data_dir).glob("**/*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []) or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield block["intent"], _strip_entities(line[2:].strip())


def _strip_entities(text: str) -> str:
    # "[pillen](means)" -> "pillen"
    return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)


def comparable(text: str) -> str:
    """Case, accents, punctuation, emoji and spacing removed: for duplicate checks."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"[^\w\s]", " ", plain)
    return " ".join(plain.split())


def jaccard(a: str, b: str) -> float:
    ta, tb = set(comparable(a).split()), set(comparable(b).split())
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def near_duplicates(
    left: Iterable[str], right: Iterable[str], threshold: float = NEAR_DUPLICATE_JACCARD
) -> list[tuple[str, str, float]]:
    """Pairs that are equal after :func:`comparable` or share >= threshold of their words."""
    right_list = list(right)
    right_sets = [(r, set(comparable(r).split())) for r in right_list]
    right_exact = {comparable(r): r for r in right_list}
    found: list[tuple[str, str, float]] = []
    for text in left:
        key = comparable(text)
        if key in right_exact:
            found.append((text, right_exact[key], 1.0))
            continue
        words = set(key.split())
        if not words:
            continue
        for other, other_words in right_sets:
            if not other_words:
                continue
            score = len(words & other_words) / len(words | other_words)
            if score >= threshold:
                found.append((text, other, round(score, 3)))
                break
    return found
