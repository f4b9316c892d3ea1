"""The quality bar on the evaluation sets: the suite fails when it drops.

Issue 12's "Done when", at the **care level** (``risk``: what decides the private
questions, emergency numbers and escalation), for the full detector on every evaluation
set (``test.yml`` and the held-out ``outside.yml``). The lexicon alone keeps issue 4's
bar on ``test.yml`` (it is the gateway's path when Rasa is down). The public level
(``public_risk``) never exceeds the care level.

The held-out set is read here by path and scored; its texts are never printed (a
failure names the target and the figure only).
"""

from __future__ import annotations

import pytest

from nlu.dataset import EVAL_FILE, EVAL_SETS, EvalSet, load_labelled
from nlu.lexicon import assess
from nlu.metrics import LEXICON_TARGETS, TARGETS, run, score
from nlu.risk import rank
from tests.stack import in_ci

EVAL = load_labelled(EVAL_FILE)
SETS = {s.name: s for s in EVAL_SETS}


def _failures(scores):
    return [(label, value, target) for _n, label, value, target, ok in scores.target_rows()
            if not ok]


def _labelled(eval_set: EvalSet):
    if not eval_set.exists:
        message = (f"the evaluation set {eval_set.path.name} does not exist yet: "
                   "its targets cannot be measured")
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return load_labelled(eval_set.path)


@pytest.fixture(scope="module")
def verdicts(full_detector):
    """Every evaluation set detected once (a missing set maps to None)."""
    return {
        name: (None if not s.exists else [full_detector.detect(m.text)
                                          for m in load_labelled(s.path)])
        for name, s in SETS.items()
    }


@pytest.mark.shared
def test_the_lexicon_alone_meets_its_bar_on_the_test_set():
    scores = run(EVAL, assess, spec=LEXICON_TARGETS)
    assert len(scores.target_rows()) == len(LEXICON_TARGETS)
    assert _failures(scores) == []


@pytest.mark.shared
def test_the_lexicon_alone_gives_one_level():
    assert all(assess(m.text).public_risk == assess(m.text).risk for m in EVAL[:50])


# Issue 12 is open: the held-out set, written in registers the detector was never tuned
# on, still misses the bar at the care level (figures in nlu/README.md). The target test
# stays, marked as the known failure it is (strict: it fails the suite the day it passes,
# so that the mark is removed), and the floor below keeps what has been reached.
OUTSIDE_OPEN = pytest.mark.xfail(
    strict=True, reason="issue 12 open: outside.yml is below the care-level bar"
)
# What the held-out set reached on 2026-12-02 (measured once, never tuned on), less one
# message each (a retrain moves a borderline message either way): the suite fails when
# the detector does worse than that. Not the target; see TARGETS.
OUTSIDE_FLOOR = {
    "direct_or_imminent_at_least_direct": 0.86,  # 0.874; one of 111 is 0.009
    "imminent_as_imminent": 0.81,  # 0.837; one of 49 is 0.02
    "indirect_at_least_indirect": 0.84,  # 0.857; one of 63 is 0.016
    "distress_at_least_distress": 0.87,  # 0.886; one of 70 is 0.014
    "none_raised_to_indirect": 0.065,  # at most; 0.058, one of 155 is 0.0065
    "none_raised_to_direct": 0.039,  # at most; 0.032
}


@pytest.mark.rasa
@pytest.mark.parametrize("name", [
    pytest.param(name, marks=OUTSIDE_OPEN) if name == "outside" else name for name in SETS
])
def test_the_full_detector_meets_every_target_at_the_care_level(name, verdicts):
    items = _labelled(SETS[name])
    scores = score(items, verdicts[name], level="risk")
    assert len(scores.target_rows()) == len(TARGETS)
    assert _failures(scores) == []


@pytest.mark.rasa
def test_the_held_out_set_never_gets_worse_at_the_care_level(verdicts):
    items = _labelled(SETS["outside"])
    targets = score(items, verdicts["outside"], level="risk").targets
    worse = {name: round(targets[name], 4) for name, floor in OUTSIDE_FLOOR.items()
             if (targets[name] > floor if name.startswith("none_") else targets[name] < floor)}
    assert worse == {}


@pytest.mark.rasa
@pytest.mark.parametrize("name", list(SETS))
def test_the_public_level_never_exceeds_the_care_level(name, verdicts):
    _labelled(SETS[name])
    assert sum(rank(v.public_risk) > rank(v.risk) for v in verdicts[name]) == 0


@pytest.mark.rasa
def test_the_care_level_never_falls_below_the_lexicon_on_the_test_set(verdicts):
    # No message is ever below the lexicon's floor, so no crisis level is detected
    # ("at least") less often than by the lexicon alone.
    floors = [assess(m.text) for m in EVAL]
    assert [i for i, (v, f) in enumerate(zip(verdicts["test"], floors, strict=True))
            if rank(v.public_risk) < rank(f.risk)] == []
    care = score(EVAL, verdicts["test"])
    lexicon = score(EVAL, floors)
    for name in ("direct_or_imminent_at_least_direct", "indirect_at_least_indirect",
                 "distress_at_least_distress", "peer_harm_recall"):
        assert care.targets[name] >= lexicon.targets[name], name
