"""The test stories give each teen's turn an intent; where the comment before the turn
is what the teen typed, the trained full model must read those words as that intent.

``rasa test core`` replays the stories from their intents and never runs the NLU, so a
story could pass while the real model reads the words differently (an emoji answer read
as nothing, a greeting read as a crisis). This test closes that gap. Paraphrases
("(een bericht ...)"), buttons ("(knop)", sent as payloads) and commands ("/hulp", sent
as intents by the gateway) are not typed words and are left out. These texts are not in
nlu/data (the training data); a few are close to it by design ("ja", "nee").
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "stories" / "tests"


def typed_turns() -> list[tuple[str, str, str]]:
    """(story, text, intent) for every turn whose comment is the teen's own words."""
    from stories.transcripts import _steps

    turns = []
    for path in sorted(TESTS.glob("*.yml")):
        for story, steps in _steps(path):
            for kind, value in steps:
                if kind != "user":
                    continue
                _where, said, intent = value  # type: ignore[misc]
                if said.startswith(("(", "/")) or "(knop)" in said:
                    continue
                text = re.sub(r"\s*\((eigen idee|tegen iemand anders)\)$", "", said)
                turns.append((story, text, intent))
    return turns


def test_there_are_typed_turns_to_check():
    turns = typed_turns()
    assert len(turns) >= 20
    assert {"👍", "👎", "ik weet het niet", "hey, ik ben er weer"} <= {t for _, t, _ in turns}


def test_the_trained_model_reads_every_typed_turn_as_its_story_says():
    from rasa.core.agent import Agent

    from stories.model import ensure_model

    agent = Agent.load(str(ensure_model(num_threads=2)))

    async def parse_all() -> list[tuple[str, str, str, str]]:
        out = []
        for story, text, intent in typed_turns():
            parsed = await agent.parse_message(text)
            out.append((story, text, intent, parsed["intent"]["name"]))
        return out

    wrong = [f"{story}: {text!r} is {got}, the story says {intent}"
             for story, text, intent, got in asyncio.run(parse_all()) if got != intent]
    assert wrong == []
