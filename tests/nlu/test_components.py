"""The Rasa graph components and the trained pipeline (Rasa environment only)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.rasa


def _message(text: str, **data):
    from rasa.shared.nlu.training_data.message import Message

    return Message(data={"text": text, **data})


def test_the_tokenizer_reads_like_the_lexicon(rasa_stack):
    from nlu.components.normalising_tokenizer import NormalisingTokenizer

    tokenizer = NormalisingTokenizer(NormalisingTokenizer.get_default_config())
    tokens = tokenizer.tokenize(_message("Kwil Z3LFM00RD 💊!!"), "text")
    assert [t.text for t in tokens] == ["ik", "wil", "zelfmord", "pilen"]


def test_the_lexicon_component_adds_its_verdict(rasa_stack):
    from nlu.components.crisis_lexicon import LEXICON_KEY, CrisisLexicon
    from nlu.lexicon import default_lexicon

    component = CrisisLexicon(CrisisLexicon.get_default_config(), default_lexicon())
    messages = [
        _message("ik wil dood"),
        _message("ik heb een touw", metadata={"recent_texts": ["ik wil niet meer leven"]}),
    ]
    component.process(messages)
    assert messages[0].get(LEXICON_KEY)["risk"] == "direct"
    assert messages[1].get(LEXICON_KEY)["risk"] == "imminent"


def test_the_combiner_gives_the_care_and_the_public_level(rasa_stack):
    # The classifier doubts between neutral and direct. With a silent lexicon the care
    # level follows the doubt upwards while the group line stays quiet; with the lexicon
    # agreeing both follow it; an idiom lowers even the care level.
    from nlu.components.crisis_lexicon import LEXICON_KEY
    from nlu.components.risk_combiner import CRISIS_KEY, RiskCombiner

    combiner = RiskCombiner(RiskCombiner.get_default_config())
    doubt = [{"name": "neutral", "confidence": 0.55}, {"name": "risk_direct", "confidence": 0.45}]
    agreed = _message("x", intent_ranking=doubt)
    agreed.set(LEXICON_KEY, {"risk": "indirect", "topics": [], "evidence": {}})
    alone = _message("z", intent_ranking=doubt)
    alone.set(LEXICON_KEY, {"risk": "none", "topics": [], "evidence": {}})
    idiom = _message("w", intent_ranking=doubt)
    idiom.set(LEXICON_KEY, {"risk": "none", "topics": [], "evidence": {"lexicon": {
        "harmless": [{"id": "idiom.laughing", "context": "idiom"}]}}})
    floor = _message("y", intent_ranking=[{"name": "greet", "confidence": 0.99}])
    floor.set(LEXICON_KEY, {"risk": "imminent", "method_detail": True, "topics": ["suicide"],
                            "evidence": {}})
    combiner.process([agreed, alone, idiom, floor])
    assert agreed.get(CRISIS_KEY)["risk"] == agreed.get(CRISIS_KEY)["public_risk"] == "direct"
    assert alone.get(CRISIS_KEY)["risk"] == "direct"
    assert alone.get(CRISIS_KEY)["public_risk"] == "none"
    assert alone.get(CRISIS_KEY)["evidence"]["classifier"]["public_lowered_by"] == "no_agreement"
    assert idiom.get(CRISIS_KEY)["risk"] == "none"
    assert idiom.get(CRISIS_KEY)["evidence"]["classifier"]["lowered_by"] == ["idiom"]
    assert floor.get(CRISIS_KEY)["risk"] == floor.get(CRISIS_KEY)["public_risk"] == "imminent"
    assert floor.get(CRISIS_KEY)["method_detail"]


def test_bad_combiner_config_is_refused(rasa_stack):
    from nlu.components.risk_combiner import RiskCombiner

    with pytest.raises(ValueError, match="level_threshold"):
        RiskCombiner.validate_config({"level_threshold": 1.5, "peer_harm_threshold": 0.4})
    good = RiskCombiner.get_default_config()
    RiskCombiner.validate_config(good)
    with pytest.raises(ValueError, match="public_raise_threshold"):
        RiskCombiner.validate_config({**good, "level_threshold": 0.5,
                                      "public_raise_threshold": 0.3})
    with pytest.raises(ValueError, match="agree_floor"):
        RiskCombiner.validate_config({**good, "agree_floor": "severe"})
    # The settings of the old single-level rule are refused, not silently ignored.
    with pytest.raises(ValueError, match="unknown"):
        RiskCombiner.validate_config({**good, "raise_threshold": 0.95})


def test_the_trained_pipeline_outputs_the_crisis_verdict(full_detector):
    parsed = full_detector.parse("ik wil dood", recent=[])
    assert parsed["crisis"]["risk"] in ("direct", "imminent")
    assert parsed["crisis"]["public_risk"] in ("direct", "imminent")
    assert parsed["crisis"]["evidence"]["classifier"]["level_scores"]
    assert full_detector.detect("mijn gsm is dood").risk == "none"
    assert full_detector.detect("ik heb een touw", ["ik wil niet meer leven"]).risk == "imminent"
    assert full_detector.parse("hallo")["intent"]["name"] in ("greet", "neutral", "nlu_fallback")
