"""The Bot API: ``/bot<token>/<method>``, answered as Telegram answers.

Parameters come as a query string, a JSON body, or a form body (python-telegram-bot
sends forms, with JSON-encoded objects in the values), and are coerced the way
Telegram coerces them. Every call is recorded for the scripting API. Errors carry
Telegram's status codes and descriptions (``bot.simulator.errors``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from bot.simulator import errors
from bot.simulator.errors import ApiError, bad_request, forbidden
from bot.simulator.formatting import parse_text, utf16_len
from bot.simulator.model import (
    Chat,
    Message,
    chat_full_api,
    message_api,
)
from bot.simulator.state import DEFAULT_UPDATE_TYPES, CallRecord, Simulator, Webhook
from bot.simulator.world import TOPIC_COLORS

Handler = Callable[["Params"], Awaitable[Any]]

CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
MAX_TEXT = 4096
# Methods that put a new message in a chat: these are paced and count against the limits.
SENDING = frozenset({"sendmessage", "forwardmessage", "copymessage"})


@dataclass
class Described:
    """A result that Telegram sends with a ``description`` next to it (setWebhook, ...)."""

    result: Any
    description: str


class Params:
    """A method's parameters, coerced from strings when they came as a query or form."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def _value(self, name: str) -> Any:
        value = self.raw.get(name)
        return None if value is None or value == "" else value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self._value(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool):
            raise bad_request(f"field \"{name}\" must be of type Integer")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"field \"{name}\" must be of type Integer") from None

    def need_int(self, name: str) -> int:
        value = self.integer(name, required=True)
        assert value is not None
        return value

    def string(self, name: str, *, required: bool = False) -> str | None:
        value = self._value(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def flag(self, name: str) -> bool:
        value = self._value(name)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1", "yes"}
        return bool(value)

    def number(self, name: str, default: float) -> float:
        value = self._value(name)
        if value is None:
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"field \"{name}\" must be of type Number") from None

    def obj(self, name: str) -> Any:
        value = self._value(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value


async def read_params(request: Request) -> dict[str, Any]:
    """Query parameters merged with the body, whichever encoding the bot chose."""
    params: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if not body:
        return params
    content_type = request.headers.get("content-type", "").lower()
    if "application/json" in content_type:
        try:
            decoded = json.loads(body)
        except json.JSONDecodeError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(decoded, dict):
            raise bad_request("JSON object expected")
        params.update(decoded)
    elif "multipart/form-data" in content_type:
        head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
        parsed = BytesParser(policy=HTTP).parsebytes(head + body)
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                raise bad_request("the simulator does not accept file uploads")
            if isinstance(name, str):
                payload = part.get_payload(decode=True)
                params[name] = payload.decode() if isinstance(payload, bytes) else ""
    else:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return params


class BotApi:
    """The methods a bot can call, on the simulator's state."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.methods: dict[str, Handler] = {}
        for name in dir(self):
            if name.startswith("m_"):
                method_name = name[2:].replace("_", "").lower()
                self.methods[method_name] = getattr(self, name)

    async def call(self, method: str, raw: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one call: the HTTP status and the JSON body."""
        sim = self.sim
        key = method.lower()
        handler = self.methods.get(key)
        ok = False
        try:
            if handler is None:
                raise errors.NOT_FOUND
            self._inject_fault(key)
            result = await handler(Params(raw))
            ok = True
        except ApiError as exc:
            self._record(method, raw, exc)
            return exc.code, exc.payload()
        finally:
            if key not in {"getupdates", "getwebhookinfo"}:
                sim.last_activity = sim.clock()
        self._record(method, raw, None)
        body: dict[str, Any] = {"ok": ok}
        if isinstance(result, Described):
            body["result"] = result.result
            body["description"] = result.description
        else:
            body["result"] = result
        return 200, body

    def _record(self, method: str, raw: dict[str, Any], error: ApiError | None) -> None:
        sim = self.sim
        sim.call_seq += 1
        sim.calls.append(CallRecord(
            seq=sim.call_seq, at=sim.clock(), method=method, params=dict(raw),
            ok=error is None, error_code=error.code if error else None,
            description=error.description if error else None,
        ))

    def _inject_fault(self, key: str) -> None:
        for fault in self.sim.faults:
            wanted = fault.methods is None and key not in {"getupdates", "getme"}
            if fault.remaining > 0 and (wanted or (fault.methods and key in fault.methods)):
                fault.remaining -= 1
                if fault.status == 429:
                    raise errors.too_many_requests(fault.retry_after)
                raise errors.server_error(fault.status)
        self.sim.faults = [f for f in self.sim.faults if f.remaining > 0]

    # --- helpers -------------------------------------------------------------------------

    def _chat(self, params: Params, name: str = "chat_id") -> Chat:
        ref = params.string(name, required=True)
        assert ref is not None
        if ref.startswith("@"):
            raise bad_request(errors.CHAT_NOT_FOUND)  # no public usernames in this world
        try:
            chat_id = int(ref)
        except ValueError:
            raise bad_request(errors.CHAT_NOT_FOUND) from None
        chat = self.sim.chats.get(chat_id)
        if chat is None:
            raise bad_request(errors.CHAT_NOT_FOUND)
        return chat

    def _writable(self, params: Params, name: str = "chat_id") -> Chat:
        """A chat the bot may post in: started private chats, groups it is in."""
        chat = self._chat(params, name)
        sim = self.sim
        if not chat.is_group:
            if chat.id in sim.blocked:
                raise forbidden(errors.BLOCKED)
            if chat.id not in sim.started:
                raise forbidden(errors.CANT_INITIATE)
            return chat
        member = sim.bot_member(chat)
        if member.status == "kicked":
            raise forbidden("bot was kicked from the supergroup chat")
        if not member.active:
            raise forbidden("bot is not a member of the supergroup chat")
        return chat

    def _message(self, chat: Chat, message_id: int, missing: str) -> Message:
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request(missing)
        return message

    def _thread(self, chat: Chat, params: Params) -> int | None:
        thread_id = params.integer("message_thread_id")
        if thread_id is None:
            return None
        if not chat.is_forum:
            return None  # Telegram ignores a thread outside forums
        topic = chat.topics.get(thread_id)
        if topic is None:
            raise bad_request("message thread not found")
        if topic.closed and not self.sim.bot_member(chat).can("can_manage_topics"):
            raise bad_request("TOPIC_CLOSED")
        return thread_id

    def _reply_to(self, chat: Chat, params: Params) -> int | None:
        reply = params.obj("reply_parameters")
        allow = params.flag("allow_sending_without_reply")
        if isinstance(reply, dict):
            target = reply.get("message_id")
            allow = allow or bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, chat.id, str(chat.id)):
                raise bad_request("replies to other chats are not supported by the simulator")
        else:
            target = params.integer("reply_to_message_id")
        if target is None:
            return None
        message = chat.messages.get(int(target))
        if message is None or message.deleted:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return int(target)

    def _markup(self, params: Params, *, inline_only: bool = False) -> tuple[
        list[list[dict[str, Any]]] | None, dict[str, Any] | None
    ]:
        markup = params.obj("reply_markup")
        if markup is None:
            return None, None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            return _inline_keyboard(markup["inline_keyboard"]), None
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list):
                raise bad_request("field \"keyboard\" must be an Array")
            normal = [[b if isinstance(b, dict) else {"text": str(b)} for b in row]
                      for row in rows]
            return None, {**markup, "keyboard": normal}
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return None, dict(markup)
        raise bad_request("can't parse reply keyboard markup JSON object")

    def _text(self, params: Params, name: str = "text") -> tuple[str, list[dict[str, Any]]]:
        source = params.string(name)
        if source is None or not source.strip():
            raise bad_request("message text is empty")
        explicit = params.obj("entities" if name == "text" else "caption_entities")
        if isinstance(explicit, list):
            text, entities = source, explicit
        else:
            text, entities = parse_text(source, params.string("parse_mode"))
        if not text.strip():
            raise bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        return text, entities

    def _pace(self, method: str, chat: Chat) -> None:
        if not self.sim.settings.rate_limits or method not in SENDING:
            return
        retry_after = self.sim.limiter.check(chat.id, chat.is_group, self.sim.clock())
        if retry_after is not None:
            raise errors.too_many_requests(retry_after)

    def _post_bot_message(self, chat: Chat, message: Message) -> dict[str, Any]:
        chat.messages[message.message_id] = message
        self.sim.chat_actions.pop(chat.id, None)
        self.sim.notify({"type": "message", "chat_id": chat.id,
                         "message_id": message.message_id})
        return message_api(message, chat, self.sim.users)

    # --- the bot itself --------------------------------------------------------------------

    async def m_getMe(self, params: Params) -> Any:
        data = self.sim.bot.to_api()
        data.update({
            "can_join_groups": True,
            "can_read_all_group_messages": not self.sim.settings.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        })
        return data

    async def m_logOut(self, params: Params) -> Any:
        return True

    async def m_close(self, params: Params) -> Any:
        return True

    async def m_setMyCommands(self, params: Params) -> Any:
        commands = params.obj("commands")
        if not isinstance(commands, list):
            raise bad_request("commands is empty")
        self.sim.commands = [dict(c) for c in commands]
        return True

    async def m_getMyCommands(self, params: Params) -> Any:
        return list(self.sim.commands)

    async def m_deleteMyCommands(self, params: Params) -> Any:
        self.sim.commands = []
        return True

    # --- updates ---------------------------------------------------------------------------

    async def m_getUpdates(self, params: Params) -> Any:
        sim = self.sim
        if sim.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                "active; use deleteWebhook to delete the webhook first")
        allowed = params.obj("allowed_updates")
        if isinstance(allowed, list):
            sim.allowed_updates = _allowed(allowed)
        offset = params.integer("offset")
        if offset is not None:
            sim.confirm(offset)
        limit = max(1, min(100, params.integer("limit") or 100))
        timeout = max(0.0, min(params.number("timeout", 0.0), sim.settings.max_long_poll_s))
        sim.poll_generation += 1
        generation = sim.poll_generation
        # A poll still waiting wakes up and learns it was superseded.
        sim.notify({"type": "poll"}, activity=False)
        deadline = sim.clock() + timeout
        sim.polls_waiting += 1
        try:
            while True:
                if sim.poll_generation != generation:
                    raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                        "make sure that only one bot instance is running")
                if sim.updates:
                    return [u.to_api() for u in list(sim.updates)[:limit]]
                remaining = deadline - sim.clock()
                if remaining <= 0:
                    return []
                await sim.wait_change(min(remaining, 1.0))
        finally:
            sim.polls_waiting -= 1
            sim.last_poll_at = sim.clock()

    async def m_setWebhook(self, params: Params) -> Any:
        url = params.string("url") or ""
        if not url:
            return await self.m_deleteWebhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.string("secret_token")
        if secret is not None and not (
            1 <= len(secret) <= 256 and all(c.isalnum() or c in "_-" for c in secret)
        ):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.obj("allowed_updates")
        if isinstance(allowed, list):
            self.sim.allowed_updates = _allowed(allowed)
        if params.flag("drop_pending_updates"):
            self.sim.updates.clear()
        self.sim.webhook = Webhook(url=url, secret_token=secret,
                                   max_connections=params.integer("max_connections") or 40)
        self.sim.poll_generation += 1
        self.sim.notify({"type": "webhook"})
        return Described(True, "Webhook was set")

    async def m_deleteWebhook(self, params: Params) -> Any:
        had = self.sim.webhook is not None
        self.sim.webhook = None
        if params.flag("drop_pending_updates"):
            self.sim.updates.clear()
        self.sim.notify({"type": "webhook"})
        return Described(True, "Webhook was deleted" if had else "Webhook is already deleted")

    async def m_getWebhookInfo(self, params: Params) -> Any:
        hook = self.sim.webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.sim.updates),
        }
        if hook:
            info["max_connections"] = hook.max_connections
            info["allowed_updates"] = sorted(self.sim.allowed_updates)
            if hook.last_error_date:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    # --- messages ----------------------------------------------------------------------------

    async def m_sendMessage(self, params: Params) -> Any:
        chat = self._writable(params)
        text, entities = self._text(params)
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        if thread_id is None and reply_to is not None and chat.is_forum:
            thread_id = chat.messages[reply_to].thread_id
        inline, reply_keyboard = self._markup(params)
        self._pace("sendmessage", chat)
        message = Message(
            chat_id=chat.id, message_id=chat.new_message_id(), sender_id=self.sim.bot.id,
            date=int(self.sim.clock()), text=text, entities=entities,
            inline_keyboard=inline, reply_keyboard=reply_keyboard, reply_to=reply_to,
            thread_id=thread_id,
        )
        return self._post_bot_message(chat, message)

    async def m_forwardMessage(self, params: Params) -> Any:
        chat = self._writable(params)
        source_chat = self._chat(params, "from_chat_id")
        original = self._message(source_chat, params.need_int("message_id"),
                                 "message to forward not found")
        thread_id = self._thread(chat, params)
        self._pace("forwardmessage", chat)
        sender = self.sim.users[original.sender_id]
        message = Message(
            chat_id=chat.id, message_id=chat.new_message_id(), sender_id=self.sim.bot.id,
            date=int(self.sim.clock()), text=original.text, kind=original.kind,
            caption=original.caption, entities=list(original.entities), thread_id=thread_id,
            forward_origin={"type": "user", "date": original.date,
                            "sender_user": sender.to_api()},
        )
        return self._post_bot_message(chat, message)

    async def m_copyMessage(self, params: Params) -> Any:
        chat = self._writable(params)
        source_chat = self._chat(params, "from_chat_id")
        original = self._message(source_chat, params.need_int("message_id"),
                                 "message to copy not found")
        if original.kind == "service":
            raise bad_request("message can't be copied")
        thread_id = self._thread(chat, params)
        reply_to = self._reply_to(chat, params)
        inline, reply_keyboard = self._markup(params)
        text, caption, entities = original.text, original.caption, list(original.entities)
        if params.string("caption") is not None and original.kind != "text":
            caption, entities = self._text(params, "caption")
        self._pace("copymessage", chat)
        message = Message(
            chat_id=chat.id, message_id=chat.new_message_id(), sender_id=self.sim.bot.id,
            date=int(self.sim.clock()), text=text, kind=original.kind, caption=caption,
            entities=entities, inline_keyboard=inline, reply_keyboard=reply_keyboard,
            reply_to=reply_to, thread_id=thread_id,
        )
        self._post_bot_message(chat, message)
        return {"message_id": message.message_id}

    def _editable(self, params: Params) -> tuple[Chat, Message]:
        if params.string("inline_message_id"):
            raise bad_request("inline messages are not supported by the simulator")
        chat = self._chat(params)
        message = self._message(chat, params.need_int("message_id"),
                                "message to edit not found")
        if message.sender_id != self.sim.bot.id or message.kind == "service":
            raise bad_request("message can't be edited")
        return chat, message

    def _after_edit(self, chat: Chat, message: Message) -> dict[str, Any]:
        message.edit_date = int(self.sim.clock())
        self.sim.notify({"type": "edit", "chat_id": chat.id, "message_id": message.message_id})
        return message_api(message, chat, self.sim.users)

    async def m_editMessageText(self, params: Params) -> Any:
        chat, message = self._editable(params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        text, entities = self._text(params)
        # Without reply_markup Telegram drops the inline keyboard: bots must send it again.
        inline, _ = self._markup(params, inline_only=True)
        if (text, entities, inline) == (message.text, message.entities, message.inline_keyboard):
            raise bad_request(NOT_MODIFIED)
        message.history.append(message.body)
        message.text, message.entities, message.inline_keyboard = text, entities, inline
        return self._after_edit(chat, message)

    async def m_editMessageCaption(self, params: Params) -> Any:
        chat, message = self._editable(params)
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._text(params, "caption")
        inline, _ = self._markup(params, inline_only=True)
        if (caption, inline) == (message.caption, message.inline_keyboard):
            raise bad_request(NOT_MODIFIED)
        message.history.append(message.body)
        message.caption, message.entities, message.inline_keyboard = caption, entities, inline
        return self._after_edit(chat, message)

    async def m_editMessageReplyMarkup(self, params: Params) -> Any:
        chat, message = self._editable(params)
        inline, _ = self._markup(params, inline_only=True)
        if inline == message.inline_keyboard:
            raise bad_request(NOT_MODIFIED)
        message.inline_keyboard = inline
        return self._after_edit(chat, message)

    async def m_deleteMessage(self, params: Params) -> Any:
        chat = self._chat(params)
        message = self._message(chat, params.need_int("message_id"),
                                "message to delete not found")
        self._check_delete(chat, message)
        message.deleted = True
        self.sim.notify({"type": "delete", "chat_id": chat.id,
                         "message_id": message.message_id})
        return True

    async def m_deleteMessages(self, params: Params) -> Any:
        chat = self._chat(params)
        ids = params.obj("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids is empty")
        for message_id in ids:
            message = chat.messages.get(int(message_id))
            if message is None or message.deleted:
                continue  # deleteMessages skips what it cannot find
            self._check_delete(chat, message)
            message.deleted = True
        self.sim.notify({"type": "delete", "chat_id": chat.id})
        return True

    def _check_delete(self, chat: Chat, message: Message) -> None:
        if not chat.is_group:
            return  # in private chats a bot may delete either side's messages
        member = self.sim.bot_member(chat)
        if not member.active:
            raise forbidden("bot is not a member of the supergroup chat")
        if message.sender_id != self.sim.bot.id and not member.can("can_delete_messages"):
            raise bad_request("message can't be deleted")

    # --- buttons and chat actions --------------------------------------------------------

    async def m_answerCallbackQuery(self, params: Params) -> Any:
        sim = self.sim
        query_id = params.string("callback_query_id", required=True) or ""
        query = sim.callbacks.get(query_id)
        if (query is None or query.answered
                or sim.clock() - query.created > sim.settings.callback_timeout_s):
            raise bad_request(QUERY_TOO_OLD)
        text = params.string("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {"text": text, "show_alert": params.flag("show_alert"),
                        "url": params.string("url")}
        sim.notify({"type": "callback_answer", "callback_query_id": query_id,
                    "user_id": query.user_id, "text": text,
                    "show_alert": query.answer["show_alert"]})
        return True

    async def m_sendChatAction(self, params: Params) -> Any:
        chat = self._writable(params)
        action = params.string("action", required=True) or ""
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.sim.chat_actions[chat.id] = (action, self.sim.clock() + 5.0)
        self.sim.notify({"type": "chat_action", "chat_id": chat.id, "action": action})
        return True

    async def m_pinChatMessage(self, params: Params) -> Any:
        chat = self._writable(params)
        message = self._message(chat, params.need_int("message_id"), "message to pin not found")
        if chat.is_group and not self.sim.bot_member(chat).can("can_pin_messages"):
            raise bad_request("not enough rights to manage pinned messages in the chat")
        chat.pinned = message.message_id
        if chat.is_group and not params.flag("disable_notification"):
            pinned = message_api(message, chat, self.sim.users, nested=False)
            self.sim._service(chat, self.sim.bot, {"pinned_message": pinned},
                              thread_id=message.thread_id)
        self.sim.notify({"type": "pin", "chat_id": chat.id})
        return True

    async def m_unpinChatMessage(self, params: Params) -> Any:
        chat = self._writable(params)
        if chat.is_group and not self.sim.bot_member(chat).can("can_pin_messages"):
            raise bad_request("not enough rights to manage pinned messages in the chat")
        chat.pinned = None
        self.sim.notify({"type": "pin", "chat_id": chat.id})
        return True

    # --- chats and members -----------------------------------------------------------------

    async def m_getChat(self, params: Params) -> Any:
        chat = self._chat(params)
        if chat.is_group and self.sim.bot_member(chat).status in {"left", "kicked"}:
            raise bad_request(errors.CHAT_NOT_FOUND)
        return chat_full_api(chat, self.sim.users)

    async def m_getChatMember(self, params: Params) -> Any:
        chat = self._chat(params)
        user_id = params.need_int("user_id")
        user = self.sim.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        if not chat.is_group:
            if user_id not in {chat.id, self.sim.bot.id}:
                raise bad_request("user not found")
            return {"status": "member", "user": user.to_api()}
        return chat.member(user_id).to_api(user)

    async def m_getChatAdministrators(self, params: Params) -> Any:
        chat = self._chat(params)
        if not chat.is_group:
            raise bad_request("there are no administrators in the private chat")
        return [m.to_api(self.sim.users[uid]) for uid, m in chat.members.items() if m.is_admin]

    async def m_getChatMemberCount(self, params: Params) -> Any:
        chat = self._chat(params)
        if not chat.is_group:
            return 2
        return sum(1 for m in chat.members.values() if m.active)

    async def m_leaveChat(self, params: Params) -> Any:
        chat = self._chat(params)
        if not chat.is_group:
            raise bad_request("chat member status can't be changed in private chats")
        if not self.sim.bot_member(chat).active:
            raise forbidden("bot is not a member of the supergroup chat")
        self.sim.change_member(chat, self.sim.bot, "leave", self.sim.bot)
        return True

    async def m_banChatMember(self, params: Params) -> Any:
        chat = self._chat(params)
        user = self._member_target(chat, params, "can_restrict_members")
        self.sim.change_member(chat, user, "kick", self.sim.bot)
        return True

    async def m_unbanChatMember(self, params: Params) -> Any:
        chat = self._chat(params)
        user = self._member_target(chat, params, "can_restrict_members")
        if chat.member(user.id).status == "kicked":
            chat.members[user.id].status = "left"
        return True

    def _member_target(self, chat: Chat, params: Params, right: str) -> Any:
        if not chat.is_group:
            raise bad_request("chat member status can't be changed in private chats")
        if not self.sim.bot_member(chat).can(right):
            raise bad_request("not enough rights to restrict/unrestrict chat member")
        user = self.sim.users.get(params.need_int("user_id"))
        if user is None:
            raise bad_request("user not found")
        if chat.member(user.id).is_admin:
            raise bad_request("user is an administrator of the chat")
        return user

    # --- forum topics ------------------------------------------------------------------------

    def _forum(self, params: Params) -> Chat:
        chat = self._writable(params)
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        if not self.sim.bot_member(chat).can("can_manage_topics"):
            raise bad_request("not enough rights to manage topics")
        return chat

    def _topic_of(self, chat: Chat, params: Params) -> Any:
        topic = chat.topics.get(params.need_int("message_thread_id"))
        if topic is None:
            raise bad_request("TOPIC_ID_INVALID")
        return topic

    async def m_createForumTopic(self, params: Params) -> Any:
        chat = self._forum(params)
        name = params.string("name") or ""
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        color = params.integer("icon_color") or TOPIC_COLORS[len(chat.topics) % 6]
        if color not in TOPIC_COLORS:
            raise bad_request("TOPIC_COLOR_INVALID")
        topic = self.sim._create_topic(chat, self.sim.bot.id, name, color)
        return topic.to_api()

    async def m_editForumTopic(self, params: Params) -> Any:
        chat = self._forum(params)
        topic = self._topic_of(chat, params)
        name = params.string("name")
        if name is not None:
            if not 1 <= len(name) <= 128:
                raise bad_request("TOPIC_TITLE_EMPTY")
            if name == topic.name:
                raise bad_request("TOPIC_NOT_MODIFIED")
            topic.name = name
            self.sim._service(chat, self.sim.bot, {"forum_topic_edited": {"name": name}},
                              thread_id=topic.thread_id)
        return True

    async def m_closeForumTopic(self, params: Params) -> Any:
        return self._open_or_close(params, closed=True)

    async def m_reopenForumTopic(self, params: Params) -> Any:
        return self._open_or_close(params, closed=False)

    def _open_or_close(self, params: Params, *, closed: bool) -> bool:
        chat = self._forum(params)
        topic = self._topic_of(chat, params)
        if topic.closed == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = closed
        service: dict[str, Any] = {"forum_topic_closed" if closed else "forum_topic_reopened": {}}
        self.sim._service(chat, self.sim.bot, service, thread_id=topic.thread_id)
        return True


def _allowed(names: list[Any]) -> frozenset[str]:
    chosen = frozenset(str(n) for n in names)
    return chosen or DEFAULT_UPDATE_TYPES


def _inline_keyboard(rows: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup should be "
                          "an Array of Arrays")
    keyboard: list[list[dict[str, Any]]] = []
    for row in rows:
        line: list[dict[str, Any]] = []
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text buttons are "
                                  "unallowed in the inline keyboard")
            kinds = set(button) - {"text"}
            if not kinds:
                raise bad_request("can't parse inline keyboard button: Text buttons are "
                                  "unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid: "
                                  "Wrong HTTP URL")
            line.append(dict(button))
        keyboard.append(line)
    return keyboard
