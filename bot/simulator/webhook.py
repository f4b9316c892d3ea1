"""Delivers updates to a bot's webhook, one at a time and in order, as long as one is set."""

from __future__ import annotations

import asyncio

import httpx

from bot.simulator.state import Simulator
from common.logging import get_logger

log = get_logger(__name__)

MAX_BACKOFF_S = 5.0


async def deliver_forever(sim: Simulator, client: httpx.AsyncClient) -> None:
    """POST each pending update to the webhook; drop it on 2xx, retry with backoff otherwise."""
    backoff = 0.1
    while True:
        hook = sim.webhook
        if hook is None or not sim.updates:
            await sim.wait_change(1.0)
            continue
        update = sim.updates[0]
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if hook.secret_token \
            else {}
        error: str | None = None
        try:
            response = await client.post(hook.url, json=update.to_api(), headers=headers,
                                         timeout=10.0)
            if not 200 <= response.status_code < 300:
                error = f"Wrong response from the webhook: {response.status_code} " \
                        f"{response.reason_phrase}"
        except httpx.HTTPError as exc:
            error = f"Connection failed: {type(exc).__name__}"
        if error is None:
            if sim.updates and sim.updates[0] is update:
                sim.updates.popleft()
            backoff = 0.1
            sim.notify({"type": "update_delivered"})
            continue
        hook.last_error_date = int(sim.clock())
        hook.last_error_message = error
        log.warning("webhook delivery failed", reason=error.split(":")[0])
        await asyncio.sleep(backoff)
        backoff = min(MAX_BACKOFF_S, backoff * 2)
