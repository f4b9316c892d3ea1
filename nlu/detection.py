"""Detect crisis risk in messages: the trained Rasa NLU model plus the lexicon, or the
lexicon alone (the gateway's path when Rasa is down).

Python API::

    from nlu.detection import load_detector
    detector = load_detector()                   # full: trains the model first if needed
    detector.detect(text, recent=[...])          # -> nlu.risk.Detection
    load_detector(lexicon_only=True)             # no Rasa, no TensorFlow import

The gateway's fallback needs only ``nlu.lexicon.assess(text, recent)``.

Command line (what ``nlu/detect`` runs)::

    nlu/detect [--lexicon-only] [--strict] [--history N] < messages.txt > verdicts.jsonl

One message per line on stdin, one JSON object per line on stdout, same order.
If the model cannot be trained or loaded, the full detector falls back to the
lexicon (as the running system does), says so on stderr and in ``evidence``; with
``--strict`` it exits with status 3 instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from nlu.lexicon import Lexicon, default_lexicon
from nlu.risk import Detection, combine

# Rasa logs at DEBUG what a teen wrote (``processor.message.parse`` with
# ``parse_data_text``); these loggers never go below INFO in our processes.
RASA_LOGGERS = ("rasa", "tensorflow", "absl")


def quiet_rasa_logging(level: str | None = None, stream: Any = None) -> None:
    """Route Rasa's structlog events through our scrubbing logger; Rasa never at DEBUG.

    Rasa 3.6 logs with structlog. Outside ``rasa run`` nobody configures structlog, and
    its default prints every event, DEBUG included, on stdout: message text in the log
    and in ``nlu/detect``'s JSON output. :func:`common.logging.configure_logging` sends
    structlog through the standard library's logging with the scrubber before the
    renderer (a value under a key ending in ``_text`` is replaced), and the Rasa loggers
    stay at INFO or above even when ``LOG_LEVEL=DEBUG``.
    """
    from common.logging import configure_logging

    configure_logging(
        level or os.environ.get("LOG_LEVEL", "WARNING"),
        os.environ.get("LOG_FORMAT", "auto"),
        stream,
    )
    cap_rasa_loggers()


def cap_rasa_loggers() -> None:
    """Keep Rasa's own loggers at INFO or above (their DEBUG events carry message text)."""
    for name in RASA_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


class Detector(Protocol):
    name: str

    def detect(self, text: str, recent: Sequence[str] = ()) -> Detection: ...


class LexiconDetector:
    """The lexicon alone: deterministic, fast, no Rasa."""

    name = "lexicon"

    def __init__(self, lexicon: Lexicon | None = None, unavailable: str | None = None) -> None:
        self.lexicon = lexicon or default_lexicon()
        self.unavailable = unavailable

    def detect(self, text: str, recent: Sequence[str] = ()) -> Detection:
        result = combine(self.lexicon.assess(text, recent), None)
        if self.unavailable:
            result.evidence["classifier_unavailable"] = self.unavailable
        return result


class RasaDetector:
    """The trained pipeline (its last component combines lexicon and classifier)."""

    name = "rasa+lexicon"

    def __init__(self, model_path: Path | str) -> None:
        import structlog
        from rasa.core.agent import Agent

        # Without a structlog configuration, Rasa's DEBUG events (message text) would
        # be printed on stdout; a process that configured logging keeps its own.
        if not structlog.is_configured():
            quiet_rasa_logging()
        cap_rasa_loggers()

        self.model_path = Path(model_path)
        self._loop = asyncio.new_event_loop()
        self.agent = Agent.load(str(self.model_path))

    def parse(self, text: str, recent: Sequence[str] = ()) -> dict[str, Any]:
        from rasa.core.channels.channel import UserMessage

        message = UserMessage(text, metadata={"recent_texts": list(recent)})
        processor = self.agent.processor
        if processor is None:  # pragma: no cover - Agent.load always sets it
            raise RuntimeError("the model has no processor")
        return self._loop.run_until_complete(processor.parse_message(message))

    def detect(self, text: str, recent: Sequence[str] = ()) -> Detection:
        parsed = self.parse(text, recent)
        crisis = parsed.get("crisis")
        if crisis is None:
            # A pipeline without RiskCombiner: combine here, the same way.
            lexicon = default_lexicon().assess(text, recent)
            ranking = [(r["name"], r["confidence"]) for r in parsed.get("intent_ranking", [])]
            return combine(lexicon, ranking)
        return Detection(
            risk=crisis["risk"],
            public_risk=crisis.get("public_risk"),
            peer_harm=crisis["peer_harm"],
            method_detail=crisis["method_detail"],
            topics=list(crisis["topics"]),
            evidence=crisis["evidence"],
        )


def load_detector(
    *, lexicon_only: bool = False, strict: bool = False, model_path: Path | str | None = None
) -> Detector:
    """The detector the running system would use (see the module docstring)."""
    if lexicon_only:
        return LexiconDetector()
    try:
        from nlu.train import ensure_model

        return RasaDetector(model_path or ensure_model())
    except Exception as exc:
        if strict:
            raise
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        print(
            f"nlu.detection: the NLU model is unavailable ({reason}); using the lexicon alone",
            file=sys.stderr,
        )
        return LexiconDetector(unavailable=reason)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nlu/detect", description="One message per line in, one JSON verdict per line out."
    )
    parser.add_argument("--lexicon-only", action="store_true", help="no Rasa (fast fallback)")
    parser.add_argument("--strict", action="store_true", help="fail if the model is unavailable")
    parser.add_argument(
        "--history", type=int, default=0, metavar="N",
        help="treat the N previous lines as the same teen's recent messages",
    )
    args = parser.parse_args(argv)
    quiet_rasa_logging()
    try:
        detector = load_detector(lexicon_only=args.lexicon_only, strict=args.strict)
    except Exception as exc:
        print(f"nlu/detect: the NLU model is unavailable: {type(exc).__name__}", file=sys.stderr)
        return 3
    previous: list[str] = []
    out = sys.stdout
    for raw in sys.stdin:
        text = raw.rstrip("\r\n")
        recent = previous[-args.history :] if args.history > 0 else []
        detection = detector.detect(text, recent)
        out.write(json.dumps(detection.as_dict(), ensure_ascii=False) + "\n")
        out.flush()
        if args.history > 0:
            previous.append(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
