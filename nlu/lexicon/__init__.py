"""The deterministic crisis lexicon, shared by the Rasa pipeline and the gateway.

The gateway's fallback path when Rasa is down::

    from nlu.lexicon import assess
    detection = assess(text, recent=previous_texts)   # nlu.risk.Detection
    detection.risk, detection.peer_harm, detection.method_detail, detection.topics

Plain Python (3.10 and 3.11, standard library and PyYAML only); no Rasa import.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from nlu.lexicon.engine import Entry, Lexicon
from nlu.lexicon.loader import LEXICON_DIR, LexiconError, check, load
from nlu.risk import Detection

__all__ = [
    "LEXICON_DIR",
    "Detection",
    "Entry",
    "Lexicon",
    "LexiconError",
    "assess",
    "check",
    "default_lexicon",
    "load",
]


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The lexicon in ``nlu/lexicon/``, loaded once per process."""
    return load(LEXICON_DIR)


def assess(text: str, recent: Sequence[str] = ()) -> Detection:
    """The lexicon's verdict on one message (``recent``: the teen's previous messages)."""
    return default_lexicon().assess(text, recent)
