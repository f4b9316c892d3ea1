"""Tune the fail-safe combination on the training data (out of fold) and the dev set.

    PYTHONPATH=. env/rasa/.venv/bin/python -m nlu.tune collect [--folds 3]
    PYTHONPATH=. env/rasa/.venv/bin/python -m nlu.tune search
    PYTHONPATH=. env/rasa/.venv/bin/python -m nlu.tune show [--source dev] [--level none]

``collect`` trains one model per fold on the rest of the training data and parses the
held-out examples (so every training example gets a prediction from a model that never
saw it), and parses the dev set with the cached model for the current data. It stores
the lexicon's floor and the classifier's full intent ranking per example (no message
text) in ``var/nlu-tune/predictions.json``. ``search`` replays :func:`nlu.risk.combine`
over a grid of its parameters and prints issue 12's targets at the care level on both
sources, with the public level's false alarms. ``show`` prints the examples a setting
gets wrong (for the coordinator's eyes).

The evaluation sets (``nlu/eval/test.yml``, ``nlu/eval/outside.yml``) are never read
here: they are for measuring.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nlu.dataset import DATA_DIR, DEV_FILE, Labelled, load_labelled, training_examples
from nlu.metrics import TARGETS, score
from nlu.risk import INTENT_LEVEL, PEER_HARM_INTENT, Detection, combine

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "nlu-tune" / "predictions.json"


def training_labelled() -> list[Labelled]:
    """The training examples as labelled messages (intent -> level, peer_harm)."""
    return [
        Labelled(text=text, risk=INTENT_LEVEL.get(intent, "none"),
                 peer_harm=intent == PEER_HARM_INTENT)
        for intent, text in training_examples()
    ]


def _record(source: str, index: int, item: Labelled, parsed: dict[str, Any]) -> dict[str, Any]:
    lexicon = parsed.get("crisis_lexicon") or {}
    return {
        "source": source,
        "index": index,
        "intent": (parsed.get("intent") or {}).get("name"),
        "risk": item.risk,
        "peer_harm": item.peer_harm,
        "lexicon": {k: lexicon.get(k) for k in ("risk", "peer_harm", "method_detail", "topics")},
        "ranking": [(r["name"], r["confidence"]) for r in parsed.get("intent_ranking") or []],
    }


def _parse_all(model: Path | str, texts: Sequence[str]) -> list[dict[str, Any]]:
    from nlu.detection import RasaDetector

    detector = RasaDetector(model)
    return [detector.parse(text) for text in texts]


def collect(folds: int, config: Path | None = None, seed: int = 2024) -> list[dict[str, Any]]:
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from nlu.train import CONFIG, ensure_model

    config = config or CONFIG
    records: list[dict[str, Any]] = []
    data = load_data(str(DATA_DIR))
    examples = data.intent_examples
    # Records point into training_labelled() (the order ``show`` prints from); Rasa
    # loads the files in another order, so map by text.
    index_of = {m.text: i for i, m in enumerate(training_labelled())}
    labelled = [
        Labelled(text=e.get("text"), risk=INTENT_LEVEL.get(e.get("intent"), "none"),
                 peer_harm=e.get("intent") == PEER_HARM_INTENT)
        for e in examples
    ]
    missing = [m.text for m in labelled if m.text not in index_of]
    assert not missing, f"texts Rasa reads differently: {missing[:3]}"
    # Stratified by intent, seeded: the same folds every run.
    by_intent: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        by_intent.setdefault(example.get("intent"), []).append(i)
    fold_of = {}
    rng = random.Random(seed)  # noqa: S311 (fold assignment, not security)
    for indices in by_intent.values():
        shuffled = indices[:]
        rng.shuffle(shuffled)
        for position, i in enumerate(shuffled):
            fold_of[i] = position % folds
    for fold in range(folds):
        started = time.monotonic()
        train = [e for i, e in enumerate(examples) if fold_of[i] != fold]
        held_out = [i for i in range(len(examples)) if fold_of[i] == fold]
        subset = TrainingData(training_examples=train, entity_synonyms=data.entity_synonyms,
                              regex_features=data.regex_features,
                              lookup_tables=data.lookup_tables)
        with tempfile.TemporaryDirectory() as tmp:
            file = Path(tmp) / "train.yml"
            RasaYAMLWriter().dump(file, subset)
            model = train_nlu(str(config), str(file), tmp, fixed_model_name="fold",
                              additional_arguments={"num_threads": 2})
            parsed = _parse_all(model, [labelled[i].text for i in held_out])
        records += [_record("oof", index_of[labelled[i].text], labelled[i], p)
                    for i, p in zip(held_out, parsed, strict=True)]
        print(f"fold {fold + 1}/{folds}: {len(held_out)} held out, "
              f"{time.monotonic() - started:.0f} s", file=sys.stderr)
    dev = load_labelled(DEV_FILE)
    if config == CONFIG:
        parsed = _parse_all(ensure_model(num_threads=2), [m.text for m in dev])
    else:  # an experiment: a model on all the training data, not cached
        with tempfile.TemporaryDirectory() as tmp:
            model = train_nlu(str(config), str(DATA_DIR), tmp, fixed_model_name="all",
                              additional_arguments={"num_threads": 2})
            parsed = _parse_all(model, [m.text for m in dev])
    records += [_record("dev", i, m, p) for i, (m, p) in enumerate(zip(dev, parsed, strict=True))]
    return records


def lexicon_floors(records: Sequence[dict[str, Any]]) -> None:
    """Run the lexicon (deterministic) afresh on every record, so a lexicon change is
    measured without parsing again; stored as ``record["floor"]``."""
    from nlu.lexicon import assess

    texts = {"oof": [m.text for m in training_labelled()],
             "dev": [m.text for m in load_labelled(DEV_FILE)]}
    for r in records:
        r["floor"] = assess(texts[r["source"]][r["index"]])


def replay(records: Sequence[dict[str, Any]], **params: Any) -> list[Detection]:
    return [combine(r["floor"], r["ranking"], **params) for r in records]


def _items(records: Sequence[dict[str, Any]]) -> list[Labelled]:
    return [Labelled(text=str(r["index"]), risk=r["risk"], peer_harm=r["peer_harm"])
            for r in records]


GRID = {
    "level_threshold": (0.25, 0.3, 0.35, 0.4),
    "evidence_raise_threshold": (0.8, 0.9, 0.95, 1.01),
    "evidence_distress_threshold": (0.4, 0.5, 0.6),
    "public_raise_threshold": (0.9, 0.95, 1.01),
    "public_distress_threshold": (0.5,),
    "agree_floor": ("indirect",),
    "peer_harm_threshold": (0.6,),
}
SHORT = {
    "direct_or_imminent_at_least_direct": "d+",
    "imminent_as_imminent": "imm",
    "indirect_at_least_indirect": "ind+",
    "distress_at_least_distress": "dis+",
    "none_raised_to_indirect": "none>=ind",
    "none_raised_to_direct": "none>=dir",
    "peer_harm_recall": "peer",
}


def search(records: Sequence[dict[str, Any]], grid: dict[str, tuple[Any, ...]] = GRID) -> None:
    """Every setting of the grid: the care level's targets on both sources, and the
    public level's false alarms (none raised to >= indirect) and indirect recall."""
    sources = ("oof", "dev")
    split = {s: [r for r in records if r["source"] == s] for s in sources}
    sources = tuple(s for s in sources if split[s])
    names = [name for name, *_ in TARGETS]
    header = " ".join(SHORT[n] for n in names) + " | public: none>=ind ind+ dis+"
    print("params | " + " || ".join(f"{s}: {header}" for s in sources))
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values, strict=True))
        row = []
        met_all = True
        for s in sources:
            verdicts = replay(split[s], **params)
            care = score(_items(split[s]), verdicts)
            public = score(_items(split[s]), verdicts, level="public_risk")
            row.append(" ".join(f"{care.targets[n]:.3f}" for n in names)
                       + f" | {public.targets['none_raised_to_indirect']:.3f}"
                       f" {public.targets['indirect_at_least_indirect']:.3f}"
                       f" {public.targets['distress_at_least_distress']:.3f}")
            met_all &= care.all_targets_met
        flag = "ok " if met_all else "   "
        print(f"{flag}{params} | " + " || ".join(row))


def show(records: Sequence[dict[str, Any]], source: str, level: str | None,
         params: dict[str, Any], public: bool = False) -> None:
    """What a setting gets wrong at the care level (or the public one), with why."""
    texts = ([m.text for m in training_labelled()] if source == "oof"
             else [m.text for m in load_labelled(DEV_FILE)])
    chosen = [r for r in records if r["source"] == source and (level is None or r["risk"] == level)]
    for r, d in zip(chosen, replay(chosen, **params), strict=True):
        got = d.public_risk if public else d.risk
        if got != r["risk"]:
            top = sorted(r["ranking"], key=lambda p: -p[1])[:2]
            cls = d.evidence.get("classifier") or {}
            lowered = ",".join(cls.get("lowered_by") or []) or "-"
            print(f"{r['risk']:>9} -> {got:9} lex {r['floor'].risk:9} low {lowered:8} "
                  f"{[(n, round(c, 2)) for n, c in top]}  {texts[r['index']]}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlu.tune")
    parser.add_argument("command", choices=("collect", "search", "show"))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--config", type=Path, default=None, help="another pipeline (experiments)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--source", choices=("oof", "dev"), default="dev")
    parser.add_argument("--level", default=None)
    parser.add_argument("--params", default="{}", help="JSON: combine() keyword arguments")
    parser.add_argument("--public", action="store_true", help="show: the public level")
    args = parser.parse_args(argv)
    from nlu.detection import quiet_rasa_logging

    quiet_rasa_logging()
    if args.command == "collect":
        records = collect(args.folds, args.config)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(records), encoding="utf-8")
        print(args.out)
        return 0
    records = json.loads(args.out.read_text(encoding="utf-8"))
    lexicon_floors(records)
    if args.command == "search":
        search(records)
    else:
        show(records, args.source, args.level, json.loads(args.params), args.public)
    return 0


if __name__ == "__main__":
    asyncio.set_event_loop(asyncio.new_event_loop())
    sys.exit(main())
