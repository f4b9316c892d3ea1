"""The coordinators' command: `python -m nlu.lexicon check | explain`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nlu.lexicon import LEXICON_DIR
from nlu.lexicon.__main__ import main

pytestmark = pytest.mark.shared
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lexicon_copy(tmp_path):
    target = tmp_path / "lexicon"
    shutil.copytree(LEXICON_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def test_check_passes_on_the_shipped_lexicon(capsys):
    assert main(["check"]) == 0
    assert capsys.readouterr().out.startswith("ok: ")


def test_check_names_the_file_entry_and_problem(lexicon_copy, capsys):
    (lexicon_copy / "entries" / "zz_new.yml").write_text(
        "entries:\n"
        "  - id: new.entry\n"
        "    kind: signal\n"
        "    risk: serious\n"
        "    topics: [weather]\n"
        "    patterns: ['ik (wil']\n"
        "  - id: suicide.want_to_die\n"
        "    risk: direct\n"
        "    patterns: [ik wil dood]\n"
        "    examples: [ik wil dood]\n",
        encoding="utf-8",
    )
    assert main(["--dir", str(lexicon_copy), "check"]) == 1
    err = capsys.readouterr().err
    assert "zz_new.yml entry 1 (new.entry): risk 'serious' must be one of" in err
    assert "topic 'weather' must be one of" in err
    assert "at least one example" in err
    assert "(suicide.want_to_die): id also used by suicide.yml" in err


def test_check_reports_examples_that_no_longer_match(lexicon_copy, capsys):
    path = lexicon_copy / "entries" / "zz_new.yml"
    path.write_text(
        "entries:\n"
        "  - id: new.entry\n"
        "    risk: distress\n"
        "    patterns: ['ik heb buikpijn']\n"
        "    examples: ['ik heb hoofdpijn']\n"
        "    near_misses: ['ik heb echt buikpijn', 'ik heb buikpijn']\n",
        encoding="utf-8",
    )
    assert main(["--dir", str(lexicon_copy), "check"]) == 1
    err = capsys.readouterr().err
    assert "example does not match: 'ik heb hoofdpijn'" in err
    assert "near-miss matches but must not: 'ik heb buikpijn'" in err
    assert "near-miss matches but must not: 'ik heb echt buikpijn'" not in err


def test_check_reports_a_bad_regular_expression_and_bad_yaml(lexicon_copy, capsys):
    (lexicon_copy / "entries" / "zz_bad.yml").write_text(
        "entries:\n  - id: x\n    risk: none\n    patterns: ['(open']\n    examples: [a]\n"
    )
    (lexicon_copy / "entries" / "zz_broken.yml").write_text("entries: [\n")
    assert main(["--dir", str(lexicon_copy), "check"]) == 1
    err = capsys.readouterr().err
    assert "is not a valid regular expression" in err
    assert "zz_broken.yml: not valid YAML" in err


def test_explain_prints_one_json_line_per_text(capsys):
    assert main(["explain", "ik wil dooood", "mijn gsm is dood"]) == 0
    lines = capsys.readouterr().out.splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["normalised"] == "ik wil dod" and first["risk"] == "direct"
    assert second["risk"] == "none" and second["evidence"]["lexicon"]["idioms"]


def test_the_module_runs_as_a_command():
    result = subprocess.run(
        [sys.executable, "-m", "nlu.lexicon", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "examples match" in result.stdout
