"""`python -m nlu.evaluate`: the report at both levels, the HTML with the confusion
matrices, a missing evaluation set, a held-out set's texts kept off the terminal.

Runs in the Rasa environment (matplotlib comes with Rasa); the lexicon-only report
needs no TensorFlow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.rasa


def test_the_lexicon_only_report_shows_both_levels(tmp_path, capsys):
    from nlu.evaluate import main

    assert main(["--lexicon-only", "--set", "test", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    for part in ("== test", "care level (risk)", "public level (public_risk)", "Targets:",
                 "Confusion matrix", "False negatives", "False positives",
                 "Classifier cross-validation"):
        assert part in printed
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "<table>" in page and "public level" in page
    assert (tmp_path / "confusion-test.png").read_bytes().startswith(b"\x89PNG")
    summary = json.loads((tmp_path / "report.json").read_text())
    test = summary["sets"]["test"]
    assert test["n"] >= 400
    for level in ("care", "public"):
        assert all(t["met"] for t in test[level]["targets"].values())
        assert set(test[level]["recall"]) == set(test[level]["precision"])


def _tiny_set(path: Path) -> None:
    path.write_text(
        "groups:\n  - risk: direct\n    messages: [zeer geheim bericht over dood willen]\n"
        "  - risk: none\n    messages: [ik lag dood van het lachen]\n", encoding="utf-8")


def test_a_held_out_set_keeps_its_texts_off_the_terminal(tmp_path, capsys, monkeypatch):
    from nlu import evaluate
    from nlu.dataset import EvalSet

    path = tmp_path / "held.yml"
    _tiny_set(path)
    monkeypatch.setattr(evaluate, "EVAL_SETS", (EvalSet("held", path, held_out=True),))
    evaluate.main(["--lexicon-only", "--set", "all", "--no-cv", "--out", str(tmp_path)])
    printed = capsys.readouterr()
    assert "geheim" not in printed.out and "geheim" not in printed.err
    assert "held-out set: texts only in the HTML report" in printed.out
    # The coordinators' HTML lists the misses, folded away.
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<details>" in page and "geheim" in page


def test_a_missing_set_is_reported_and_fails_under_ci(tmp_path, capsys, monkeypatch):
    from nlu import evaluate
    from nlu.dataset import EVAL_FILE, EvalSet

    sets = (EvalSet("test", EVAL_FILE), EvalSet("later", tmp_path / "absent.yml", True))
    monkeypatch.setattr(evaluate, "EVAL_SETS", sets)
    monkeypatch.delenv("CI", raising=False)
    out = tmp_path / "report"
    assert evaluate.main(["--lexicon-only", "--no-cv", "--out", str(out)]) == 0
    assert "MISSING" in capsys.readouterr().out
    assert json.loads((out / "report.json").read_text())["sets"]["later"]["missing"]
    monkeypatch.setenv("CI", "true")
    assert evaluate.main(["--lexicon-only", "--no-cv", "--out", str(out)]) == 1


def test_misses_are_escaped_in_the_html(tmp_path):
    from nlu.dataset import EvalSet, Labelled
    from nlu.evaluate import SetReport, format_html
    from nlu.metrics import score
    from nlu.risk import Detection

    items = [Labelled(text="<script>x</script>", risk="direct")]
    report = SetReport(EvalSet("t", tmp_path / "t.yml"), care=score(items, [Detection()]),
                       public=score(items, [Detection()], level="public_risk"))
    page = format_html([report], "test", None, {})
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
