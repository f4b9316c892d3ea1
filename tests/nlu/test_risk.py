"""The fail-safe combination of the lexicon's floor and the classifier's scores."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.risk import (
    INTENT_LEVEL,
    LEVELS,
    Detection,
    at_least_scores,
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
    result = combine(Detection(), [("risk_direct", 0.97), ("neutral", 0.03)])
    assert result.risk == "direct"
    assert result.evidence["decided_by"] == "classifier"


def test_doubt_between_risk_levels_goes_to_the_higher_one():
    # Sure there is risk, unsure whether it is indirect or direct: direct.
    ranking = [("risk_indirect", 0.55), ("risk_direct", 0.35), ("neutral", 0.1)]
    assert combine(Detection(), ranking, level_threshold=0.3, raise_threshold=0.8).risk == "direct"
    ranking = [("risk_direct", 0.6), ("risk_imminent", 0.35), ("neutral", 0.05)]
    assert combine(Detection(risk="direct"), ranking, level_threshold=0.3).risk == "imminent"


def test_an_uncertain_classifier_counts_towards_the_higher_risk_when_the_lexicon_agrees():
    # "none" is the most likely intent, but a third of the mass says at least indirect,
    # and the lexicon saw distress: the doubt counts upwards.
    ranking = [("neutral", 0.6), ("risk_indirect", 0.2), ("risk_direct", 0.15), ("greet", 0.05)]
    result = combine(Detection(risk="distress"), ranking, level_threshold=0.3,
                     raise_threshold=0.8, agree_floor="distress")
    assert result.risk == "indirect"
    # With the tuned defaults, agreement means the lexicon found indirect talk.
    assert combine(Detection(risk="indirect"), ranking).risk == "indirect"
    direct_doubt = [("neutral", 0.6), ("risk_direct", 0.4)]
    assert combine(Detection(risk="indirect"), direct_doubt).risk == "direct"
    assert combine(Detection(risk="distress"), direct_doubt).risk == "distress"
    assert not result.evidence["classifier"]["lowered_without_agreement"]


def test_a_classifier_unsure_whether_a_neutral_message_is_neutral_stays_below_indirect():
    ranking = [("neutral", 0.6), ("risk_indirect", 0.2), ("risk_direct", 0.15), ("greet", 0.05)]
    result = combine(Detection(), ranking, level_threshold=0.3, raise_threshold=0.8,
                     distress_threshold=0.3)
    assert result.risk == "distress"
    # With the tuned defaults, 35% of risk mass alone is not even distress: an
    # uninformed classifier spreads about 4/13 of its mass over the four risk intents.
    assert combine(Detection(), ranking).risk == "none"
    faint = [("neutral", 0.8), ("risk_direct", 0.2)]
    assert combine(Detection(), faint, distress_threshold=0.3).risk == "none"
    assert result.evidence["classifier"]["fail_safe_level"] == "indirect"
    assert result.evidence["classifier"]["lowered_without_agreement"]
    # Sure enough on its own, it raises.
    sure = [("risk_indirect", 0.5), ("risk_direct", 0.35), ("neutral", 0.15)]
    assert combine(Detection(), sure, level_threshold=0.3, raise_threshold=0.8).risk == "direct"


def test_the_lexicon_floor_is_never_lowered():
    lexicon = Detection(risk="imminent", method_detail=True, topics=["suicide"])
    result = combine(lexicon, [("neutral", 0.99), ("risk_direct", 0.01)])
    assert result.risk == "imminent" and result.method_detail and result.topics == ["suicide"]
    assert result.evidence["decided_by"] == "lexicon"


def test_rasa_fallback_intent_is_ignored():
    scores = level_scores([("nlu_fallback", 0.7), ("risk_distress", 0.5), ("neutral", 0.5)])
    assert scores["none"] == 0.5 and scores["distress"] == 0.5


def test_peer_harm_from_the_classifier():
    assert combine(Detection(), [("peer_harm", 0.7), ("neutral", 0.3)]).peer_harm
    assert not combine(Detection(), [("peer_harm", 0.5), ("neutral", 0.5)]).peer_harm
    assert combine(Detection(), [("peer_harm", 0.5)], peer_harm_threshold=0.4).peer_harm


def test_lexicon_only_path_keeps_the_lexicon_verdict():
    lexicon = Detection(risk="direct", topics=["self_harm"], evidence={"lexicon": {}})
    result = combine(lexicon, None)
    assert result.as_dict()["risk"] == "direct"
    assert result.evidence["classifier"] is None


@given(
    st.sampled_from(LEVELS),
    st.lists(st.tuples(st.sampled_from(INTENTS), st.floats(0, 1)), max_size=8),
    st.floats(0.05, 0.95),
    st.floats(0.05, 1.05),
    st.floats(0.05, 0.95),
    st.sampled_from(LEVELS[1:]),
)
def test_combined_risk_never_below_the_lexicon_and_fails_safe_when_something_agrees(
    floor, ranking, threshold, raise_threshold, distress_threshold, agree_floor
):
    raise_threshold = max(raise_threshold, threshold)
    distress_threshold = max(distress_threshold, threshold)
    result = combine(Detection(risk=floor), ranking, level_threshold=threshold,
                     raise_threshold=raise_threshold, distress_threshold=distress_threshold,
                     agree_floor=agree_floor)
    scores = level_scores(ranking)
    fail_safe = classifier_level(scores, threshold)
    assert rank(result.risk) >= rank(floor)
    assert rank(result.risk) <= max(rank(floor), rank(fail_safe))
    agreed = rank(floor) >= rank(agree_floor)
    sure = at_least_scores(scores)["indirect"] >= raise_threshold
    if agreed or sure:
        assert rank(result.risk) == max(rank(floor), rank(fail_safe))
    else:
        alone = "distress" if at_least_scores(scores)["distress"] >= distress_threshold else "none"
        assert rank(result.risk) == max(rank(floor), rank(alone))


@given(st.lists(st.tuples(st.sampled_from(INTENTS), st.floats(0, 1)), max_size=8))
def test_a_lower_threshold_never_lowers_the_level(ranking):
    scores = level_scores(ranking)
    assert rank(classifier_level(scores, 0.2)) >= rank(classifier_level(scores, 0.5))
