"""The model cache: keyed by a hash of the inputs, outside the repository, reused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import nlu.train as train

pytestmark = pytest.mark.shared
ROOT = Path(__file__).resolve().parents[2]


def test_cache_lives_outside_the_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("HELPLINE_MODEL_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert train.cache_dir() == tmp_path / "helpline-assistant" / "models"
    monkeypatch.setenv("HELPLINE_MODEL_CACHE", str(tmp_path / "elsewhere"))
    assert train.cache_dir() == tmp_path / "elsewhere"
    assert ROOT not in train.model_path().parents
    assert train.model_path().name == f"nlu-{train.model_hash()}.tar.gz"


def test_the_hash_follows_data_config_and_code(monkeypatch, tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "nlu", copy / "nlu", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "config.yml", copy / "config.yml")
    monkeypatch.setattr(train, "ROOT", copy)
    monkeypatch.setattr(train, "CONFIG", copy / "config.yml")
    nlu_dir = copy / "nlu"
    monkeypatch.setattr(
        train,
        "_HASHED_GLOBS",
        ((nlu_dir / "data", "**/*.yml"), (nlu_dir / "components", "**/*.py"),
         (nlu_dir / "lexicon", "**/*.py"), (nlu_dir / "lexicon", "**/*.yml")),
    )
    monkeypatch.setattr(train, "_HASHED_FILES", (copy / "config.yml", nlu_dir / "risk.py"))
    first = train.model_hash()
    assert train.model_hash() == first
    data = nlu_dir / "data" / "conversation.yml"
    data.write_text(data.read_text() + "    - hallo hallo bot\n")
    second = train.model_hash()
    assert second != first
    (copy / "config.yml").write_text((copy / "config.yml").read_text() + "\n# tuned\n")
    assert train.model_hash() not in (first, second)
    (nlu_dir / "eval" / "test.yml").write_text("groups: []\n")  # evaluation data: no retrain
    third = train.model_hash()
    (nlu_dir / "eval" / "test.yml").write_text("groups: [] # changed\n")
    assert train.model_hash() == third


def test_a_cached_model_is_reused_without_training(monkeypatch, tmp_path):
    monkeypatch.setenv("HELPLINE_MODEL_CACHE", str(tmp_path))
    cached = train.model_path()
    cached.write_bytes(b"a model")

    def must_not_train(*_args, **_kwargs):
        raise AssertionError("trained although a model matched")

    monkeypatch.setattr(train, "_train", must_not_train)
    assert train.ensure_model() == cached
    assert train.main(["--print-path"]) == 0
