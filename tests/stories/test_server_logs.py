"""The Rasa server as ``make run`` starts it (``python -m stories.server run``) keeps
message text out of its logs, even at DEBUG (plain ``rasa run --debug`` prints it).

Starts the real server with the full model on a free port, sends one message over the
REST channel (no action server: the actions fail, which is logged too), and reads
everything the process wrote.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]
SENTINEL = "zeepbel42"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_logs_are_json_and_never_hold_message_text(tmp_path):
    from stories.model import ensure_model

    model = ensure_model(num_threads=2)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json",
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "stories.server", "run", "--model", str(model),
             "--endpoints", "endpoints.yml", "--interface", "127.0.0.1", "--port", str(port),
             "--enable-api", "--debug"],
            cwd=ROOT, env=env, stdout=stdout, stderr=stderr,
        )
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                    break
                except OSError:
                    assert server.poll() is None, err.read_text("utf-8")[-3000:]
                    assert time.monotonic() < deadline, "the Rasa server did not start"
                    time.sleep(0.5)
            body = json.dumps({
                "sender": "pseudonym-1", "message": f"{SENTINEL} ik wil niet meer leven",
                "metadata": {"chat_type": "group", "country": "BE",
                             "teen_telegram_id": 4242, "group_chat_id": -1009},
            }).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/webhooks/rest/webhook", data=body,
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                assert response.status == 200
        finally:
            server.terminate()
            server.wait(timeout=30)
    logged = out.read_text("utf-8") + err.read_text("utf-8")
    assert SENTINEL not in logged
    records = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    # Rasa's own events went through our chain (the failing action call is one of them).
    assert any(str(r.get("logger", "")).startswith("rasa.") for r in records)
    assert any("action_read_message" in str(r.get("event")) for r in records)
