"""Ordinary bots, written the usual way with python-telegram-bot and nothing of ours,
work against the simulator when pointed at it by ``base_url`` only."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.simulator.testing import RunningSimulator

# --- the bots -------------------------------------------------------------------------


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say back what was said."""
    assert update.message is not None
    await update.message.reply_text(update.message.text or "")


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer two choices as inline buttons."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Thee", callback_data="tea"),
                                      InlineKeyboardButton("Koffie", callback_data="coffee")]])
    assert update.message is not None
    await update.message.reply_text("Wat drink je?", reply_markup=keyboard)


async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the button press and put the choice in the message."""
    query = update.callback_query
    assert query is not None
    await query.answer(f"Je koos {query.data}")
    await query.edit_message_text(f"Gekozen: <b>{query.data}</b>", parse_mode=ParseMode.HTML)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet, naming the deep link's payload when there is one."""
    payload = context.args[0] if context.args else "geen"
    assert update.message is not None and update.effective_user is not None
    await update.message.reply_text(f"Welkom {update.effective_user.first_name}, code {payload}")


async def info(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell the group's title and the sender's status, read back through the API."""
    assert update.effective_chat is not None and update.effective_user is not None
    chat = await context.bot.get_chat(update.effective_chat.id)
    member = await context.bot.get_chat_member(chat.id, update.effective_user.id)
    assert update.message is not None
    await update.message.reply_text(f"{chat.title}: {member.status}")


MOOD, REASON = range(2)


async def mood_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Ask how things are, with a reply keyboard."""
    assert update.message is not None
    await update.message.reply_text(
        "Hoe gaat het?",
        reply_markup=ReplyKeyboardMarkup([["Goed", "Slecht"]], one_time_keyboard=True),
    )
    return MOOD


async def mood_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Keep the answer and ask why."""
    assert update.message is not None and context.user_data is not None
    context.user_data["mood"] = update.message.text
    await update.message.reply_text("Waarom?", reply_markup=ReplyKeyboardRemove())
    return REASON


async def mood_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Thank, repeating the mood."""
    assert update.message is not None and context.user_data is not None
    await update.message.reply_text(f"Bedankt. Je voelt je {context.user_data['mood']}.")
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Stop the conversation."""
    assert update.message is not None
    await update.message.reply_text("Gestopt.")
    return ConversationHandler.END


def echo_bot(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))


def full_bot(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CommandHandler("info", info))
    app.add_handler(CallbackQueryHandler(chosen))
    app.add_handler(ConversationHandler(
        entry_points=[CommandHandler("mood", mood_start)],
        states={
            MOOD: [MessageHandler(filters.Regex("^(Goed|Slecht)$"), mood_answer)],
            REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, mood_reason)],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
    ))


# --- running them ---------------------------------------------------------------------


@contextlib.asynccontextmanager
async def polling(running: RunningSimulator, wire: Any) -> AsyncIterator[None]:
    """Build an Application the ordinary way, pointed at the simulator, and poll."""
    app = Application.builder().token(running.token).base_url(running.base_url).build()
    wire(app)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


class People:
    """Acting as users through the scripting API; waiting for the bot with deadlines."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def say(self, who: str, chat: str, text: str) -> int:
        response = await self.http.post(f"/api/chats/{chat}/messages",
                                        json={"as": who, "text": text})
        assert response.status_code == 200, response.text
        return int(response.json()["id"])

    async def bot_reply(self, chat: str, after: int, viewer: str) -> dict[str, Any]:
        """The bot's first message after ``after``, waiting up to 15 s for it."""
        response = await self.http.get(f"/api/chats/{chat}/messages", params={
            "after": after, "wait": 15, "sender": "bot", "as": viewer})
        found = response.json()["messages"]
        assert found, f"the bot did not answer in {chat}"
        return dict(found[0])


    async def message_when(self, chat: str, message_id: int, viewer: str,
                           check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The message once ``check`` holds for it, polling for up to 15 s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while True:
            view = (await self.http.get(f"/api/chats/{chat}/messages",
                                        params={"as": viewer})).json()
            message = next(m for m in view["messages"] if m["id"] == message_id)
            if check(message) or loop.time() > deadline:
                return dict(message)
            await asyncio.sleep(0.05)


@pytest.fixture()
async def people(tg: Any) -> AsyncIterator[People]:
    async with httpx.AsyncClient(base_url=tg.running.url, timeout=30) as client:
        yield People(client)


# --- the tests ------------------------------------------------------------------------


async def test_an_echo_bot_echoes_in_a_group_and_in_private(simulator, people: People):
    async with polling(simulator, echo_bot):
        said = await people.say("lotte", "vlaanderen", "Is er iemand wakker? 🌙")
        reply = await people.bot_reply("vlaanderen", said, "lotte")
        assert reply["text"] == "Is er iemand wakker? 🌙" and reply["reply_to"] == said
        said = await people.say("daan", "daan", "hallo bot")
        assert (await people.bot_reply("daan", said, "daan"))["text"] == "hallo bot"


async def test_an_inline_keyboard_is_answered_and_its_message_edited(simulator, people):
    async with polling(simulator, full_bot):
        said = await people.say("jana", "jana", "/menu")
        offer = await people.bot_reply("jana", said, "jana")
        assert [b["text"] for b in offer["buttons"][0]] == ["Thee", "Koffie"]
        pressed = (await people.http.post(
            f"/api/chats/jana/messages/{offer['id']}/press",
            json={"as": "jana", "text": "Koffie", "wait": 15})).json()
        assert pressed["answered"] is True and pressed["answer"]["text"] == "Je koos coffee"
        # The edit lands just after the answer: poll for it with a deadline.
        edited = await people.message_when("jana", offer["id"], "jana", lambda m: m["edited"])
        assert edited["text"] == "Gekozen: coffee" and edited["html"] == "Gekozen: <b>coffee</b>"
        assert edited["buttons"] == []


async def test_a_command_handler_gets_the_deep_link_payload(simulator, people: People):
    async with polling(simulator, full_bot):
        followed = (await people.http.post("/api/links/follow", json={
            "as": "arne", "url": "https://t.me/hulplijn_sim_bot?start=vl_groep"})).json()
        reply = await people.bot_reply("arne", followed["message"]["id"], "arne")
        assert reply["text"] == "Welkom Arne, code vl_groep"


async def test_a_group_command_reads_chat_and_member_through_the_api(simulator, people):
    async with polling(simulator, full_bot):
        said = await people.say("els", "vlaanderen", "/info")
        reply = await people.bot_reply("vlaanderen", said, "els")
        assert reply["text"] == "Praatgroep Vlaanderen: administrator"


async def test_a_conversation_handler_walks_its_states(simulator, people: People):
    async with polling(simulator, full_bot):
        said = await people.say("noor", "noor", "/mood")
        question = await people.bot_reply("noor", said, "noor")
        assert question["text"] == "Hoe gaat het?"
        view = (await people.http.get("/api/chats/noor/messages", params={"as": "noor"})).json()
        assert [b["text"] for b in view["keyboard"]["keyboard"][0]] == ["Goed", "Slecht"]
        said = await people.say("noor", "noor", "Slecht")
        assert (await people.bot_reply("noor", said, "noor"))["text"] == "Waarom?"
        said = await people.say("noor", "noor", "school")
        thanks = await people.bot_reply("noor", said, "noor")
        assert thanks["text"] == "Bedankt. Je voelt je Slecht."


@pytest.mark.filterwarnings("ignore:.*retry_after.*")  # PTB reads its own deprecated field
async def test_ptb_raises_its_own_errors_for_403_400_and_429(simulator, people: People):
    bot = Bot(simulator.token, base_url=simulator.base_url)
    async with bot:
        wout = next(u["id"] for u in (await people.http.get("/api/world")).json()["users"]
                    if u["key"] == "wout")
        with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
            await bot.send_message(wout, "hoi")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(-1009, "hoi")
        await people.http.post("/api/faults", json={"status": 429, "retry_after": 7})
        await people.say("wout", "wout", "/start")
        with pytest.raises(RetryAfter, match="Retry in 7"):
            await bot.send_message(wout, "hoi")
        assert (await bot.send_message(wout, "nu wel")).text == "nu wel"
