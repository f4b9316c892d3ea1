"""The crisis lexicon: every entry's examples and near-misses, and the context rules."""

from __future__ import annotations

import json

import pytest

from nlu.lexicon import LEXICON_DIR, assess, check, default_lexicon

pytestmark = pytest.mark.shared

LEXICON = default_lexicon()
EXAMPLES = [(e.id, text) for e in LEXICON.entries for text in e.examples]
NEAR_MISSES = [(e.id, text) for e in LEXICON.entries for text in e.near_misses]


def _entry(entry_id: str):
    return next(e for e in LEXICON.entries if e.id == entry_id)


def test_the_shipped_lexicon_is_valid():
    report = check(LEXICON_DIR)
    assert report.errors == []
    assert report.entries >= 30 and report.examples >= 150 and report.near_misses >= 50


@pytest.mark.parametrize(("entry_id", "text"), EXAMPLES)
def test_every_example_fires_its_entry(entry_id, text):
    assert LEXICON.fires(_entry(entry_id), text)


@pytest.mark.parametrize(("entry_id", "text"), NEAR_MISSES)
def test_no_near_miss_fires_its_entry(entry_id, text):
    assert not LEXICON.fires(_entry(entry_id), text)


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("ik wil dood", "direct"),
        ("ik zou nooit zelfmoord plegen", "none"),
        ("ik wil niet meer leven", "direct"),
        ("ik wil niet dood, ik wil gewoon rust", "none"),
        ("ik heb geen zelfmoordgedachten meer", "none"),
        ("ik lag dood van het lachen 😂", "none"),
        ("mijn gsm is dood", "none"),
        ("ik verveel me dood in de les", "none"),
        ("die toets was moordend", "none"),
        ("mijn zus wil dood, wat moet ik doen", "none"),
        ("heb je ooit aan zelfmoord gedacht?", "none"),
        ("vroeger sneed ik mezelf", "none"),
        ("vroeger sneed ik mezelf en nu doe ik het weer", "direct"),
        ("we maken een spreekbeurt over zelfmoord", "none"),
        ("soms wil je gewoon dood", "direct"),
        ("ik zie het ni meer zitten", "indirect"),
        ("'t is allemaal te veel", "distress"),
        ("ik zou nooit zelfmoord plegen maar soms wil ik dood", "direct"),
    ],
)
def test_context_decides_whose_risk_it_is(text, risk):
    assert assess(text).risk == risk


@pytest.mark.parametrize(
    "text",
    [
        "ik wil dood en de pillen liggen al klaar",
        "ik denk aan zelfmoord 💊💊",
        "kms vannacht als iedereen slaapt",
        "ik wil dat de pijn ophoudt, ik heb een touw gekocht",
        "ik sta op het dak en ik ga springen",
    ],
)
def test_means_time_or_place_with_intent_is_imminent(text):
    detection = assess(text)
    assert detection.risk == "imminent"


def test_method_detail_is_flagged_with_crisis_talk_only():
    assert assess("ik denk aan zelfmoord met pillen").method_detail
    assert not assess("ik moet mijn pillen tegen hooikoorts nemen").method_detail
    assert assess("ik moet mijn pillen tegen hooikoorts nemen").risk == "none"


def test_recent_intent_makes_a_later_means_message_imminent():
    recent = ["ik wil echt niet meer leven"]
    assert assess("ik heb de pillen van mijn moeder gevonden").risk == "none"
    assert assess("ik heb de pillen van mijn moeder gevonden", recent=recent).risk == "imminent"


@pytest.mark.parametrize(
    "text", ["kys", "doe het dan gewoon", "niemand zou je missen", "ga toch dood", "k.y.s"]
)
def test_peer_harm_is_flagged_and_not_the_writers_risk(text):
    detection = assess(text)
    assert detection.peer_harm
    assert detection.risk == "none"


def test_topics_are_reported_in_canonical_order():
    detection = assess("ik word gepest en ik eet bijna niks meer")
    assert detection.topics == ["eating", "bullying"]


def test_evidence_names_rules_never_the_message():
    text = "ik wil dooood, ik heb 30 paracetamol"
    detection = assess(text)
    dumped = json.dumps(detection.as_dict(), ensure_ascii=False)
    assert "suicide.want_to_die" in dumped
    for word in ("dooood", "paracetamol", "30"):
        assert word not in dumped


def test_recent_messages_are_not_in_the_evidence():
    detection = assess("ik heb een touw", recent=["ik wil dood"])
    dumped = json.dumps(detection.as_dict())
    assert "touw" not in dumped and "dood" not in dumped
    assert detection.evidence["lexicon"]["recent_level"] == "direct"
