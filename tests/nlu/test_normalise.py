"""The normaliser turns spelling tricks into the form the patterns are written for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.lexicon import default_lexicon
from nlu.lexicon.normalise import CLAUSE, damerau_distance, squeeze, strip_accents

pytestmark = pytest.mark.shared

NORM = default_lexicon().normaliser


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("IK WIL DOOD", "ik wil dod"),
        ("ik wil dooooood", "ik wil dod"),
        ("z3lfm00rd", "zelfmord"),
        ("zelf moord", "zelfmord"),
        ("zelf-moord", "zelfmord"),
        ("z e l f m o o r d", "zelfmord"),
        ("z.e.l.f.m.o.o.r.d", "zelfmord"),
        ("zelfmoort", "zelfmord"),
        ("suïcide", "suicide"),
        ("sewerslide", "suicide"),
        ("sewer slide", "suicide"),
        ("k zie et ni meer zitten", "ik zie et niet mer ziten"),
        ("kwil gwn slapen", "ik wil gewon slapen"),
        ("m'n gsm", "mijn gsm"),
        ("i wanna die", "i want to die"),
        ("ik heb 💊💊", "ik heb pilen pilen"),
        ("haha 💀💀", "haha"),
        ("k y s", "kys"),
    ],
)
def test_spelling_tricks_are_undone(raw, expected):
    assert NORM(raw) == expected


def test_numbers_are_not_leetspeak():
    assert NORM("ik heb 112 gebeld om 10 uur") == "ik heb 112 gebeld om 10 ur"


def test_clauses_are_marked():
    assert NORM("nee. ik wil niet, echt niet!") == f"ne {CLAUSE} ik wil niet {CLAUSE} echt niet"


def test_helpers():
    assert squeeze("zelfmoord") == "zelfmord"
    assert strip_accents("één") == "een"
    assert damerau_distance("zelfmord", "zelfmrod") == 1
    assert damerau_distance("zelfmord", "ander") > 1


@given(st.text(max_size=200))
def test_any_text_normalises_to_plain_lower_case_tokens(text):
    tokens = NORM.tokens(text)
    for tok in tokens:
        assert tok and " " not in tok
        assert tok == tok.lower()
    assert not tokens or (tokens[0] != CLAUSE and tokens[-1] != CLAUSE)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=80))
def test_normalising_twice_changes_nothing_for_plain_words(text):
    once = NORM(text)
    assert NORM(once) == once
