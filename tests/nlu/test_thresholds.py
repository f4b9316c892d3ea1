"""The quality bar of issue 4, on the evaluation set: the suite fails when it drops.

The lexicon alone must meet it (it is the gateway's path when Rasa is down); the full
detector (classifier + lexicon, fail-safe combination) must meet it too.
"""

from __future__ import annotations

import pytest

from nlu.dataset import EVAL_FILE, load_labelled
from nlu.lexicon import assess
from nlu.metrics import TARGETS, run, score
from nlu.risk import rank

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
    verdicts = [full_detector.detect(m.text) for m in EVAL]
    scores = score(EVAL, verdicts)
    assert _failures(scores) == []
    # The combination never does worse than the lexicon: no message is ever below the
    # lexicon's floor, so no crisis level is detected ("at least") less often. (Recall of
    # the exact level may drop: doubt between indirect and direct goes to direct.)
    floors = [assess(m.text) for m in EVAL]
    assert [i for i, (v, f) in enumerate(zip(verdicts, floors, strict=True))
            if rank(v.risk) < rank(f.risk)] == []
    lexicon = score(EVAL, floors)
    for name in ("direct_or_imminent_at_least_direct", "indirect_at_least_indirect",
                 "distress_at_least_distress", "peer_harm_recall"):
        assert scores.targets[name] >= lexicon.targets[name], name
