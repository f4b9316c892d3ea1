"""The scripting API (``/api``): act as any user, read any chat and the bot's calls, reset.

The web page is a client of this API too. Its OpenAPI page is at ``/docs``.
Users and chats are named by key (``lotte``, ``vlaanderen``, ``staff``), by numeric
id, or, for a user's private chat with the bot, by the user's key.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from bot.simulator.model import Chat, User, message_view
from bot.simulator.state import Fault, ScriptError, Simulator

router = APIRouter(prefix="/api", tags=["scripting"])


def get_sim(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim


Sim = Annotated[Simulator, Depends(get_sim)]


class _Body(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class Actor(_Body):
    as_: str = Field(alias="as", description="the acting user: key, id or @username")


class SendBody(Actor):
    text: str | None = Field(default=None, description="the message text (kind text)")
    kind: Literal["text", "photo", "sticker"] = "text"
    caption: str | None = Field(default=None, description="photo caption or sticker emoji")
    reply_to: int | None = Field(default=None, description="id of the message replied to")
    thread_id: int | None = Field(default=None, description="forum topic to post in")


class EditBody(Actor):
    text: str


class ForwardBody(Actor):
    to: str = Field(description="the chat to forward to")
    thread_id: int | None = None


class PressBody(Actor):
    text: str | None = Field(default=None, description="the button's label")
    data: str | None = Field(default=None, description="the button's callback_data")
    row: int | None = None
    column: int | None = None
    wait: float = Field(default=0.0, ge=0, le=30,
                        description="seconds to wait for the bot's answerCallbackQuery")


class FollowBody(Actor):
    url: str = Field(description="a t.me deep link, e.g. https://t.me/<bot>?start=<payload>")


class MemberBody(_Body):
    user: str = Field(description="whose membership changes; 'bot' for the bot")
    action: Literal["join", "leave", "kick", "promote", "demote"]
    by: str | None = Field(default=None, description="who did it (default: the user)")


class BlockBody(_Body):
    blocked: bool = True


class FaultBody(_Body):
    status: Literal[429, 500, 502, 503, 504] = 429
    count: int = Field(default=1, ge=1, le=10_000)
    methods: list[str] | None = Field(
        default=None, description="method names; default all but getUpdates and getMe"
    )
    retry_after: int = Field(default=1, ge=1, le=3600)


def _user(sim: Simulator, ref: str | None) -> User | None:
    return sim.user(ref) if ref else None


def _chat_summary(sim: Simulator, chat: Chat, viewer: User | None) -> dict[str, Any]:
    visible = [m for m in chat.messages.values()
               if not m.deleted or sim.is_moderator(viewer, chat)]
    last = visible[-1] if visible else None
    if chat.is_group:
        title = chat.title or chat.key
    else:
        title = sim.users[chat.user_id or chat.id].full_name
    action = sim.chat_actions.get(chat.id)
    return {
        "id": chat.id,
        "key": chat.key,
        "type": chat.type,
        "title": title,
        "is_forum": chat.is_forum,
        "topics": [{"thread_id": t.thread_id, "name": t.name, "closed": t.closed,
                    "icon_color": t.icon_color} for t in chat.topics.values()],
        "bot_status": sim.bot_member(chat).status if chat.is_group else (
            "blocked" if chat.id in sim.blocked else
            "started" if chat.id in sim.started else "not started"),
        "last_message_id": last.message_id if last else None,
        "last_text": (last.body[:60] if last and not last.deleted else None),
        "moderator": sim.is_moderator(viewer, chat),
        "chat_action": action[0] if action and action[1] > sim.clock() else None,
    }


@router.get("/world", summary="Who exists: the bot, the users, the chats")
async def world(sim: Sim) -> dict[str, Any]:
    return {
        "bot": {**sim.bot.to_api(), "link": f"https://t.me/{sim.bot.username}"},
        "users": [{"key": u.key, "id": u.id, "name": u.full_name, "username": u.username,
                   "role": u.role} for u in sim.users.values() if not u.is_bot],
        "chats": [_chat_summary(sim, c, None) for c in sim.chats.values()],
    }


@router.get("/bot", summary="The bot's state: polling, webhook, pending updates, filters")
async def bot_state(sim: Sim) -> dict[str, Any]:
    return {
        "id": sim.bot.id,
        "username": sim.bot.username,
        "polling": sim.polls_waiting > 0,
        "webhook": sim.webhook.url if sim.webhook else None,
        "pending_updates": len(sim.updates),
        "allowed_updates": sorted(sim.allowed_updates),
        "started_by": sorted(sim.users[u].key for u in sim.started),
        "blocked_by": sorted(sim.users[u].key for u in sim.blocked),
    }


@router.post("/reset", summary="Back to the seeded world")
async def reset(
    sim: Sim,
    bot: Annotated[bool, Query(description="also forget the bot's webhook, filters, commands")]
    = False,
) -> dict[str, Any]:
    if bot:
        sim.reset_bot()
    sim.reset()
    return {"ok": True}


@router.get("/chats", summary="The chats a user sees (all chats without 'as')")
async def chats(sim: Sim, as_: Annotated[str | None, Query(alias="as")] = None) -> list[Any]:
    viewer = _user(sim, as_)
    return [_chat_summary(sim, c, viewer) for c in sim.visible_chats(viewer)]


@router.get("/chats/{chat}/messages", summary="A chat's messages as a user sees them")
async def messages(
    sim: Sim,
    chat: str,
    as_: Annotated[str | None, Query(alias="as", description="viewer; omit for all")] = None,
    thread: Annotated[int | None, Query(description="only this forum topic")] = None,
    after: Annotated[int, Query(description="only messages with a larger id")] = 0,
    wait: Annotated[float, Query(ge=0, le=60, description="long-poll seconds for news")] = 0,
    sender: Annotated[str | None, Query(description="only messages from this user")] = None,
) -> dict[str, Any]:
    target = sim.chat(chat)
    viewer = _user(sim, as_)
    if not sim.can_see(viewer, target):
        raise ScriptError(403, "this user cannot see that chat")
    from_id = sim.user(sender).id if sender else None
    moderator = sim.is_moderator(viewer, target)
    deadline = sim.clock() + wait

    def select() -> list[dict[str, Any]]:
        found = []
        for message in target.messages.values():
            if message.message_id <= after or (message.deleted and not moderator):
                continue
            if thread is not None and message.thread_id != thread:
                continue
            if from_id is not None and message.sender_id != from_id:
                continue
            found.append(message_view(message, target, sim.users, moderator=moderator))
        return found

    found = select()
    while not found and sim.clock() < deadline:
        await sim.wait_change(min(1.0, deadline - sim.clock()))
        found = select()
    return {
        "chat": _chat_summary(sim, target, viewer),
        "messages": found,
        "keyboard": sim.reply_keyboard_for(viewer, target),
        "pinned": target.pinned,
    }


@router.post("/chats/{chat}/messages", summary="Send a message as a user")
async def send(sim: Sim, chat: str, body: SendBody) -> dict[str, Any]:
    target = sim.chat(chat)
    message = sim.send_as(sim.user(body.as_), target, text=body.text, kind=body.kind,
                          caption=body.caption, reply_to=body.reply_to,
                          thread_id=body.thread_id)
    return message_view(message, target, sim.users, moderator=True)


@router.patch("/chats/{chat}/messages/{message_id}", summary="Edit a user's own message")
async def edit(sim: Sim, chat: str, message_id: int, body: EditBody) -> dict[str, Any]:
    target = sim.chat(chat)
    message = sim.edit_as(sim.user(body.as_), target, message_id, body.text)
    return message_view(message, target, sim.users, moderator=True)


@router.post("/chats/{chat}/messages/{message_id}/forward", summary="Forward a message")
async def forward(sim: Sim, chat: str, message_id: int, body: ForwardBody) -> dict[str, Any]:
    source, target = sim.chat(chat), sim.chat(body.to)
    message = sim.forward_as(sim.user(body.as_), source, message_id, target, body.thread_id)
    return message_view(message, target, sim.users, moderator=True)


@router.post("/chats/{chat}/messages/{message_id}/press", summary="Press an inline button")
async def press(sim: Sim, chat: str, message_id: int, body: PressBody) -> dict[str, Any]:
    result = sim.press(sim.user(body.as_), sim.chat(chat), message_id, text=body.text,
                       data=body.data, row=body.row, column=body.column)
    query_id = result.get("callback_query_id")
    if query_id and body.wait > 0:
        deadline = sim.clock() + body.wait
        while not sim.callbacks[query_id].answered and sim.clock() < deadline:
            await sim.wait_change(min(1.0, deadline - sim.clock()))
    if query_id:
        query = sim.callbacks[query_id]
        result["answered"] = query.answered
        result["answer"] = query.answer
    return result


@router.get("/callbacks/{query_id}", summary="A callback query and the bot's answer")
async def callback(sim: Sim, query_id: str) -> dict[str, Any]:
    query = sim.callbacks.get(query_id)
    if query is None:
        raise ScriptError(404, "no such callback query")
    return {"id": query.id, "data": query.data, "chat_id": query.chat_id,
            "message_id": query.message_id, "answered": query.answered, "answer": query.answer}


@router.post("/links/follow", summary="Follow a t.me deep link as a user (opens the bot's chat)")
async def follow(sim: Sim, body: FollowBody) -> dict[str, Any]:
    user = sim.user(body.as_)
    message = sim.follow_deep_link(user, body.url)
    chat = sim.chats[user.id]
    return {"chat_id": chat.id,
            "message": message_view(message, chat, sim.users, moderator=True)
            if message else None}


@router.post("/chats/{chat}/members", summary="Someone (or the bot) joins, leaves, is promoted")
async def member(sim: Sim, chat: str, body: MemberBody) -> dict[str, Any]:
    target = sim.chat(chat)
    user = sim.user(body.user)
    sim.change_member(target, user, body.action, _user(sim, body.by))
    return {"status": target.member(user.id).status}


@router.post("/users/{user}/block", summary="A user stops (blocks) or restarts the bot")
async def block(sim: Sim, user: str, body: BlockBody) -> dict[str, Any]:
    sim.block(sim.user(user), body.blocked)
    return {"blocked": body.blocked}


@router.get("/calls", summary="The bot's Bot API calls, oldest first")
async def calls(
    sim: Sim,
    method: Annotated[str | None, Query(description="only this method")] = None,
    since: Annotated[int, Query(description="only calls with a larger seq")] = 0,
    polls: Annotated[bool, Query(description="include getUpdates")] = False,
) -> list[dict[str, Any]]:
    wanted = method.lower() if method else None
    return [
        {"seq": c.seq, "at": c.at, "method": c.method, "params": c.params, "ok": c.ok,
         "error_code": c.error_code, "description": c.description}
        for c in sim.calls
        if c.seq > since
        and (wanted is None or c.method.lower() == wanted)
        and (polls or wanted == "getupdates" or c.method.lower() != "getupdates")
    ]


@router.get("/updates", summary="Updates waiting for the bot")
async def updates(sim: Sim) -> list[dict[str, Any]]:
    return [u.to_api() for u in sim.updates]


@router.post("/faults", summary="Make the next calls fail with 429 or 5xx")
async def add_fault(sim: Sim, body: FaultBody) -> dict[str, Any]:
    methods = frozenset(m.lower() for m in body.methods) if body.methods else None
    sim.faults.append(Fault(body.status, body.count, methods, body.retry_after))
    return {"faults": len(sim.faults)}


@router.delete("/faults", summary="Remove injected faults")
async def clear_faults(sim: Sim) -> dict[str, Any]:
    sim.faults.clear()
    return {"faults": 0}


@router.post("/settle", summary="Wait until the bot took every update and went quiet "
             "(or no bot is listening)")
async def settle(
    sim: Sim,
    quiet: Annotated[float, Query(ge=0, le=10)] = 0.3,
    timeout: Annotated[float, Query(ge=0, le=120)] = 10.0,
) -> dict[str, Any]:
    deadline = sim.clock() + timeout
    while sim.clock() < deadline:
        idle = sim.clock() - sim.last_activity
        taken = not sim.updates or not sim.bot_is_listening()
        if taken and idle >= quiet:
            return {"settled": True}
        await sim.wait_change(min(max(quiet - idle, 0.05), deadline - sim.clock()))
    return {"settled": False, "pending_updates": len(sim.updates)}


@router.get("/events", summary="Server-sent events: one JSON object per change")
async def events(sim: Sim, request: Request) -> StreamingResponse:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    sim.subscribers.queues.append(queue)

    async def stream() -> AsyncIterator[str]:
        try:
            yield ": connected\n\n"
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), 15.0)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if event.get("type") in {"update", "poll", "update_delivered"}:
                    continue
                yield f"data: {json.dumps(event)}\n\n"
        finally:
            sim.subscribers.queues.remove(queue)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})
