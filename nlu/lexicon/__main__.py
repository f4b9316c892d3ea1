"""Command line for coordinators: check the lexicon after editing, or see why a text fires.

    python -m nlu.lexicon check                 # validate every file, run all examples
    python -m nlu.lexicon explain "ik wil dood"  # normalised text, hits, verdict (JSON)
    echo "..." | python -m nlu.lexicon explain   # one message per line from stdin

Runs in either environment (standard library and PyYAML only, so no typer here).
Exit status: 0 when valid, 1 when the lexicon has errors, 2 on wrong usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from nlu.lexicon.loader import LEXICON_DIR, LexiconError, check, load


def _check(directory: Path) -> int:
    report = check(directory)
    if report.errors:
        print(f"The lexicon in {directory} has {len(report.errors)} problem(s):", file=sys.stderr)
        for error in report.errors:
            print(f"  - {error}", file=sys.stderr)
        return 1
    print(
        f"ok: {report.entries} entries; {report.examples} examples match and "
        f"{report.near_misses} near-misses do not"
    )
    return 0


def _explain(directory: Path, texts: Sequence[str]) -> int:
    try:
        lexicon = load(directory)
    except LexiconError as exc:
        print("The lexicon is invalid; run `python -m nlu.lexicon check`:", file=sys.stderr)
        for error in exc.errors:
            print(f"  - {error}", file=sys.stderr)
        return 1
    for text in texts:
        detection = lexicon.assess(text)
        out = {"normalised": lexicon.normaliser(text), **detection.as_dict()}
        print(json.dumps(out, ensure_ascii=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlu.lexicon", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--dir", type=Path, default=LEXICON_DIR, help="lexicon folder")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate the files and run every example and near-miss")
    explain = sub.add_parser("explain", help="show how texts are read (stdin if none given)")
    explain.add_argument("texts", nargs="*")
    args = parser.parse_args(argv)
    if args.command == "check":
        return _check(args.dir)
    texts = args.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    return _explain(args.dir, texts)


if __name__ == "__main__":
    sys.exit(main())
