"""The API against its own OpenAPI document: property-based, no 500 on any input.

Positive and negative cases for every operation, sent over real HTTP to the service
running in uvicorn (SQLite and the session's Redis, under its own key prefix).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from escalation.api import create_app
from tests.escalation.conftest import AUTH, make_settings
from tests.servers import RedisServer, free_port

pytestmark = pytest.mark.redis

SPEC = create_app(make_settings("sqlite:///unused.db", "redis://127.0.0.1:1/0")).openapi()
schema = schemathesis.openapi.from_dict(SPEC)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=20
)


@pytest.fixture(scope="module")
def served_url(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    database = tmp_path_factory.mktemp("fuzz") / "escalation.sqlite3"
    settings = make_settings(
        f"sqlite:///{database}", redis_server.url, redis_prefix="fuzz:", ack_timeout_s=1.0
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        assert thread.is_alive(), "the service stopped while starting"
        time.sleep(0.02)  # polling for start-up with a deadline
    url = f"http://127.0.0.1:{port}"
    # Something to act on: counsellors, an escalation and a staff alert.
    with httpx.Client(base_url=url, headers=AUTH) as client:
        client.put("/v1/counsellors/anna", json={"display_name": "Anna", "on_duty": True})
        client.post(
            "/v1/escalations",
            json={"idempotency_key": "seed", "teen_telegram_id": 1, "group_chat_id": -1,
                  "risk_level": "direct", "answer_texts": {"has_time": "vanavond"}},
        )
        client.post(  # an alert, so that the alert list has something to answer
            "/v1/peer-harm",
            json={"idempotency_key": "seed", "group_chat_id": -1, "author_telegram_id": 2,
                  "target_telegram_id": 1},
        )
    yield url
    server.should_exit = True
    thread.join(30)


@schema.parametrize()
def test_no_input_makes_a_server_error(case: Any, served_url: str) -> None:
    # A long poll on an empty queue only waits; keep the suite fast.
    if (
        case.path == "/v1/deliveries/lease"
        and isinstance(case.body, dict)
        and isinstance(case.body.get("wait_s"), (int, float))
    ):
        case.body["wait_s"] = 0
    case.call_and_validate(
        base_url=served_url,
        headers={**AUTH, **(case.headers or {})},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
