"""The web page in real headless Chromium: a teen and a counsellor, with the echo test bot.

Screenshots of the main screens go to ``$SIMULATOR_SCREENSHOTS`` (default
``var/screenshots/``). Skips when Chromium is missing, fails instead under CI=true.
"""

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import unavailable
from tests.simulator.test_ordinary_bots import echo_bot, polling

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 15_000


@pytest.fixture()
def shots() -> Path:
    folder = Path(os.environ.get("SIMULATOR_SCREENSHOTS") or "var/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture()
async def browser() -> AsyncIterator[Any]:
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium is not installed at {CHROMIUM}")
    from playwright.async_api import Error, async_playwright

    async with async_playwright() as playwright:
        try:
            launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Error as exc:
            unavailable(f"Chromium did not start: {str(exc).splitlines()[0]}")
        try:
            yield launched
        finally:
            await launched.close()


async def test_a_teen_and_a_counsellor_use_the_page_with_the_echo_bot(
    simulator, tg, browser, shots: Path,
):
    from playwright.async_api import expect

    page = await browser.new_page(viewport={"width": 1100, "height": 760})
    page.set_default_timeout(TIMEOUT_MS)
    async with polling(simulator, echo_bot):
        # Lotte writes in her peer group; the echo bot answers there.
        await page.goto(f"{simulator.url}/?als=lotte")
        await expect(page.get_by_test_id("chat-title")).to_have_text("Praatgroep Vlaanderen")
        await page.get_by_placeholder("Bericht").fill("Is hier iemand wakker? 🌙")
        await page.get_by_role("button", name="Verzenden").click()
        bot_messages = page.locator(".msg.bot")
        await expect(bot_messages.last).to_contain_text("Is hier iemand wakker? 🌙")
        # A deep link in a message opens the private chat with /start and its payload.
        await page.get_by_placeholder("Bericht").fill(
            "praat privé: https://t.me/hulplijn_sim_bot?start=vl1")
        await page.get_by_role("button", name="Verzenden").click()
        await expect(bot_messages.last.locator("a")).to_have_count(1)
        await page.screenshot(path=str(shots / "01-teen-group.png"))
        await bot_messages.last.locator("a").click()
        await expect(page.get_by_test_id("chat-title")).to_have_text("Hulplijn (bot)")
        await expect(page.locator(".msg.mine").last).to_contain_text("/start vl1")
        await page.get_by_placeholder("Bericht").fill("het gaat niet zo goed")
        await page.get_by_role("button", name="Verzenden").click()
        await expect(bot_messages.last).to_contain_text("het gaat niet zo goed")
        # Editing her own message.
        await page.locator(".msg.mine").last.get_by_role("button", name="Bewerken").click()
        await page.get_by_placeholder("Bericht").fill("het gaat echt niet goed")
        await page.get_by_role("button", name="Verzenden").click()
        await expect(page.locator(".msg.mine").last).to_contain_text("bewerkt")
        await page.screenshot(path=str(shots / "02-teen-private-chat.png"))

        # Els, a counsellor, writes in a staff topic.
        await page.get_by_test_id("persona").select_option("els")
        await page.locator("[data-topic='Dienstoverdracht']").click()
        await expect(page.get_by_test_id("chat-title")).to_have_text(
            "Hulpverleners · Dienstoverdracht")
        await page.get_by_placeholder("Bericht").fill("Ik heb dienst tot 22u")
        await page.get_by_role("button", name="Verzenden").click()
        await expect(bot_messages.last).to_contain_text("Ik heb dienst tot 22u")
        await page.screenshot(path=str(shots / "03-counsellor-topic.png"))

        # The bot deletes a teen's message: Els, a moderator, sees it marked as deleted.
        async with httpx.AsyncClient(base_url=simulator.url) as client:
            first = (await client.get("/api/chats/vlaanderen/messages")).json()["messages"][0]
            answer = await client.post(f"/bot{simulator.token}/deleteMessage", json={
                "chat_id": first["chat_id"], "message_id": first["id"]})
            assert answer.json()["result"] is True
        await page.locator("[data-chat='vlaanderen']").click()
        await expect(page.locator(".msg.deleted")).to_contain_text("Verwijderd bericht")
        await page.screenshot(path=str(shots / "04-moderator-deleted-message.png"))
        # ... and Lotte no longer sees it at all.
        await page.get_by_test_id("persona").select_option("lotte")
        await expect(page.get_by_test_id("chat-title")).to_have_text("Praatgroep Vlaanderen")
        await expect(page.locator(".msg.deleted")).to_have_count(0)

    # On a phone-sized window the chat list and the chat take turns.
    phone = await browser.new_page(viewport={"width": 390, "height": 844})
    phone.set_default_timeout(TIMEOUT_MS)
    await phone.goto(f"{simulator.url}/?als=sanne")
    await expect(phone.get_by_test_id("chat-title")).to_have_text("Praatgroep Nederland")
    await phone.get_by_role("button", name="← Chats").click()
    await expect(phone.get_by_test_id("chats")).to_be_visible()
    await phone.screenshot(path=str(shots / "05-phone-chat-list.png"))
    await phone.locator("[data-chat='nederland']").click()
    await expect(phone.get_by_placeholder("Bericht")).to_be_visible()
    assert sorted(p.name for p in shots.glob("0*.png"))[:5] == [
        "01-teen-group.png", "02-teen-private-chat.png", "03-counsellor-topic.png",
        "04-moderator-deleted-message.png", "05-phone-chat-list.png"]
