"""Train the full model (NLU + dialogue) only when nothing matches, cached outside the repo.

The dialogue policies live in ``stories/policies.yml`` with the components the full
model adds to ``config.yml``'s pipeline (``dialogue_pipeline``: the NLU-only model that
``nlu/`` evaluates stays as it is); the config Rasa trains with is built here from
``config.yml``'s ``recipe``, ``language``, ``assistant_id`` and ``pipeline`` plus those.
The cache reuses the NLU model's (``nlu.train``): the same directory and lock, and a
hash of the NLU inputs (``nlu.train.model_hash``) combined with the domain, rules,
stories, forms and policies::

    <nlu cache dir>/full-<hash>.tar.gz

Run in the Rasa environment, from the repository root::

    PYTHONPATH=. env/rasa/.venv/bin/python -m stories.model [--force] [--num-threads 2]
    PYTHONPATH=. env/rasa/.venv/bin/python -m stories.model --write-config /tmp/config.yml

It prints the model's path on stdout (logs go to stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from nlu.train import CONFIG, DATA, ROOT, cache_dir, ensure_cached
from nlu.train import model_hash as nlu_model_hash

STORIES = ROOT / "stories"
DOMAIN = STORIES / "domain"
POLICIES = STORIES / "policies.yml"
# The training data under stories/ (not stories/domain: Rasa would read its responses a
# second time as NLU data and warn about duplicates; not stories/tests: test stories).
DATA_PARTS = ("rules", "stories", "forms")
# Besides the NLU inputs, everything whose change must give a new dialogue model.
_HASHED_GLOBS = ((STORIES, "dialogue_intent.py"), (STORIES, "domain/*.yml"),
                 (STORIES, "rules/*.yml"), (STORIES, "stories/*.yml"),
                 (STORIES, "forms/*.yml"))
_CONFIG_KEYS = ("recipe", "language", "assistant_id", "pipeline")


def merged_config() -> dict:
    """config.yml's pipeline plus the dialogue's components, with the protocol's policies."""
    base = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    dialogue = yaml.safe_load(POLICIES.read_text(encoding="utf-8"))
    merged = {key: base[key] for key in _CONFIG_KEYS if key in base}
    merged["pipeline"] = [*merged["pipeline"], *dialogue.get("dialogue_pipeline", [])]
    merged["policies"] = dialogue["policies"]
    return merged


def write_config(target: Path) -> Path:
    target.write_text(yaml.safe_dump(merged_config(), sort_keys=False), encoding="utf-8")
    return target


def model_hash() -> str:
    digest = hashlib.sha256(f"nlu={nlu_model_hash()}\n".encode())
    files = [POLICIES]
    for base, pattern in _HASHED_GLOBS:
        files.extend(base.glob(pattern))
    for path in sorted(set(files)):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return cache_dir() / f"full-{model_hash()}.tar.gz"


def ensure_model(*, force: bool = False, num_threads: int | None = None) -> Path:
    """The cached full model for the current inputs, training it first if there is none."""
    return ensure_cached(model_path(), lambda t: _train(t, num_threads), force=force)


def _train(target: Path, num_threads: int | None) -> None:
    from common.logging import get_logger

    log = get_logger("stories.model")
    if num_threads:
        os.environ.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", str(num_threads))
        os.environ.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    from rasa.model_training import train

    started = time.monotonic()
    log.info("full_training_started", model=target.name)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, contextlib.redirect_stdout(
        sys.stderr
    ):
        config = write_config(Path(tmp) / "config.yml")
        result = train(
            domain=str(DOMAIN),
            config=str(config),
            training_files=[str(DATA), *(str(STORIES / part) for part in DATA_PARTS)],
            output=tmp,
            fixed_model_name="model",
        )
        if result.code != 0 or not result.model:
            raise RuntimeError("Rasa produced no model; see the log above")
        os.replace(result.model, target)
    log.info(
        "full_training_finished",
        model=target.name,
        duration_s=round(time.monotonic() - started, 1),
        size_bytes=target.stat().st_size,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stories.model", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--force", action="store_true", help="train even if a model matches")
    parser.add_argument("--num-threads", type=int, default=None, help="TensorFlow threads")
    parser.add_argument("--print-path", action="store_true", help="only print where it would be")
    parser.add_argument("--write-config", type=Path, help="only write the merged config there")
    args = parser.parse_args(argv)
    if args.write_config:
        print(write_config(args.write_config))
        return 0
    if args.print_path:
        print(model_path())
        return 0
    from common.logging import configure_logging

    configure_logging(os.environ.get("LOG_LEVEL", "INFO"), os.environ.get("LOG_FORMAT", "auto"))
    print(ensure_model(force=args.force, num_threads=args.num_threads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
