"""The fail-safe combination: the care level and the public level."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.lexicon import assess
from nlu.risk import (
    HARMLESS_CONTEXTS,
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
# The classifier reads a message as imminent, unsure: the knife-holding case of issue 12.
KNIFE = [("risk_imminent", 0.55), ("risk_distress", 0.2), ("neutral", 0.25)]


def _lexicon(risk: str = "none", *harmless: tuple[str, str]) -> Detection:
    return Detection(risk=risk, evidence={"lexicon": {
        "harmless": [{"id": rule, "context": context} for rule, context in harmless],
    }})


def test_levels_are_ordered():
    assert [rank(level) for level in LEVELS] == [0, 1, 2, 3, 4]
    assert higher("distress", "direct", "none") == "direct"
    assert higher() == "none"


def test_a_silent_lexicon_never_lowers_the_classifiers_crisis_reading():
    result = combine(_lexicon(), KNIFE)
    assert result.risk == "imminent"
    cls = result.evidence["classifier"]
    assert cls["fail_safe_level"] == "imminent" and cls["level"] == "imminent"
    assert cls["lowered_by"] == [] and cls["lowered_rules"] == []
    # The group line is precision-filtered: not sure, no agreement, no question in public.
    assert result.public_risk == "distress"
    assert cls["public_lowered_by"] == "no_agreement"


def test_the_knife_message_stays_imminent_through_the_real_lexicon():
    # Nothing in this message is evidence of harmlessness, whatever the lexicon finds.
    lexicon = assess("ik heb een mes in mijn hand en ik weet niet wat ik ga doen")
    assert combine(lexicon, KNIFE).risk == "imminent"


def test_an_idiom_lowers_the_classifiers_reading():
    result = combine(_lexicon("none", ("idiom.laughing", "idiom")), KNIFE)
    assert result.risk == "distress"  # s(>= distress) is 0.75: a warm word, no questions
    cls = result.evidence["classifier"]
    assert cls["fail_safe_level"] == "imminent"
    assert cls["lowered_by"] == ["idiom"] and cls["lowered_rules"] == ["idiom.laughing"]
    faint = [("risk_direct", 0.35), ("neutral", 0.65)]
    assert combine(_lexicon("none", ("idiom.objects_dead", "idiom")), faint).risk == "none"


@pytest.mark.parametrize("context", ["negated", "other", "you", "past", "fiction"])
def test_crisis_words_in_a_harmless_context_lower_it(context):
    result = combine(_lexicon("none", ("suicide.kill_self", context)), KNIFE)
    assert result.risk == "distress"
    assert result.evidence["classifier"]["lowered_by"] == [context]


def test_real_idioms_and_negations_lower_it():
    for text in ("ik lag dood van het lachen", "ik zou nooit zelfmoord plegen",
                 "mijn broer heeft zelfmoordgedachten", "in die film pleegt hij zelfmoord"):
        assert rank(combine(assess(text), KNIFE).risk) <= rank("distress"), text


def test_a_sure_classifier_stands_against_the_evidence_when_configured_so():
    # evidence_raise_threshold <= 1: a classifier at least that sure is not lowered.
    sure = [("risk_direct", 0.97), ("neutral", 0.03)]
    lexicon = _lexicon("none", ("suicide.kill_self", "past"))
    assert combine(lexicon, sure, evidence_raise_threshold=0.95).risk == "direct"


def test_by_default_the_evidence_lowers_even_a_sure_classifier():
    # The tuned default (1.01, nlu/README.md): "ik wil niet dood, ik wil gewoon vakantie"
    # read direct at 0.97 is lowered by the negation inside the phrase.
    sure = [("risk_direct", 0.97), ("neutral", 0.03)]
    result = combine(_lexicon("none", ("harmless.negated_wish", "negated")), sure)
    assert result.risk == "distress"
    assert result.evidence["classifier"]["lowered_by"] == ["negated"]


def test_evidence_does_not_lower_when_the_lexicon_itself_found_risk():
    # "My sister wants to die, and so do I": the lexicon's own indirect finding agrees.
    lexicon = _lexicon("indirect", ("suicide.want_to_die", "other"))
    assert combine(lexicon, KNIFE).risk == "imminent"


def test_doubt_between_risk_levels_goes_to_the_higher_one():
    ranking = [("risk_indirect", 0.55), ("risk_direct", 0.35), ("neutral", 0.1)]
    assert combine(Detection(), ranking, level_threshold=0.3).risk == "direct"
    ranking = [("risk_direct", 0.6), ("risk_imminent", 0.35), ("neutral", 0.05)]
    assert combine(Detection(risk="direct"), ranking, level_threshold=0.3).risk == "imminent"


def test_an_uncertain_classifier_counts_towards_the_higher_risk():
    ranking = [("neutral", 0.55), ("risk_indirect", 0.25), ("risk_direct", 0.2)]
    result = combine(Detection(), ranking)
    assert result.risk == "indirect"
    # In public, without the lexicon agreeing, it is not even distress (an uninformed
    # classifier spreads about 4/13 of its mass over the four risk intents).
    assert result.public_risk == "none"
    assert combine(Detection(risk="indirect"), ranking).public_risk == "indirect"
    direct_doubt = [("neutral", 0.58), ("risk_direct", 0.42)]
    assert combine(Detection(risk="indirect"), direct_doubt).public_risk == "direct"


def test_the_lexicon_floor_is_never_lowered():
    lexicon = Detection(risk="imminent", method_detail=True, topics=["suicide"])
    result = combine(lexicon, [("neutral", 0.99), ("risk_direct", 0.01)])
    assert result.risk == "imminent" and result.public_risk == "imminent"
    assert result.method_detail and result.topics == ["suicide"]
    assert result.evidence["decided_by"] == "lexicon"


def test_rasa_fallback_intent_is_ignored():
    scores = level_scores([("nlu_fallback", 0.7), ("risk_distress", 0.5), ("neutral", 0.5)])
    assert scores["none"] == 0.5 and scores["distress"] == 0.5


def test_peer_harm_from_the_classifier():
    assert combine(Detection(), [("peer_harm", 0.7), ("neutral", 0.3)]).peer_harm
    assert not combine(Detection(), [("peer_harm", 0.5), ("neutral", 0.5)]).peer_harm
    assert combine(Detection(), [("peer_harm", 0.5)], peer_harm_threshold=0.4).peer_harm


def test_lexicon_only_path_keeps_the_lexicon_verdict_at_both_levels():
    lexicon = Detection(risk="direct", topics=["self_harm"], evidence={"lexicon": {}})
    result = combine(lexicon, None)
    assert result.as_dict()["risk"] == "direct" and result.as_dict()["public_risk"] == "direct"
    assert result.evidence["classifier"] is None
    assert assess("ik wil dood").as_dict()["public_risk"] == "direct"


def test_the_public_level_defaults_to_and_never_exceeds_the_care_level():
    assert Detection(risk="direct").public_risk == "direct"
    assert Detection(risk="distress", public_risk="imminent").public_risk == "distress"


def test_the_lexicon_exposes_its_evidence_of_harmlessness_as_codes():
    harmless = assess("ik lag dood van het lachen").evidence["lexicon"]["harmless"]
    assert harmless == [{"id": "idiom.laughing", "context": "idiom"}]
    other = assess("mijn broer heeft zelfmoordgedachten").evidence["lexicon"]["harmless"]
    assert {"id": "suicide.kill_self", "context": "other"} in other
    assert assess("ik wil dood").evidence["lexicon"]["harmless"] == []
    assert all(h["context"] in HARMLESS_CONTEXTS
               for h in assess("kys, ik zou nooit dood willen").evidence["lexicon"]["harmless"])


RANKINGS = st.lists(st.tuples(st.sampled_from(INTENTS), st.floats(0, 1)), max_size=8)
HARMLESS = st.lists(st.tuples(st.just("rule"), st.sampled_from(HARMLESS_CONTEXTS)), max_size=2)


@given(
    st.sampled_from(LEVELS), RANKINGS, HARMLESS,
    st.floats(0.05, 0.95), st.floats(0.05, 1.01), st.floats(0.05, 0.95),
    st.floats(0.05, 1.01), st.floats(0.05, 0.95), st.sampled_from(LEVELS[1:]),
)
def test_care_is_the_fail_safe_reading_unless_the_lexicon_shows_harmlessness(
    floor, ranking, harmless, threshold, evidence_raise, evidence_distress,
    public_raise, public_distress, agree_floor,
):
    result = combine(
        _lexicon(floor, *harmless), ranking, level_threshold=threshold, agree_floor=agree_floor,
        evidence_raise_threshold=max(evidence_raise, threshold),
        evidence_distress_threshold=evidence_distress,
        public_raise_threshold=max(public_raise, threshold),
        public_distress_threshold=public_distress,
    )
    scores = level_scores(ranking)
    fail_safe = classifier_level(scores, threshold)
    assert rank(floor) <= rank(result.public_risk) <= rank(result.risk)
    assert rank(result.risk) <= max(rank(floor), rank(fail_safe))
    if not harmless or rank(floor) >= rank(agree_floor):
        # Nothing says the message is harmless: the fail-safe reading stands in full.
        assert rank(result.risk) == max(rank(floor), rank(fail_safe))
    if rank(result.risk) < max(rank(floor), rank(fail_safe)):
        assert result.evidence["classifier"]["lowered_by"]
        assert at_least_scores(scores)["indirect"] < max(evidence_raise, threshold)


@given(RANKINGS)
def test_a_lower_threshold_never_lowers_the_level(ranking):
    scores = level_scores(ranking)
    assert rank(classifier_level(scores, 0.2)) >= rank(classifier_level(scores, 0.5))
