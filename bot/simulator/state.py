"""The simulator's state and what users do in it; the bot's update queue.

One :class:`Simulator` per server, used only from the server's event loop, so it
needs no locks. Users act through :class:`Simulator` methods (the scripting API and
the page call them); the bot acts through the Bot API (``bot.simulator.botapi``),
which uses the same state. Every change wakes long polls and notifies the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.simulator.formatting import detect_entities
from bot.simulator.model import (
    ADMIN_RIGHTS,
    Chat,
    Member,
    Message,
    Topic,
    User,
    chat_api,
    message_api,
)
from bot.simulator.ratelimit import SendLimiter
from bot.simulator.settings import SimulatorSettings
from bot.simulator.world import TOPIC_COLORS, WorldSpec

# What a bot receives when it never said which update types it wants (Telegram's rule).
ALL_UPDATE_TYPES = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "callback_query",
    "my_chat_member", "chat_member", "chat_join_request", "inline_query",
    "chosen_inline_result", "message_reaction", "message_reaction_count",
})
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {"chat_member", "message_reaction",
                                           "message_reaction_count"}
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ScriptError(Exception):
    """A user's action that Telegram's app would not allow; an HTTP error in the scripting API."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class Update:
    update_id: int
    kind: str
    payload: dict[str, Any]

    def to_api(self) -> dict[str, Any]:
        return {"update_id": self.update_id, self.kind: self.payload}


@dataclass
class CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class CallRecord:
    seq: int
    at: float
    method: str
    params: dict[str, Any]
    ok: bool
    error_code: int | None = None
    description: str | None = None


@dataclass
class Fault:
    status: int
    remaining: int
    methods: frozenset[str] | None  # lower-case method names; None = all but getUpdates
    retry_after: int = 1


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class Subscribers:
    queues: list[asyncio.Queue[dict[str, Any]]] = field(default_factory=list)


class Simulator:
    """Everything the simulated Telegram knows."""

    def __init__(
        self,
        settings: SimulatorSettings,
        world: WorldSpec,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.world = world
        self.clock = clock
        token = settings.bot_token.get_secret_value()
        self.token = token
        self.bot = User(
            id=int(token.split(":", 1)[0]), key="bot", first_name=settings.bot_name,
            username=settings.bot_username, language_code=None, role="bot", is_bot=True,
        )
        self.reset_bot()
        self.next_update_id = 100_001
        self.subscribers = Subscribers()
        self._changed: asyncio.Event | None = None
        self.poll_generation = 0
        self.polls_waiting = 0  # getUpdates calls waiting right now
        self.last_poll_at = float("-inf")
        self.last_activity = clock()
        self.reset()

    # --- world ---------------------------------------------------------------------

    def reset_bot(self) -> None:
        """Forget the bot's configuration (a plain reset keeps it, as a running bot expects)."""
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.webhook: Webhook | None = None
        self.commands: list[dict[str, Any]] = []

    def reset(self) -> None:
        """Back to the world as the YAML file describes it; the bot's settings stay."""
        self.users: dict[int, User] = {self.bot.id: self.bot}
        self.user_keys: dict[str, int] = {"bot": self.bot.id}
        self.chats: dict[int, Chat] = {}
        self.chat_keys: dict[str, int] = {}
        self.started: set[int] = set()
        self.blocked: set[int] = set()
        self.updates: deque[Update] = deque()
        self.callbacks: dict[str, CallbackQuery] = {}
        self.calls: deque[CallRecord] = deque(maxlen=5000)
        self.call_seq = 0
        self.faults: list[Fault] = []
        self.chat_actions: dict[int, tuple[str, float]] = {}
        self.limiter = SendLimiter(
            global_per_s=self.settings.rate_global_per_s,
            group_per_min=self.settings.rate_group_per_min,
            chat_per_s=self.settings.rate_chat_per_s,
            chat_burst=self.settings.rate_chat_burst,
        )
        self._callback_seq = 0
        for index, spec in enumerate(self.world.users):
            user = User(
                id=spec.id or 5_100_000_101 + index * 7919, key=spec.key,
                first_name=spec.first_name, last_name=spec.last_name, username=spec.username,
                language_code=spec.language_code, role=spec.role,
            )
            self.users[user.id] = user
            self.user_keys[user.key] = user.id
            self.chats[user.id] = Chat(id=user.id, key=user.key, type="private",
                                       user_id=user.id)
        for index, group in enumerate(self.world.groups):
            chat = Chat(
                id=group.id or -1_002_000_000_101 - index * 104_729, key=group.key,
                type="supergroup", title=group.title, is_forum=group.forum,
                description=group.description,
            )
            if group.owner:
                chat.members[self.user_keys[group.owner]] = Member("creator")
            for key in group.admins:
                chat.members[self.user_keys[key]] = Member("administrator", dict(ADMIN_RIGHTS))
            for key in group.members:
                chat.members.setdefault(self.user_keys[key], Member("member"))
            if group.bot == "admin":
                chat.members[self.bot.id] = Member("administrator", dict(ADMIN_RIGHTS))
            elif group.bot == "member":
                chat.members[self.bot.id] = Member("member")
            self.chats[chat.id] = chat
            self.chat_keys[chat.key] = chat.id
            for number, topic in enumerate(group.topics):
                creator = self.user_keys.get(group.owner or "", self.bot.id)
                self._create_topic(chat, creator, topic.name,
                                   topic.icon_color or TOPIC_COLORS[number % 6], notify=False)
        self.notify({"type": "reset"})

    def user(self, ref: str | int) -> User:
        """A user by key (``lotte``), numeric id, or ``@username``."""
        text = str(ref).strip()
        if text.lstrip("-").isdigit() and int(text) in self.users:
            return self.users[int(text)]
        if text in self.user_keys:
            return self.users[self.user_keys[text]]
        for user in self.users.values():
            if user.username and text.lstrip("@").lower() == user.username.lower():
                return user
        raise ScriptError(404, f"no user {ref!r}")

    def chat(self, ref: str | int) -> Chat:
        """A chat by id, group key (``vlaanderen``), or a user's key for their private chat."""
        text = str(ref).strip()
        if text.lstrip("-").isdigit() and int(text) in self.chats:
            return self.chats[int(text)]
        if text in self.chat_keys:
            return self.chats[self.chat_keys[text]]
        if text in self.user_keys and self.user_keys[text] in self.chats:
            return self.chats[self.user_keys[text]]
        raise ScriptError(404, f"no chat {ref!r}")

    # --- notifications ---------------------------------------------------------------

    def notify(self, event: dict[str, Any], *, activity: bool = True) -> None:
        """Wake long polls and waiters, and tell the page what changed."""
        if activity:
            self.last_activity = self.clock()
        if self._changed is not None:
            self._changed.set()
            self._changed = None
        for queue in list(self.subscribers.queues):
            if queue.qsize() < 1000:
                queue.put_nowait(event)

    async def wait_change(self, timeout: float) -> None:
        """Return after the next change, or after ``timeout`` seconds."""
        if timeout <= 0:
            return
        if self._changed is None:
            self._changed = asyncio.Event()
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

    # --- the bot's updates ---------------------------------------------------------------

    def enqueue(self, kind: str, payload: dict[str, Any]) -> None:
        if kind not in self.allowed_updates:
            return  # Telegram does not even keep updates of types the bot declined
        self.updates.append(Update(self.next_update_id, kind, payload))
        self.next_update_id += 1
        self.notify({"type": "update"})

    def confirm(self, offset: int) -> None:
        """Forget updates the bot confirmed (``offset``: first id it still wants)."""
        if offset < 0:
            keep = -offset
            while len(self.updates) > keep:
                self.updates.popleft()
            return
        while self.updates and self.updates[0].update_id < offset:
            self.updates.popleft()

    def bot_is_listening(self) -> bool:
        """Whether a bot takes updates now: polling (or just polled), or a webhook set."""
        return (self.webhook is not None or self.polls_waiting > 0
                or self.clock() - self.last_poll_at < 2.0)

    def bot_member(self, chat: Chat) -> Member:
        return chat.member(self.bot.id)

    def bot_sees(self, chat: Chat, message: Message) -> bool:
        """Whether the bot gets an update for this message (membership, privacy mode)."""
        if message.sender_id == self.bot.id:
            return False
        if not chat.is_group:
            return message.sender_id not in self.blocked
        member = self.bot_member(chat)
        if not member.active:
            return False
        if member.is_admin or not self.settings.privacy_mode or message.service:
            return True
        text = message.body
        if text.startswith("/"):
            return True
        if f"@{self.bot.username}".lower() in text.lower():
            return True
        target = chat.messages.get(message.reply_to) if message.reply_to else None
        return target is not None and target.sender_id == self.bot.id

    # --- users act -------------------------------------------------------------------

    def _post(self, chat: Chat, message: Message) -> Message:
        chat.messages[message.message_id] = message
        return message

    def _check_can_post(self, user: User, chat: Chat, thread_id: int | None) -> None:
        if chat.is_group:
            member = chat.member(user.id)
            if not member.active:
                raise ScriptError(403, f"{user.key} is not a member of {chat.key}")
            if thread_id is not None:
                topic = chat.topics.get(thread_id)
                if topic is None:
                    raise ScriptError(404, f"no topic {thread_id} in {chat.key}")
                if topic.closed and not member.can("can_manage_topics"):
                    raise ScriptError(403, "the topic is closed")
        elif chat.user_id != user.id:
            raise ScriptError(403, f"{user.key} cannot write in another person's private chat")

    def send_as(
        self,
        user: User,
        chat: Chat,
        *,
        text: str | None = None,
        kind: str = "text",
        caption: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> Message:
        """A user sends a message (text, or a photo or sticker placeholder)."""
        if thread_id is not None and not chat.is_forum:
            raise ScriptError(400, f"{chat.key} has no topics")
        if thread_id is None and reply_to is not None and chat.is_forum:
            target = chat.messages.get(reply_to)
            thread_id = target.thread_id if target else None
        self._check_can_post(user, chat, thread_id)
        if reply_to is not None and (reply_to not in chat.messages
                                     or chat.messages[reply_to].deleted):
            raise ScriptError(404, "the message to reply to does not exist")
        if kind == "text":
            if not text or not text.strip():
                raise ScriptError(400, "a text message needs text")
            body: str | None = text
        elif kind in {"photo", "sticker"}:
            body = None
        else:
            raise ScriptError(400, f"unknown message kind {kind!r}")
        message = Message(
            chat_id=chat.id, message_id=chat.new_message_id(), sender_id=user.id,
            date=int(self.clock()), text=body, kind=kind,  # type: ignore[arg-type]
            caption=caption if kind != "text" else None, reply_to=reply_to,
            thread_id=thread_id,
        )
        message.entities = detect_entities(message.body)
        self._post(chat, message)
        if not chat.is_group:
            was_blocked = user.id in self.blocked
            self.started.add(user.id)
            self.blocked.discard(user.id)
            if was_blocked:
                self._my_chat_member(chat, user, "kicked", "member")
        self._deliver_new(chat, message)
        return message

    def _deliver_new(self, chat: Chat, message: Message) -> None:
        if self.bot_sees(chat, message):
            self.enqueue("message", message_api(message, chat, self.users))
        self.notify({"type": "message", "chat_id": chat.id, "message_id": message.message_id})

    def edit_as(self, user: User, chat: Chat, message_id: int, text: str) -> Message:
        message = self._find(chat, message_id)
        if message.sender_id != user.id:
            raise ScriptError(403, "only the sender can edit a message")
        if message.kind == "service":
            raise ScriptError(400, "service messages cannot be edited")
        if not text.strip():
            raise ScriptError(400, "the new text is empty")
        if text == message.body:
            return message
        message.history.append(message.body)
        if message.kind == "text":
            message.text = text
        else:
            message.caption = text
        message.entities = detect_entities(text)
        message.edit_date = int(self.clock())
        if self.bot_sees(chat, message):
            self.enqueue("edited_message", message_api(message, chat, self.users))
        self.notify({"type": "edit", "chat_id": chat.id, "message_id": message_id})
        return message

    def forward_as(
        self, user: User, chat: Chat, message_id: int, target: Chat,
        thread_id: int | None = None,
    ) -> Message:
        original = self._find(chat, message_id)
        if original.kind == "service":
            raise ScriptError(400, "service messages cannot be forwarded")
        if chat.is_group and not chat.member(user.id).active:
            raise ScriptError(403, f"{user.key} cannot see {chat.key}")
        self._check_can_post(user, target, thread_id)
        sender = self.users[original.sender_id]
        message = Message(
            chat_id=target.id, message_id=target.new_message_id(), sender_id=user.id,
            date=int(self.clock()), text=original.text, kind=original.kind,
            caption=original.caption, entities=list(original.entities), thread_id=thread_id,
            forward_origin={"type": "user", "date": original.date, "sender_user": sender.to_api()},
        )
        self._post(target, message)
        if not target.is_group:
            self.started.add(user.id)
        self._deliver_new(target, message)
        return message

    def _find(self, chat: Chat, message_id: int) -> Message:
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise ScriptError(404, f"no message {message_id} in {chat.key}")
        return message

    def press(
        self, user: User, chat: Chat, message_id: int, *, text: str | None = None,
        data: str | None = None, row: int | None = None, column: int | None = None,
    ) -> dict[str, Any]:
        """A user presses an inline button: a callback query, a deep link, or a plain URL."""
        message = self._find(chat, message_id)
        if chat.is_group and not chat.member(user.id).active:
            raise ScriptError(403, f"{user.key} cannot see {chat.key}")
        if not chat.is_group and chat.user_id != user.id:
            raise ScriptError(403, "not this user's chat")
        button = self._pick_button(message, text=text, data=data, row=row, column=column)
        if "callback_data" in button:
            self._callback_seq += 1
            query_id = f"{self.bot.id % 100_000}{self._callback_seq:012d}"
            query = CallbackQuery(query_id, user.id, chat.id, message_id,
                                  button["callback_data"], self.clock())
            self.callbacks[query_id] = query
            self.enqueue("callback_query", {
                "id": query_id,
                "from": user.to_api(),
                "message": message_api(message, chat, self.users),
                "chat_instance": str(abs(chat.id) * 31 + 7),
                "data": button["callback_data"],
            })
            return {"callback_query_id": query_id}
        url = str(button.get("url", ""))
        deep = self.parse_deep_link(url)
        if deep is not None:
            opened = self.follow_deep_link(user, url)
            return {"url": url, "opened_chat_id": user.id,
                    "message_id": opened.message_id if opened else None}
        return {"url": url}

    @staticmethod
    def _pick_button(
        message: Message, *, text: str | None, data: str | None, row: int | None,
        column: int | None,
    ) -> dict[str, Any]:
        keyboard = message.inline_keyboard or []
        if row is not None and column is not None:
            try:
                return keyboard[row][column]
            except IndexError:
                raise ScriptError(404, "no button at that row and column") from None
        for line in keyboard:
            for button in line:
                if (text is not None and button.get("text") == text) or (
                    data is not None and button.get("callback_data") == data
                ):
                    return button
        raise ScriptError(404, "the message has no such button")

    def parse_deep_link(self, url: str) -> str | None:
        """The start payload of a link to our bot's private chat ('' when none); else None."""
        parts = urlsplit(url.strip())
        query = parse_qs(parts.query)
        if parts.scheme == "tg" and parts.netloc == "resolve":
            name = query.get("domain", [""])[0]
        elif parts.netloc.lower() in {"t.me", "telegram.me", "www.t.me"} or (
            not parts.scheme and url.strip().lower().startswith("t.me/")
        ):
            path = parts.path if parts.netloc else url.strip()[len("t.me"):].split("?")[0]
            name = path.strip("/").split("/")[0]
        else:
            return None
        if (self.bot.username or "").lower() != name.lower():
            return None
        payload = query.get("start", [""])[0]
        # The app drops a payload Telegram would not accept, and sends a bare /start.
        return payload if _PAYLOAD.match(payload) else ""

    def follow_deep_link(self, user: User, url: str) -> Message | None:
        """Open the private chat with the bot and send /start (with the payload), as apps do."""
        payload = self.parse_deep_link(url)
        if payload is None:
            raise ScriptError(400, "not a link to this simulator's bot")
        chat = self.chats[user.id]
        if not payload and user.id in self.started and user.id not in self.blocked:
            self.notify({"type": "open", "chat_id": chat.id})
            return None  # the chat opens; nothing is sent
        text = f"/start {payload}" if payload else "/start"
        return self.send_as(user, chat, text=text)

    def block(self, user: User, blocked: bool) -> None:
        """A user stops (blocks) or restarts the bot in their private chat."""
        chat = self.chats[user.id]
        if blocked and user.id not in self.blocked:
            self.blocked.add(user.id)
            self._my_chat_member(chat, user, "member", "kicked")
        elif not blocked and user.id in self.blocked:
            self.blocked.discard(user.id)
            self._my_chat_member(chat, user, "kicked", "member")
        self.notify({"type": "member", "chat_id": chat.id})

    def _my_chat_member(self, chat: Chat, actor: User, old: str, new: str) -> None:
        self.enqueue("my_chat_member", {
            "chat": _chat_short(chat, self),
            "from": actor.to_api(),
            "date": int(self.clock()),
            "old_chat_member": Member(old).to_api(self.bot),  # type: ignore[arg-type]
            "new_chat_member": Member(new).to_api(self.bot),  # type: ignore[arg-type]
        })

    def change_member(self, chat: Chat, user: User, action: str, actor: User | None) -> None:
        """Someone joins, leaves, is kicked, promoted or demoted; the bot too."""
        if not chat.is_group:
            raise ScriptError(400, "private chats have no members to change")
        old = chat.member(user.id)
        new: Member
        if action == "join":
            new = Member("member")
        elif action == "leave":
            new = Member("left")
        elif action == "kick":
            new = Member("kicked")
        elif action == "promote":
            new = Member("administrator", dict(ADMIN_RIGHTS))
        elif action == "demote":
            new = Member("member")
        else:
            raise ScriptError(400, f"unknown action {action!r}")
        if old.status == "creator":
            raise ScriptError(400, "the owner's status cannot change")
        actor = actor or user
        chat.members[user.id] = new
        date = int(self.clock())
        change = {
            "chat": _chat_short(chat, self), "from": actor.to_api(), "date": date,
            "old_chat_member": old.to_api(user), "new_chat_member": new.to_api(user),
        }
        if user.id == self.bot.id:
            self.enqueue("my_chat_member", change)
        elif self.bot_member(chat).is_admin:
            self.enqueue("chat_member", change)
        if action == "join" and not old.active:
            self._service(chat, actor, {"new_chat_members": [user.to_api()]})
        elif action in {"leave", "kick"} and old.active:
            self._service(chat, actor, {"left_chat_member": user.to_api()})
        self.notify({"type": "member", "chat_id": chat.id})

    def _service(
        self, chat: Chat, actor_id: User | int, service: dict[str, Any],
        thread_id: int | None = None, message_id: int | None = None,
    ) -> Message:
        sender = actor_id.id if isinstance(actor_id, User) else actor_id
        message = Message(
            chat_id=chat.id, message_id=message_id or chat.new_message_id(), sender_id=sender,
            date=int(self.clock()), kind="service", service=service, thread_id=thread_id,
        )
        self._post(chat, message)
        self._deliver_new(chat, message)
        return message

    def _create_topic(
        self, chat: Chat, creator_id: int, name: str, icon_color: int, *, notify: bool = True,
    ) -> Topic:
        # Telegram's thread id is the id of the topic's first (service) message.
        thread_id = chat.new_message_id()
        topic = Topic(thread_id, name, icon_color)
        chat.topics[thread_id] = topic
        service = {"forum_topic_created": {"name": name, "icon_color": icon_color}}
        if notify:
            self._service(chat, creator_id, service, thread_id, thread_id)
        else:
            self._post(chat, Message(chat.id, thread_id, creator_id, int(self.clock()),
                                     kind="service", service=service, thread_id=thread_id))
        return topic

    # --- what a user sees -------------------------------------------------------------

    def visible_chats(self, user: User | None) -> list[Chat]:
        if user is None:
            return list(self.chats.values())
        groups = [c for c in self.chats.values() if c.is_group and c.member(user.id).active]
        return [*groups, self.chats[user.id]] if user.id in self.chats else groups

    def can_see(self, user: User | None, chat: Chat) -> bool:
        if user is None:
            return True
        if chat.is_group:
            return chat.member(user.id).active
        return chat.user_id == user.id

    def is_moderator(self, user: User | None, chat: Chat) -> bool:
        return user is None or (chat.is_group and chat.member(user.id).is_admin)

    def reply_keyboard_for(self, user: User | None, chat: Chat) -> dict[str, Any] | None:
        """The reply keyboard the bot last set in this chat, if the app still shows it."""
        user_spoke_after = False
        for message in reversed(chat.messages.values()):
            if user is not None and message.sender_id == user.id and message.kind != "service":
                user_spoke_after = True
            if message.sender_id == self.bot.id and message.reply_keyboard is not None:
                markup = message.reply_keyboard
                if "keyboard" not in markup:
                    return None
                if markup.get("one_time_keyboard") and user_spoke_after:
                    return None
                return markup
        return None


def _chat_short(chat: Chat, sim: Simulator) -> dict[str, Any]:
    return chat_api(chat, sim.users)
