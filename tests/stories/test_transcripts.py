"""The transcripts in stories/README.md are generated from the test stories, and current."""

import pytest

from stories.transcripts import BEGIN, END, README, transcripts

pytestmark = pytest.mark.shared


def test_readme_transcripts_are_current():
    readme = README.read_text("utf-8")
    block = readme[readme.index(BEGIN) + len(BEGIN) : readme.index(END)]
    assert block.strip() == transcripts().strip(), "run: python -m stories.transcripts --write"


def test_every_test_story_has_a_transcript():
    text = transcripts()
    assert text.count("#### ") == 25
    assert "**tiener (groep):**" in text and "**bot (privé):**" in text
