"""The fail-safe combination of the lexicon's floor and the classifier's scores."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.risk import (
    INTENT_LEVEL,
    LEVELS,
    Detection,
    classifier_level,
    combine,
    higher,
    level_scores,
    rank,
)

pytestmark = pytest.mark.shared

INTENTS = [*INTENT_LEVEL, "neutral", "greet", "affirm", "peer_harm", "nlu_fallback"]


def test_levels_are_ordered():
    assert [rank(level) for level in LEVELS] == [0, 1, 2, 3, 4]
    assert higher("distress", "direct", "none") == "direct"
    assert higher() == "none"


def test_a_confident_classifier_sets_the_level():
    result = combine(Detection(), [("risk_direct", 0.9), ("neutral", 0.1)])
    assert result.risk == "direct"
    assert result.evidence["decided_by"] == "classifier"


def test_an_uncertain_classifier_counts_towards_the_higher_risk():
    # "none" is the most likely intent, but a third of the mass says at least indirect.
    ranking = [("neutral", 0.6), ("risk_indirect", 0.2), ("risk_direct", 0.15), ("greet", 0.05)]
    assert combine(Detection(), ranking, level_threshold=0.3).risk == "indirect"


def test_the_lexicon_floor_is_never_lowered():
    lexicon = Detection(risk="imminent", method_detail=True, topics=["suicide"])
    result = combine(lexicon, [("neutral", 0.99), ("risk_direct", 0.01)])
    assert result.risk == "imminent" and result.method_detail and result.topics == ["suicide"]
    assert result.evidence["decided_by"] == "lexicon"


def test_rasa_fallback_intent_is_ignored():
    scores = level_scores([("nlu_fallback", 0.7), ("risk_distress", 0.5), ("neutral", 0.5)])
    assert scores["none"] == 0.5 and scores["distress"] == 0.5


def test_peer_harm_from_the_classifier():
    assert combine(Detection(), [("peer_harm", 0.5), ("neutral", 0.5)]).peer_harm
    assert not combine(Detection(), [("peer_harm", 0.1), ("neutral", 0.9)]).peer_harm


def test_lexicon_only_path_keeps_the_lexicon_verdict():
    lexicon = Detection(risk="direct", topics=["self_harm"], evidence={"lexicon": {}})
    result = combine(lexicon, None)
    assert result.as_dict()["risk"] == "direct"
    assert result.evidence["classifier"] is None


@given(
    st.sampled_from(LEVELS),
    st.lists(st.tuples(st.sampled_from(INTENTS), st.floats(0, 1)), max_size=8),
    st.floats(0.05, 0.95),
)
def test_combined_risk_is_at_least_both_parts(floor, ranking, threshold):
    result = combine(Detection(risk=floor), ranking, level_threshold=threshold)
    model = classifier_level(level_scores(ranking), threshold)
    assert rank(result.risk) == max(rank(floor), rank(model))


@given(st.lists(st.tuples(st.sampled_from(INTENTS), st.floats(0, 1)), max_size=8))
def test_a_lower_threshold_never_lowers_the_level(ranking):
    scores = level_scores(ranking)
    assert rank(classifier_level(scores, 0.2)) >= rank(classifier_level(scores, 0.5))
