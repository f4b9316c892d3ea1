"""`python -m nlu.evaluate`: the report, the HTML with the confusion matrix picture.

Runs in the Rasa environment (matplotlib comes with Rasa); the lexicon-only report
needs no TensorFlow.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.rasa


def test_the_lexicon_only_report(tmp_path, capsys):
    from nlu.evaluate import main

    assert main(["--lexicon-only", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    for part in ("Per level:", "Targets:", "Confusion matrix", "False negatives",
                 "False positives", "Classifier cross-validation"):
        assert part in printed
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "<table>" in page
    assert (tmp_path / "confusion.png").read_bytes().startswith(b"\x89PNG")
    summary = json.loads((tmp_path / "report.json").read_text())
    assert summary["n"] >= 400
    assert all(t["met"] for t in summary["targets"].values())


def test_misses_are_escaped_in_the_html(tmp_path):
    from nlu.dataset import Labelled
    from nlu.evaluate import format_html
    from nlu.metrics import score
    from nlu.risk import Detection

    scores = score([Labelled(text="<script>x</script>", risk="direct")], [Detection()])
    page = format_html(scores, "test", None, b"\x89PNG")
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
