"""The live stack of the end-to-end tests: every real part but Telegram.

A ``redis-server`` and the escalation service (Python 3.11, SQLite), the Rasa action
server and the Rasa server with the trained full model, each a process on a free port
(tests/stack.py), started once per test session (tests/stories/conftest.py). Messages go
in as the gateway will send them (the REST channel, one conversation per teen, the
metadata of stories/README.md).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests import stack

GROUP = -1001234567890
SENTINEL = "zeepbel42"  # in the teens' messages; must never reach a log
SENT: list[str] = []  # every text sent, for the log checks


@dataclass
class Stack:
    rasa: str
    escalation: str
    workdir: Path
    redis_url: str
    _service: ExitStack = field(default_factory=ExitStack)
    _starts: int = 0

    def say(self, teen: int, text: str, chat_type: str = "private",
            **metadata: Any) -> list[dict]:
        """One message from a teen, as the gateway sends it; the bot's answers."""
        SENT.append(text)
        meta = {"chat_type": chat_type, "country": "BE", "teen_telegram_id": teen, **metadata}
        if chat_type == "group":
            meta.setdefault("group_chat_id", GROUP)
        return post(f"{self.rasa}/webhooks/rest/webhook",
                    {"sender": f"teen-{teen}", "message": text, "metadata": meta})

    def service(self, method: str, path: str, body: dict | None = None,
                counsellor: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {stack.SERVICE_TOKEN}"}
        if counsellor:
            headers["X-Counsellor-Id"] = counsellor
        return post(self.escalation + path, body, headers, method)

    def who_speaks(self, teen: int) -> dict:
        return self.service("POST", "/v1/who-speaks", {"teen_telegram_id": teen})

    def escalation_of(self, teen: int) -> dict | None:
        found = self.who_speaks(teen)
        if not found["escalation_id"]:
            return None
        return self.service("GET", f"/v1/escalations/{found['escalation_id']}")

    def start_service(self, **settings: str) -> None:
        """(Re)start the escalation service on its port, with its database."""
        port = int(self.escalation.rsplit(":", 1)[1])
        self._starts += 1
        name = "escalation" if self._starts == 1 else f"escalation-{self._starts}"
        self._service.enter_context(stack.escalation_service(
            self.workdir, self.redis_url, port=port, name=name, **settings))

    def stop_service(self) -> None:
        self._service.close()
        self._service = ExitStack()


def post(url: str, body: dict | None, headers: dict | None = None, method: str = "POST") -> Any:
    data = None if method == "GET" else json.dumps(body or {}).encode()
    request = urllib.request.Request(  # noqa: S310 (the test's own loopback servers)
        url, data=data, method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


def assert_no_teen_words_in_logs(workdir: Path) -> None:
    """No process of the stack logged a teen's words (nor the sentinel in them)."""
    logs = {p.name: p.read_text("utf-8", "replace") for p in workdir.glob("*.log")}
    assert {"escalation.log", "actions.log", "rasa.log"} <= set(logs)
    for name, text in logs.items():
        assert SENTINEL not in text, name
        for sent in SENT:
            if len(sent) > 12:  # long enough not to match by chance ("nee", "...")
                assert sent not in text, (name, sent)


def texts(replies: list[dict]) -> list[str]:
    return [r.get("text", "") for r in replies]


@contextmanager
def live_stack(workdir: Path) -> Iterator[Stack]:
    from stories.model import ensure_model

    model = ensure_model(num_threads=2)
    with ExitStack() as processes:
        redis_url = processes.enter_context(stack.redis(workdir))
        live = Stack(rasa="", escalation=f"http://127.0.0.1:{stack.free_port()}",
                     workdir=workdir, redis_url=redis_url)
        live.start_service()
        processes.callback(live.stop_service)
        actions = processes.enter_context(stack.action_server(workdir, live.escalation))
        live.rasa = processes.enter_context(stack.rasa_server(workdir, model, actions))
        yield live
