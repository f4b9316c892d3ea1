"""Webhook delivery to a real local receiver, and the page's server-sent events."""

import asyncio
import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.servers import free_port
from tests.simulator.client import Telegram


@pytest.fixture()
def receiver() -> Iterator[tuple[str, list[tuple[dict, str | None]]]]:
    """A small webhook endpoint that records what it receives."""
    received: list[tuple[dict, str | None]] = []

    async def hook(request: Request) -> Response:
        received.append((await request.json(),
                         request.headers.get("x-telegram-bot-api-secret-token")))
        return Response(status_code=200)

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/hook", hook,
                                                                   methods=["POST"])]),
                                           host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the webhook receiver did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}/hook", received
    server.should_exit = True
    thread.join(5)


def test_updates_go_to_the_webhook_with_the_secret_token(tg: Telegram, receiver):
    url, received = receiver
    assert tg.call("setWebhook", url=url, secret_token="s3cr3t-token").json() == {
        "ok": True, "result": True, "description": "Webhook was set"}
    code, description, _ = tg.error("getUpdates")
    assert code == 409 and "webhook is active" in description
    tg.say("lotte", "vlaanderen", "via de webhook")
    deadline = time.monotonic() + 10
    while not received:
        assert time.monotonic() < deadline, "the webhook received nothing"
        time.sleep(0.02)
    update, secret = received[0]
    assert update["message"]["text"] == "via de webhook" and secret == "s3cr3t-token"
    info = tg.ok("getWebhookInfo")
    assert info["url"] == url and info["has_custom_certificate"] is False
    assert tg.call("deleteWebhook").json()["description"] == "Webhook was deleted"
    assert tg.ok("getUpdates") == []  # delivered updates are not delivered twice


def test_a_failing_webhook_keeps_the_update_and_reports_the_error(tg: Telegram):
    dead = f"http://127.0.0.1:{free_port()}/nobody"
    tg.ok("setWebhook", url=dead)
    tg.say("lotte", "vlaanderen", "blijft bewaard")
    deadline = time.monotonic() + 10
    while "last_error_message" not in (info := tg.ok("getWebhookInfo")):
        assert time.monotonic() < deadline, "no delivery error was reported"
        time.sleep(0.05)
    assert info["pending_update_count"] == 1
    assert info["last_error_message"].startswith("Connection failed")
    tg.ok("deleteWebhook")
    assert tg.updates()[0]["message"]["text"] == "blijft bewaard"


async def test_the_event_stream_tells_the_page_about_new_messages(tg: Telegram):
    async with httpx.AsyncClient(base_url=tg.running.url, timeout=30) as client:  # noqa: SIM117
        async with client.stream("GET", "/api/events") as stream:
            lines = stream.aiter_lines()
            assert (await asyncio.wait_for(anext(lines), 10)).startswith(": connected")
            await client.post("/api/chats/nederland/messages",
                              json={"as": "sanne", "text": "hallo"})

            async def next_event() -> dict:
                async for line in lines:
                    if line.startswith("data: "):
                        return dict(json.loads(line[6:]))
                raise AssertionError("the stream ended")

            event = await asyncio.wait_for(next_event(), 10)
    assert event["type"] == "message" and event["chat_id"] == tg.chat_id("nederland")
    assert "hallo" not in json.dumps(event)  # events name what changed, never the text
