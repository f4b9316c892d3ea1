"""The quality bar of issue 4, on the evaluation set: the suite fails when it drops.

The lexicon alone must meet it (it is the gateway's path when Rasa is down); the full
detector (classifier + lexicon, fail-safe combination) must meet it too.
"""

from __future__ import annotations

import pytest

from nlu.dataset import EVAL_FILE, load_labelled
from nlu.lexicon import assess
from nlu.metrics import TARGETS, run

EVAL = load_labelled(EVAL_FILE)


def _failures(scores):
    return [(label, value, target) for _n, label, value, target, ok in scores.target_rows()
            if not ok]


@pytest.mark.shared
def test_the_lexicon_alone_meets_every_target():
    scores = run(EVAL, assess)
    assert len(scores.target_rows()) == len(TARGETS)
    assert _failures(scores) == []


@pytest.mark.rasa
def test_the_full_detector_meets_every_target(full_detector):
    scores = run(EVAL, full_detector.detect)
    assert _failures(scores) == []
    # The combination never does worse than the lexicon on recall of crisis levels.
    lexicon = run(EVAL, assess)
    for level in ("indirect", "direct", "imminent"):
        assert scores.recall[level] >= lexicon.recall[level] or scores.recall[level] == 1.0
