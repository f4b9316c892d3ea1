"""The evaluation set is big and varied enough, and never overlaps the training data."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from nlu.dataset import (
    DEV_FILE,
    EVAL_FILE,
    MIN_OUTSIDE_MESSAGES,
    OUTSIDE_FILE,
    comparable,
    jaccard,
    load_labelled,
    near_duplicates,
    training_examples,
)
from nlu.risk import LEVELS, TOPICS
from tests.stack import in_ci

pytestmark = pytest.mark.shared

EVAL = load_labelled(EVAL_FILE)
DEV = load_labelled(DEV_FILE)
TRAIN = list(training_examples())
TRAIN_TEXTS = [text for _intent, text in TRAIN]


def test_the_evaluation_set_is_large_and_covers_every_label():
    assert len(EVAL) >= 400
    levels = Counter(m.risk for m in EVAL)
    assert all(levels[level] >= 30 for level in LEVELS), levels
    assert sum(m.peer_harm for m in EVAL) >= 20
    assert sum(m.method_detail for m in EVAL) >= 20
    topics = Counter(t for m in EVAL for t in m.topics)
    assert all(topics[t] >= 3 for t in TOPICS), topics


def test_the_evaluation_set_covers_the_language():
    variants = Counter(m.variant for m in EVAL)
    assert min(variants["be"], variants["nl"]) >= 100 and variants["mixed"] >= 30
    tags = Counter(t for m in EVAL for t in m.tags)
    for tag in ("idiom", "negation", "other", "past", "fiction", "leet", "spacing", "typo",
                "emoji", "english", "slang", "repeat"):
        assert tags[tag] >= 1, tag
    assert tags["idiom"] >= 25 and tags["negation"] >= 10 and tags["other"] >= 10


def test_no_evaluation_message_is_in_the_training_data():
    assert near_duplicates([m.text for m in EVAL], TRAIN_TEXTS) == []


def test_no_dev_message_is_in_the_training_or_evaluation_data():
    assert near_duplicates([m.text for m in DEV], TRAIN_TEXTS) == []
    assert near_duplicates([m.text for m in DEV], [m.text for m in EVAL]) == []


def test_the_duplicate_check_catches_copies_and_near_copies():
    assert near_duplicates(["Ik wil DOOD!!"], ["ik wil dood"]) == [
        ("Ik wil DOOD!!", "ik wil dood", 1.0)
    ]
    assert jaccard("ik zie het echt niet meer zitten", "ik zie het niet meer zitten") >= 0.8
    assert near_duplicates(["ik heb honger"], ["ik wil dood"]) == []
    assert comparable("Zelfmoord?  Nee 😊") == "zelfmoord nee"


def test_the_training_data_has_every_intent_and_no_duplicates():
    intents = Counter(intent for intent, _text in TRAIN)
    for intent in ("risk_imminent", "risk_direct", "risk_indirect", "risk_distress", "neutral",
                   "peer_harm"):
        assert intents[intent] >= 45, intent
    for intent in ("affirm", "deny", "unsure", "greet", "ask_help", "stop", "chitchat"):
        assert intents[intent] >= 15, intent
    keys = Counter(comparable(text) for text in TRAIN_TEXTS)
    assert [k for k, n in keys.items() if n > 1] == []


def test_labelled_sets_have_no_exact_duplicates_inside():
    for labelled in (EVAL, DEV):
        keys = [comparable(m.text) for m in labelled]
        assert len(keys) == len(set(keys))


def test_bad_labels_are_refused_with_the_message_named(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("groups:\n  - risk: severe\n    messages: [hallo]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.yml group 1: risk must be one of .*'hallo'"):
        load_labelled(path)


def test_pairs_helper_is_symmetric_enough():
    texts = ["ik lag dood van het lachen", "mijn gsm is dood", "ik wil dood"]
    for a, b in itertools.combinations(texts, 2):
        assert jaccard(a, b) == jaccard(b, a)


def _outside() -> list:
    """The held-out set, by path only: these tests never print its messages."""
    if not OUTSIDE_FILE.is_file():
        message = f"the held-out evaluation set {OUTSIDE_FILE.name} does not exist yet"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return load_labelled(OUTSIDE_FILE)


def test_the_outside_set_is_large_enough():
    assert len(_outside()) >= MIN_OUTSIDE_MESSAGES


def test_the_outside_set_never_overlaps_training_dev_or_test_data():
    outside = [m.text for m in _outside()]
    # Name only our own side of a collision (training, dev or test text), never the
    # held-out message: the fix is to change ours.
    for name, ours in (("training", TRAIN_TEXTS), ("dev", [m.text for m in DEV]),
                       ("test", [m.text for m in EVAL])):
        collisions = sorted({theirs for _o, theirs, _s in near_duplicates(outside, ours)})
        assert collisions == [], f"{name} texts too close to held-out messages"
