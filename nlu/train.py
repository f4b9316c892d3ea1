"""Train the NLU model only when nothing matches, and keep it outside the repository.

The model is cached by a hash of what decides it: ``config.yml``, the training data
(``nlu/data``), the component and lexicon code and files, and the Rasa version::

    ${HELPLINE_MODEL_CACHE:-${XDG_CACHE_HOME:-~/.cache}/helpline-assistant/models}/nlu-<hash>.tar.gz

so a fresh clone (CI) reuses a model trained before, and a change to any of those
trains a new one. Run in the Rasa environment::

    PYTHONPATH=. env/rasa/.venv/bin/python -m nlu.train [--force] [--num-threads N]

It prints the model's path on stdout (logs go to stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NLU_DIR = ROOT / "nlu"
CONFIG = ROOT / "config.yml"
DATA = NLU_DIR / "data"
# Everything whose change must give a new model.
_HASHED_GLOBS = (
    (DATA, "**/*.yml"),
    (NLU_DIR / "components", "**/*.py"),
    (NLU_DIR / "lexicon", "**/*.py"),
    (NLU_DIR / "lexicon", "**/*.yml"),
)
_HASHED_FILES = (CONFIG, NLU_DIR / "risk.py")


def cache_dir() -> Path:
    explicit = os.environ.get("HELPLINE_MODEL_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "helpline-assistant" / "models"


def _rasa_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rasa")
    except PackageNotFoundError:
        return "none"


def model_hash() -> str:
    """A short hash of the training inputs (config, data, component code, Rasa)."""
    digest = hashlib.sha256()
    digest.update(f"rasa={_rasa_version()}\n".encode())
    files = list(_HASHED_FILES)
    for base, pattern in _HASHED_GLOBS:
        files.extend(p for p in base.glob(pattern) if "__pycache__" not in p.parts)
    for path in sorted(set(files)):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return cache_dir() / f"nlu-{model_hash()}.tar.gz"


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_cached(target: Path, train: Callable[[Path], None], *, force: bool = False) -> Path:
    """``target`` from the cache, or made by ``train(target)`` under the cache's lock.

    Shared by the NLU model (here) and the full model (``stories.model``).
    """
    if target.is_file() and not force:
        return target
    with _locked(target.parent):
        # Another process may have trained it while we waited for the lock.
        if target.is_file() and not force:
            return target
        train(target)
    return target


def ensure_model(*, force: bool = False, num_threads: int | None = None) -> Path:
    """The cached model for the current inputs, training it first if there is none."""
    return ensure_cached(model_path(), lambda t: _train(t, num_threads), force=force)


def _train(target: Path, num_threads: int | None) -> None:
    from common.logging import get_logger

    log = get_logger("nlu.train")
    if num_threads:
        os.environ.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", str(num_threads))
        os.environ.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    from rasa.model_training import train_nlu

    started = time.monotonic()
    log.info("nlu_training_started", model=target.name)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, contextlib.redirect_stdout(
        sys.stderr
    ):
        produced = train_nlu(
            config=str(CONFIG),
            nlu_data=str(DATA),
            output=tmp,
            fixed_model_name="model",
            additional_arguments={"num_threads": num_threads} if num_threads else None,
        )
        if not produced:
            raise RuntimeError("Rasa produced no model; see the log above")
        os.replace(produced, target)
    log.info(
        "nlu_training_finished",
        model=target.name,
        duration_s=round(time.monotonic() - started, 1),
        size_bytes=target.stat().st_size,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlu.train", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--force", action="store_true", help="train even if a model matches")
    parser.add_argument("--num-threads", type=int, default=None, help="TensorFlow threads")
    parser.add_argument("--print-path", action="store_true", help="only print where it would be")
    args = parser.parse_args(argv)
    if args.print_path:
        print(model_path())
        return 0
    from nlu.detection import quiet_rasa_logging

    quiet_rasa_logging(os.environ.get("LOG_LEVEL", "INFO"))
    print(ensure_model(force=args.force, num_threads=args.num_threads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
