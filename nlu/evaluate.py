"""Measure detection on the evaluation set and write a report for the coordinators.

    PYTHONPATH=. env/rasa/.venv/bin/python -m nlu.evaluate [--set eval|dev]
        [--lexicon-only] [--cv-folds N | --no-cv] [--out var/nlu-report]

Prints per-level recall and precision, the targets of issue 4, the confusion matrix,
flag and topic scores, the false negatives and false positives (message text, for the
coordinator's eyes: printed and written to the report, never logged), and the
classifier's cross-validated intent figures; writes ``report.html`` (with the
confusion matrix as a picture), ``confusion.png`` and ``report.json`` to ``--out``.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nlu.dataset import DATA_DIR, DEV_FILE, EVAL_FILE, load_labelled
from nlu.detection import load_detector, quiet_rasa_logging
from nlu.metrics import Scores, run
from nlu.risk import LEVELS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "var" / "nlu-report"


def _rp(s: dict[str, float]) -> str:
    return f"recall {s['recall']:.3f}  precision {s['precision']:.3f}  n {int(s['n'])}"


def format_text(scores: Scores, detector: str, cv: dict[str, Any] | None) -> str:
    lines = [f"Detector: {detector}   messages: {scores.n}", "", "Per level:"]
    lines.append(f"  {'level':10} {'recall':>8} {'precision':>10} {'n':>5}")
    for level in LEVELS:
        n = sum(scores.confusion[level].values())
        lines.append(
            f"  {level:10} {scores.recall[level]:8.3f} {scores.precision[level]:10.3f} {n:5d}"
        )
    lines += ["", "Targets:"]
    for _name, label, value, target, ok in scores.target_rows():
        sign = "<=" if "at most" in label else ">="
        lines.append(f"  [{'ok' if ok else 'MISSED'}] {label}: {value:.3f} ({sign} {target})")
    lines += ["", "Confusion matrix (rows: expected, columns: detected):"]
    lines.append("  " + " " * 10 + "".join(f"{p:>10}" for p in LEVELS))
    for e in LEVELS:
        lines.append(f"  {e:10}" + "".join(f"{scores.confusion[e][p]:10d}" for p in LEVELS))
    lines += ["", "Flags:"]
    for flag, s in scores.flags.items():
        lines.append(f"  {flag:14} {_rp(s)}")
    lines += ["", "Topics:"]
    for topic, s in scores.topics.items():
        lines.append(f"  {topic:14} {_rp(s)}")
    for title, misses in (("False negatives", scores.false_negatives),
                          ("False positives", scores.false_positives)):
        lines += ["", f"{title} ({len(misses)}):"]
        for m in misses:
            lines.append(f"  [{m.what}] expected {m.expected}, got {m.got}: {m.text}")
            if m.rules:
                lines.append(f"      rules: {', '.join(m.rules)}")
    lines += ["", "Classifier cross-validation (intents, training data):"]
    if cv is None:
        lines.append("  not run (--no-cv or --lexicon-only)")
    elif "error" in cv:
        lines.append(f"  unavailable: {cv['error']}")
    else:
        lines.append(f"  folds: {cv['folds']}")
        for metric, value in cv["test_means"].items():
            lines.append(f"  {metric:12} {value:.3f} (test, mean over folds)")
        for intent, s in sorted(cv.get("per_intent", {}).items()):
            lines.append(
                f"  {intent:16} precision {s['precision']:.3f}  recall {s['recall']:.3f}  "
                f"f1 {s['f1-score']:.3f}  n {s['support']}"
            )
    return "\n".join(lines)


def confusion_png(scores: Scores) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = [[scores.confusion[e][p] for p in LEVELS] for e in LEVELS]
    fig, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(LEVELS)), labels=LEVELS, rotation=30)
    ax.set_yticks(range(len(LEVELS)), labels=LEVELS)
    ax.set_xlabel("detected")
    ax.set_ylabel("expected")
    ax.set_title("Risk levels: expected vs detected")
    top = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            colour = "white" if value > top / 2 else "black"
            ax.text(j, i, str(value), ha="center", va="center", color=colour)
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def format_html(scores: Scores, detector: str, cv: dict[str, Any] | None, png: bytes) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr><td>{lvl}</td><td>{scores.recall[lvl]:.3f}</td><td>{scores.precision[lvl]:.3f}"
        f"</td><td>{sum(scores.confusion[lvl].values())}</td></tr>"
        for lvl in LEVELS
    )
    targets = "".join(
        f"<tr class='{'ok' if ok else 'missed'}'><td>{esc(label)}</td><td>{value:.3f}</td>"
        f"<td>{target}</td><td>{'met' if ok else 'MISSED'}</td></tr>"
        for _n, label, value, target, ok in scores.target_rows()
    )

    def misses(items: Sequence[Any]) -> str:
        return "".join(
            f"<tr><td>{esc(m.what)}</td><td>{esc(m.expected)}</td><td>{esc(m.got)}</td>"
            f"<td>{esc(m.text)}</td><td>{esc(', '.join(m.rules))}</td></tr>"
            for m in items
        )

    cv_text = esc(format_text(scores, detector, cv).split("Classifier cross-validation")[1])
    picture = base64.b64encode(png).decode()
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Crisis detection report</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px}}
tr.missed td{{background:#fdd}}tr.ok td{{background:#efe}}</style></head><body>
<h1>Crisis detection report</h1>
<p>Detector: <b>{esc(detector)}</b>; messages: {scores.n}. Message texts below are for
the coordinators only; do not forward them.</p>
<h2>Targets</h2><table><tr><th>target</th><th>value</th><th>goal</th><th></th></tr>{targets}</table>
<h2>Per level</h2><table>
<tr><th>level</th><th>recall</th><th>precision</th><th>n</th></tr>{rows}</table>
<h2>Confusion matrix</h2><img alt="confusion matrix" src="data:image/png;base64,{picture}">
<h2>False negatives ({len(scores.false_negatives)})</h2>
<table><tr><th>what</th><th>expected</th><th>got</th><th>message</th><th>rules</th></tr>
{misses(scores.false_negatives)}</table>
<h2>False positives ({len(scores.false_positives)})</h2>
<table><tr><th>what</th><th>expected</th><th>got</th><th>message</th><th>rules</th></tr>
{misses(scores.false_positives)}</table>
<h2>Classifier cross-validation</h2><pre>{cv_text}</pre>
</body></html>
"""


def cross_validate(folds: int) -> dict[str, Any]:
    """Rasa's stratified cross-validation of the intent classifier on the training data."""
    try:
        from rasa.nlu.test import cross_validate as rasa_cv
        from rasa.shared.nlu.training_data.loading import load_data
    except Exception as exc:  # the Rasa stack is incomplete
        return {"error": f"{type(exc).__name__}: {exc}".splitlines()[0][:200]}
    data = load_data(str(DATA_DIR))
    results, _entities, _responses = asyncio_run(
        rasa_cv(data, folds, str(ROOT / "config.yml"), disable_plotting=True, report_as_dict=True)
    )
    means = {k: sum(v) / len(v) for k, v in results.test.items() if v}
    per_intent: dict[str, Any] = {}
    report = (results.evaluation or {}).get("report") or {}
    for intent, values in report.items():
        if isinstance(values, dict) and "f1-score" in values and "support" in values:
            per_intent[intent] = values
    return {"folds": folds, "test_means": means, "per_intent": per_intent}


def asyncio_run(coroutine: Any) -> Any:
    import asyncio

    return asyncio.run(coroutine)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlu.evaluate", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--set", choices=("eval", "dev"), default="eval")
    parser.add_argument("--lexicon-only", action="store_true")
    parser.add_argument("--cv-folds", type=int, default=3)
    parser.add_argument("--no-cv", action="store_true")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    # Rasa logs each parse with its text at DEBUG: never on, and scrubbed if it were.
    quiet_rasa_logging()

    items = load_labelled(EVAL_FILE if args.set == "eval" else DEV_FILE)
    detector = load_detector(lexicon_only=args.lexicon_only)
    started = time.monotonic()
    scores = run(items, lambda text: detector.detect(text))
    elapsed = time.monotonic() - started
    cv = None
    if not (args.no_cv or args.lexicon_only or detector.name == "lexicon"):
        cv = cross_validate(args.cv_folds)
    elif not args.no_cv and detector.name == "lexicon" and not args.lexicon_only:
        cv = {"error": "the NLU model is unavailable, so the classifier was not cross-validated"}
    name = f"{detector.name} on {args.set} set"
    text = format_text(scores, name, cv)
    print(text)
    print(f"\n({scores.n} messages in {elapsed:.1f} s)")
    args.out.mkdir(parents=True, exist_ok=True)
    png = confusion_png(scores)
    (args.out / "confusion.png").write_bytes(png)
    (args.out / "report.html").write_text(format_html(scores, name, cv, png), encoding="utf-8")
    summary = {"detector": name, **scores.as_dict(), "cross_validation": cv}
    (args.out / "report.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"report: {args.out / 'report.html'}")
    return 0 if scores.all_targets_met else 1


if __name__ == "__main__":
    sys.exit(main())
