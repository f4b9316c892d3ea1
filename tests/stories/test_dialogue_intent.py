"""The intent the dialogue sees (stories/dialogue_intent.py), as configured in
stories/policies.yml: the verdict decides where it names a risk, answer emoji are
answers, and a command the classifier is unsure of is no command."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.rasa

POLICIES = Path(__file__).resolve().parents[2] / "stories" / "policies.yml"


@pytest.fixture(scope="module")
def component():
    from stories.dialogue_intent import DialogueIntent

    (config,) = [c for c in yaml.safe_load(POLICIES.read_text("utf-8"))["dialogue_pipeline"]
                 if c["name"].endswith("DialogueIntent")]
    config = {k: v for k, v in config.items() if k != "name"}
    DialogueIntent.validate_config(config)
    return DialogueIntent({**DialogueIntent.get_default_config(), **config})


def _run(component, text: str, intent: str, confidence: float, risk: str = "none") -> dict:
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": text, "intent": {"name": intent, "confidence": confidence},
                            "crisis": {"risk": risk}})
    (out,) = component.process([message])
    return {"intent": out.get("intent"), "dialogue_intent": out.get("dialogue_intent")}


@pytest.mark.parametrize("risk", ["indirect", "direct", "imminent"])
@pytest.mark.parametrize("intent", ["neutral", "nlu_fallback", "greet", "affirm", "deny",
                                    "stop", "risk_distress", "chitchat"])
def test_a_verdict_from_indirect_up_is_the_intent_whatever_the_classifier_said(
    component, intent, risk
):
    out = _run(component, "tekst", intent, 0.61, risk)
    assert out["intent"] == {"name": f"risk_{risk}", "confidence": 0.61}
    assert out["dialogue_intent"] == {"from": intent, "reason": "verdict"}


def test_a_risk_intent_the_verdict_lowered_follows_the_verdict(component):
    for intent, risk, expected in (("risk_direct", "distress", "risk_distress"),
                                   ("risk_imminent", "none", "neutral"),
                                   ("nlu_fallback", "distress", "risk_distress")):
        assert _run(component, "t", intent, 0.4, risk)["intent"]["name"] == expected


def test_the_classifiers_intent_stays_when_the_verdict_agrees_or_names_no_risk(component):
    for text, intent, risk in (("t", "risk_direct", "direct"), ("ja", "affirm", "none"),
                               ("t", "risk_distress", "distress"), ("t", "neutral", "distress"),
                               ("...", "nlu_fallback", "none"), ("t", "peer_harm", "none")):
        out = _run(component, text, intent, 0.9, risk)
        assert out == {"intent": {"name": intent, "confidence": 0.9}, "dialogue_intent": None}


@pytest.mark.parametrize(("text", "answer"), [
    ("👍", "affirm"), ("👍🏽", "affirm"), (" 👍👍 ", "affirm"), ("👌", "affirm"), ("✔️", "affirm"),
    ("👎", "deny"), ("👎🏻", "deny"), ("❌", "deny"), ("🙅‍♀️", "deny"),
    ("🤷", "unsure"), ("🤷🏼‍♂️", "unsure"), ("🤔", "unsure"),
])
def test_answer_emoji_alone_are_answers(component, text, answer):
    out = _run(component, text, "nlu_fallback", 0.3)
    assert out["intent"]["name"] == answer
    assert out["dialogue_intent"] == {"from": "nlu_fallback", "reason": "answer_emoji"}


@pytest.mark.parametrize("text", ["👍👎", "ja 👍", "😶", "🙂", "", "   "])
def test_mixed_or_other_emoji_and_words_are_left_to_the_classifier(component, text):
    assert _run(component, text, "nlu_fallback", 0.3)["intent"]["name"] == "nlu_fallback"


def test_answer_emoji_with_a_risk_verdict_are_the_verdict(component):
    # 👍 after context that the lexicon reads as a plan: the verdict decides (fail safe)
    assert _run(component, "👍", "nlu_fallback", 0.3, "imminent")["intent"]["name"] == (
        "risk_imminent")


@pytest.mark.parametrize("intent", ["stop", "forget_list", "my_list"])
def test_a_command_the_classifier_is_unsure_of_is_no_command(component, intent):
    out = _run(component, "🪢", intent, 0.39)
    assert out["intent"] == {"name": "nlu_fallback", "confidence": 0.39}
    assert out["dialogue_intent"] == {"from": intent, "reason": "unsure_command"}
    assert _run(component, "stop", intent, 0.93)["intent"]["name"] == intent


def test_help_in_words_is_always_help(component):
    # /hulp in words gives the helplines: never held back, whatever the confidence
    assert _run(component, "ik heb hulp nodig", "ask_help", 0.35)["intent"]["name"] == "ask_help"


def test_the_configuration_is_checked():
    from stories.dialogue_intent import DialogueIntent

    with pytest.raises(ValueError, match="command_threshold"):
        DialogueIntent.validate_config({"command_threshold": 0})
    with pytest.raises(ValueError, match="answer_emoji"):
        DialogueIntent.validate_config({"answer_emoji": {"maybe": ["🤷"]}})
