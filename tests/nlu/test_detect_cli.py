"""`nlu/detect`: one message per line in, one JSON object per line out, same order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlu import detection
from nlu.detection import LexiconDetector, load_detector

pytestmark = pytest.mark.shared
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "nlu" / "detect"
KEYS = {"risk", "public_risk", "peer_harm", "method_detail", "topics", "evidence"}


def _run(args: list[str], lines: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd="/",  # the script must find its environment from its own location
    )


def test_lexicon_only_keeps_order_and_count():
    lines = [
        "ik wil dood", "", "mijn gsm is dood", "kys", "ik heb de pillen klaargelegd voor vanavond"
    ]
    result = _run(["--lexicon-only"], lines)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    assert all(set(o) == KEYS for o in out)
    assert [o["risk"] for o in out] == ["direct", "none", "none", "none", "imminent"]
    assert out[3]["peer_harm"] and out[4]["method_detail"]
    assert out[0]["evidence"]["classifier"] is None


def test_output_never_contains_the_message_text():
    secret = "ik wil dood want mijn naam is jolientje"
    result = _run(["--lexicon-only"], [secret])
    assert "jolientje" not in result.stdout and "jolientje" not in result.stderr


def test_history_uses_the_previous_lines_as_recent_messages():
    lines = ["ik wil echt niet meer leven", "ik heb een touw gevonden"]
    alone = _run(["--lexicon-only"], lines)
    with_history = _run(["--lexicon-only", "--history", "3"], lines)
    assert json.loads(alone.stdout.splitlines()[1])["risk"] == "none"
    assert json.loads(with_history.stdout.splitlines()[1])["risk"] == "imminent"


def test_lexicon_only_does_not_import_tensorflow_or_rasa():
    code = (
        "import io, sys; sys.stdin = io.StringIO('ik wil dood\\n');"
        "from nlu.detection import main; main(['--lexicon-only']);"
        "print('LOADED', sorted(m for m in ('tensorflow', 'rasa') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert "LOADED []" in result.stdout


def test_an_unavailable_model_falls_back_to_the_lexicon(monkeypatch, capsys):
    import nlu.train

    def broken(**_kwargs):
        raise ImportError("no module named wrapt")

    monkeypatch.setattr(nlu.train, "ensure_model", broken)
    detector = load_detector()
    assert isinstance(detector, LexiconDetector)
    verdict = detector.detect("ik wil dood")
    assert verdict.risk == "direct"
    assert verdict.evidence["classifier_unavailable"].startswith("ImportError")
    assert "using the lexicon alone" in capsys.readouterr().err
    with pytest.raises(ImportError):
        load_detector(strict=True)


def test_strict_mode_exits_with_status_3(monkeypatch, capsys):
    import nlu.train

    monkeypatch.setattr(nlu.train, "ensure_model", lambda **_k: (_ for _ in ()).throw(OSError()))
    assert detection.main(["--strict"]) == 3
    assert "unavailable" in capsys.readouterr().err


@pytest.mark.rasa
def test_the_full_detector_writes_only_json_lines_and_logs_no_text(trained_model):
    # Rasa logs each parse at DEBUG with the text; stdout must stay one JSON object per
    # line and neither stream may carry the message, even with LOG_LEVEL=DEBUG.
    secret = "ik wil dood want mijn naam is jolientje"
    lines = [secret, "mijn gsm is dood", "kys"]
    result = subprocess.run(
        [str(SCRIPT), "--strict"],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True, text=True, check=False, timeout=600, cwd="/",
        env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "LOG_LEVEL": "DEBUG",
             "HELPLINE_MODEL_CACHE": str(trained_model.parent)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["risk"] for o in out][:2] == ["direct", "none"] and len(out) == len(lines)
    assert out[0]["evidence"]["classifier"]["level_scores"]
    assert out[2]["peer_harm"]
    assert "jolientje" not in result.stdout and "jolientje" not in result.stderr
