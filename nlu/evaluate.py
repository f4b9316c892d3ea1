"""Measure detection on the evaluation sets and write a report for the coordinators.

    PYTHONPATH=. env/rasa/.venv/bin/python -m nlu.evaluate [--set all|test|outside|dev]
        [--lexicon-only] [--cv-folds N | --no-cv] [--out var/nlu-report]

For each evaluation set (``nlu.dataset.EVAL_SETS``: ``test.yml`` and the held-out
``outside.yml``; or the dev set) and for **both levels** of the verdict, the care level
(``risk``: private care, escalation) and the public level (``public_risk``: the group
line): per-level recall and precision, the targets, the confusion matrix; then flag and
topic scores, the false negatives and false positives at the care level (message text,
for the coordinator's eyes, never logged; the held-out set's texts are written to the
HTML only, never to the terminal), and the classifier's cross-validated intent figures.
Writes ``report.html`` (with the confusion matrices as pictures), ``confusion-<set>.png``
and ``report.json`` to ``--out``. Exit status 0 when every care target is met on every
set measured, 1 otherwise or when a set is missing under ``CI=true``.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu.dataset import DATA_DIR, DEV_SET, EVAL_SETS, EvalSet, load_labelled
from nlu.detection import load_detector, quiet_rasa_logging
from nlu.metrics import LEXICON_TARGETS, TARGETS, Scores, Target, score
from nlu.risk import LEVELS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "var" / "nlu-report"
LEVEL_NAMES = {"risk": "care level (risk)", "public_risk": "public level (public_risk)"}


@dataclass
class SetReport:
    """One set's scores at both levels (``None`` when its file does not exist yet)."""

    set: EvalSet
    care: Scores | None = None
    public: Scores | None = None
    seconds: float = 0.0

    @property
    def missing(self) -> bool:
        return self.care is None

    @property
    def met(self) -> bool:
        return self.care is not None and self.care.all_targets_met


def _rp(s: dict[str, float]) -> str:
    return f"recall {s['recall']:.3f}  precision {s['precision']:.3f}  n {int(s['n'])}"


def _level_lines(scores: Scores) -> list[str]:
    lines = [f"  {'level':10} {'recall':>8} {'precision':>10} {'n':>5}"]
    for level in LEVELS:
        n = sum(scores.confusion[level].values())
        lines.append(
            f"  {level:10} {scores.recall[level]:8.3f} {scores.precision[level]:10.3f} {n:5d}"
        )
    lines += ["  Targets:"]
    for _name, label, value, target, ok in scores.target_rows():
        sign = "<=" if "at most" in label else ">="
        lines.append(f"    [{'ok' if ok else 'MISSED'}] {label}: {value:.3f} ({sign} {target})")
    lines += ["  Confusion matrix (rows: expected, columns: detected):"]
    lines.append("    " + " " * 10 + "".join(f"{p:>10}" for p in LEVELS))
    for e in LEVELS:
        lines.append(f"    {e:10}" + "".join(f"{scores.confusion[e][p]:10d}" for p in LEVELS))
    return lines


def format_set(report: SetReport) -> str:
    """One set's part of the printed report; a held-out set's texts are left out."""
    title = f"== {report.set.name} ({report.set.path.name})"
    if report.care is None or report.public is None:
        return "\n".join([
            title,
            f"  MISSING: {report.set.path} does not exist yet; its targets were not measured.",
        ])
    care, public = report.care, report.public
    lines = [f"{title}: {care.n} messages"]
    for scores in (care, public):
        lines += ["", f" {LEVEL_NAMES[scores.level]}:", *_level_lines(scores)]
    lines += ["", " Flags:"]
    for flag, s in care.flags.items():
        lines.append(f"  {flag:14} {_rp(s)}")
    lines += ["", " Topics:"]
    for topic, s in care.topics.items():
        lines.append(f"  {topic:14} {_rp(s)}")
    for title_, misses in (("False negatives", care.false_negatives),
                           ("False positives", care.false_positives)):
        lines += ["", f" {title_} at the care level ({len(misses)}):"]
        if report.set.held_out:
            lines.append("  (held-out set: texts only in the HTML report, for coordinators)")
            continue
        for m in misses:
            lines.append(f"  [{m.what}] expected {m.expected}, got {m.got}: {m.text}")
            if m.rules:
                lines.append(f"      rules: {', '.join(m.rules)}")
    return "\n".join(lines)


def format_cv(cv: dict[str, Any] | None) -> str:
    lines = ["Classifier cross-validation (intents, training data):"]
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


def format_text(reports: Sequence[SetReport], detector: str, cv: dict[str, Any] | None) -> str:
    parts = [f"Detector: {detector}"]
    parts += [format_set(r) for r in reports]
    parts.append(format_cv(cv))
    return "\n\n".join(parts)


def confusion_png(scores: Sequence[Scores]) -> bytes:
    """The confusion matrices of the given scores (care, public) side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(scores), figsize=(6 * len(scores), 5), squeeze=False)
    for ax, s in zip(axes[0], scores, strict=True):
        matrix = [[s.confusion[e][p] for p in LEVELS] for e in LEVELS]
        image = ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(len(LEVELS)), labels=LEVELS, rotation=30)
        ax.set_yticks(range(len(LEVELS)), labels=LEVELS)
        ax.set_xlabel("detected")
        ax.set_ylabel("expected")
        ax.set_title(LEVEL_NAMES[s.level])
        top = max(max(row) for row in matrix) or 1
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                colour = "white" if value > top / 2 else "black"
                ax.text(j, i, str(value), ha="center", va="center", color=colour)
        fig.colorbar(image, ax=ax)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def _html_level(scores: Scores) -> str:
    rows = "".join(
        f"<tr><td>{lvl}</td><td>{scores.recall[lvl]:.3f}</td><td>{scores.precision[lvl]:.3f}"
        f"</td><td>{sum(scores.confusion[lvl].values())}</td></tr>"
        for lvl in LEVELS
    )
    targets = "".join(
        f"<tr class='{'ok' if ok else 'missed'}'><td>{html.escape(label)}</td>"
        f"<td>{value:.3f}</td><td>{target}</td><td>{'met' if ok else 'MISSED'}</td></tr>"
        for _n, label, value, target, ok in scores.target_rows()
    )
    return (
        f"<h3>{LEVEL_NAMES[scores.level]}</h3>"
        f"<table><tr><th>target</th><th>value</th><th>goal</th><th></th></tr>{targets}</table>"
        "<table><tr><th>level</th><th>recall</th><th>precision</th><th>n</th></tr>"
        f"{rows}</table>"
    )


def _html_misses(items: Sequence[Any]) -> str:
    esc = html.escape
    body = "".join(
        f"<tr><td>{esc(m.what)}</td><td>{esc(m.expected)}</td><td>{esc(m.got)}</td>"
        f"<td>{esc(m.text)}</td><td>{esc(', '.join(m.rules))}</td></tr>"
        for m in items
    )
    return ("<table><tr><th>what</th><th>expected</th><th>got</th><th>message</th>"
            f"<th>rules</th></tr>{body}</table>")


def format_html_set(report: SetReport, png: bytes | None) -> str:
    esc = html.escape
    head = f"<h2>{esc(report.set.name)} <small>({esc(report.set.path.name)})</small></h2>"
    if report.care is None or report.public is None:
        where = esc(str(report.set.path))
        return head + f"<p class='missed'>Missing: {where} does not exist yet.</p>"
    care = report.care
    picture = (f"<img alt='confusion matrices' src='data:image/png;base64,"
               f"{base64.b64encode(png).decode()}'>" if png else "")
    misses = (
        f"<h3>False negatives at the care level ({len(care.false_negatives)})</h3>"
        f"{_html_misses(care.false_negatives)}"
        f"<h3>False positives at the care level ({len(care.false_positives)})</h3>"
        f"{_html_misses(care.false_positives)}"
    )
    if report.set.held_out:
        # Held out: for the coordinators only, folded away; never for tuning.
        misses = ("<details><summary>Misses of the held-out set (coordinators only: never "
                  "use them for training data or tuning)</summary>" + misses + "</details>")
    return (
        head + f"<p>{care.n} messages.</p>" + _html_level(care) + _html_level(report.public)
        + "<h3>Confusion matrices</h3>" + picture + misses
    )


def format_html(
    reports: Sequence[SetReport], detector: str, cv: dict[str, Any] | None,
    pngs: dict[str, bytes],
) -> str:
    esc = html.escape
    sets = "".join(format_html_set(r, pngs.get(r.set.name)) for r in reports)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Crisis detection report</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:2em auto}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px}}
tr.missed td,p.missed{{background:#fdd}}tr.ok td{{background:#efe}}</style></head><body>
<h1>Crisis detection report</h1>
<p>Detector: <b>{esc(detector)}</b>. Two levels per message: the <b>care level</b>
(<code>risk</code>) decides the private questions, emergency numbers and escalation; the
<b>public level</b> (<code>public_risk</code>, never above it) decides only what the bot
says in the group. Message texts below are for the coordinators only; do not forward them.</p>
{sets}
<h2>Classifier cross-validation</h2><pre>{esc(format_cv(cv))}</pre>
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


def measure(
    sets: Sequence[EvalSet], detector: Any, spec: tuple[Target, ...] = TARGETS
) -> list[SetReport]:
    """Every set that exists, detected once and scored at both levels."""
    reports = []
    for eval_set in sets:
        if not eval_set.exists:
            reports.append(SetReport(eval_set))
            continue
        items = load_labelled(eval_set.path)
        started = time.monotonic()
        verdicts = [detector.detect(item.text) for item in items]
        reports.append(SetReport(
            eval_set,
            care=score(items, verdicts, level="risk", spec=spec),
            public=score(items, verdicts, level="public_risk", spec=spec),
            seconds=time.monotonic() - started,
        ))
    return reports


def _sets(choice: str) -> list[EvalSet]:
    if choice == "all":
        return list(EVAL_SETS)
    if choice == "dev":
        return [DEV_SET]
    name = "test" if choice == "eval" else choice
    return [s for s in EVAL_SETS if s.name == name]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlu.evaluate", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--set", choices=("all", "test", "outside", "dev", "eval"),
                        default="all", help="all: every evaluation set (test and outside)")
    parser.add_argument("--lexicon-only", action="store_true",
                        help="the gateway's fallback path; measured against issue 4's bar")
    parser.add_argument("--cv-folds", type=int, default=3)
    parser.add_argument("--no-cv", action="store_true")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    # Rasa logs each parse with its text at DEBUG: never on, and scrubbed if it were.
    quiet_rasa_logging()

    detector = load_detector(lexicon_only=args.lexicon_only)
    spec = LEXICON_TARGETS if detector.name == "lexicon" else TARGETS
    reports = measure(_sets(args.set), detector, spec)
    cv = None
    if not (args.no_cv or args.lexicon_only or detector.name == "lexicon"):
        cv = cross_validate(args.cv_folds)
    elif not args.no_cv and detector.name == "lexicon" and not args.lexicon_only:
        cv = {"error": "the NLU model is unavailable, so the classifier was not cross-validated"}
    print(format_text(reports, detector.name, cv))
    args.out.mkdir(parents=True, exist_ok=True)
    pngs: dict[str, bytes] = {}
    for r in reports:
        if r.care is not None and r.public is not None:
            pngs[r.set.name] = confusion_png([r.care, r.public])
            (args.out / f"confusion-{r.set.name}.png").write_bytes(pngs[r.set.name])
    (args.out / "report.html").write_text(
        format_html(reports, detector.name, cv, pngs), encoding="utf-8"
    )
    summary = {
        "detector": detector.name,
        "sets": {
            r.set.name: (
                {"missing": True, "path": str(r.set.path)} if r.missing
                else {"n": r.care.n if r.care else 0, "held_out": r.set.held_out,
                      "care": r.care.as_dict() if r.care else None,
                      "public": r.public.as_dict() if r.public else None}
            )
            for r in reports
        },
        "cross_validation": cv,
    }
    (args.out / "report.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    seconds = sum(r.seconds for r in reports)
    print(f"\n({sum(r.care.n for r in reports if r.care)} messages in {seconds:.1f} s)")
    print(f"report: {args.out / 'report.html'}")
    missing = [r.set.name for r in reports if r.missing]
    if missing:
        print(f"missing evaluation set(s): {', '.join(missing)}", file=sys.stderr)
    ci = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
    ok = all(r.met for r in reports if not r.missing) and not (missing and ci)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
