"""The simulator's data: users, chats, members, topics and messages, and how the bot sees them.

Plain dataclasses. ``to_api`` methods give the Bot API's JSON shapes (what a bot
receives); the scripting API and the page use :func:`message_view`, which also
carries what only the simulator knows (deleted messages, reply keyboards, names).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.simulator.formatting import Entity, render_html

ChatType = Literal["private", "group", "supergroup"]
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
ACTIVE = frozenset({"creator", "administrator", "member", "restricted"})
ADMIN = frozenset({"creator", "administrator"})

# Rights every administrator gets in the simulated world (Telegram's admin defaults).
ADMIN_RIGHTS: dict[str, bool] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": True,
}


@dataclass
class User:
    id: int
    key: str
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "nl"
    role: str = "teen"
    is_bot: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot,
                                "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass
class Member:
    status: MemberStatus
    rights: dict[str, bool] = field(default_factory=dict)
    until_date: int = 0

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_admin(self) -> bool:
        return self.status in ADMIN

    def can(self, right: str) -> bool:
        if self.status == "creator":
            return True
        return self.status == "administrator" and self.rights.get(right, False)

    def to_api(self, user: User) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "user": user.to_api()}
        if self.status == "creator":
            data["is_anonymous"] = False
        elif self.status == "administrator":
            data.update({**ADMIN_RIGHTS, **self.rights})
        elif self.status == "member":
            pass
        elif self.status == "kicked":
            data["until_date"] = self.until_date
        return data


@dataclass
class Topic:
    thread_id: int
    name: str
    icon_color: int
    closed: bool = False

    def to_api(self) -> dict[str, Any]:
        return {"message_thread_id": self.thread_id, "name": self.name,
                "icon_color": self.icon_color}


@dataclass
class Message:
    chat_id: int
    message_id: int
    sender_id: int
    date: int
    text: str | None = None
    entities: list[Entity] = field(default_factory=list)
    kind: Literal["text", "photo", "sticker", "service"] = "text"
    caption: str | None = None
    service: dict[str, Any] | None = None
    inline_keyboard: list[list[dict[str, Any]]] | None = None
    reply_keyboard: dict[str, Any] | None = None  # ReplyKeyboardMarkup/Remove/ForceReply
    reply_to: int | None = None
    thread_id: int | None = None
    edit_date: int | None = None
    deleted: bool = False
    forward_origin: dict[str, Any] | None = None
    history: list[str] = field(default_factory=list)  # earlier texts, for the moderator

    @property
    def body(self) -> str:
        return (self.text if self.kind == "text" else self.caption) or ""


@dataclass
class Chat:
    id: int
    key: str
    type: ChatType
    title: str | None = None
    is_forum: bool = False
    description: str | None = None
    user_id: int | None = None  # the user of a private chat
    members: dict[int, Member] = field(default_factory=dict)
    topics: dict[int, Topic] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    next_message_id: int = 1
    pinned: int | None = None

    @property
    def is_group(self) -> bool:
        return self.type != "private"

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def member(self, user_id: int) -> Member:
        return self.members.get(user_id, Member("left"))


def chat_api(chat: Chat, users: dict[int, User]) -> dict[str, Any]:
    """The short ``Chat`` object carried inside messages and updates."""
    if chat.type == "private":
        user = users[chat.user_id or chat.id]
        data: dict[str, Any] = {"id": chat.id, "type": "private", "first_name": user.first_name}
        if user.last_name:
            data["last_name"] = user.last_name
        if user.username:
            data["username"] = user.username
        return data
    data = {"id": chat.id, "type": chat.type, "title": chat.title}
    if chat.is_forum:
        data["is_forum"] = True
    return data


def chat_full_api(chat: Chat, users: dict[int, User]) -> dict[str, Any]:
    """``ChatFullInfo``, what getChat returns."""
    data = chat_api(chat, users)
    data.update({
        "accent_color_id": abs(chat.id) % 7,
        "max_reaction_count": 11,
        "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                "unique_gifts": False, "premium_subscription": False,
                                "gifts_from_channels": False},
    })
    if chat.description and chat.is_group:
        data["description"] = chat.description
    return data


def message_api(
    message: Message, chat: Chat, users: dict[int, User], *, nested: bool = True
) -> dict[str, Any]:
    """A ``Message`` as the Bot API sends it to bots."""
    sender = users[message.sender_id]
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "from": sender.to_api(),
        "chat": chat_api(chat, users),
        "date": message.date,
    }
    if message.thread_id is not None:
        data["message_thread_id"] = message.thread_id
        data["is_topic_message"] = True
    if message.kind == "text" and message.text is not None:
        data["text"] = message.text
        if message.entities:
            data["entities"] = message.entities
    elif message.kind == "photo":
        data["photo"] = _photo_sizes(chat.id, message.message_id)
    elif message.kind == "sticker":
        data["sticker"] = {
            "file_id": f"sticker-{chat.id}-{message.message_id}",
            "file_unique_id": f"st{abs(chat.id)}x{message.message_id}",
            "type": "regular", "width": 512, "height": 512,
            "is_animated": False, "is_video": False, "emoji": message.caption or "🙂",
        }
    if message.kind == "photo" and message.caption:
        data["caption"] = message.caption
        if message.entities:
            data["caption_entities"] = message.entities
    if message.service:
        data.update(message.service)
    if message.inline_keyboard:
        data["reply_markup"] = {"inline_keyboard": message.inline_keyboard}
    if message.edit_date is not None:
        data["edit_date"] = message.edit_date
    if message.forward_origin:
        data["forward_origin"] = message.forward_origin
    reply_to = message.reply_to
    if reply_to is None and message.thread_id is not None and message.thread_id in chat.topics:
        # Telegram's quirk: a plain message in a topic "replies" to the topic's first message.
        reply_to = message.thread_id if message.message_id != message.thread_id else None
    if nested and reply_to is not None and reply_to in chat.messages:
        target = chat.messages[reply_to]
        if not target.deleted:
            data["reply_to_message"] = message_api(target, chat, users, nested=False)
    return data


def _photo_sizes(chat_id: int, message_id: int) -> list[dict[str, Any]]:
    base = f"{abs(chat_id)}x{message_id}"
    return [
        {"file_id": f"photo-{base}-s", "file_unique_id": f"ph{base}s", "width": 90,
         "height": 90, "file_size": 1200},
        {"file_id": f"photo-{base}-m", "file_unique_id": f"ph{base}m", "width": 320,
         "height": 320, "file_size": 18000},
    ]


def message_view(
    message: Message, chat: Chat, users: dict[int, User], *, moderator: bool
) -> dict[str, Any]:
    """A message as the scripting API and the page show it."""
    sender = users[message.sender_id]
    reply = chat.messages.get(message.reply_to) if message.reply_to else None
    view: dict[str, Any] = {
        "id": message.message_id,
        "chat_id": chat.id,
        "thread_id": message.thread_id,
        "from": {"id": sender.id, "key": sender.key, "name": sender.full_name,
                 "is_bot": sender.is_bot, "role": sender.role},
        "date": message.date,
        "kind": message.kind,
        "text": message.body if not message.deleted or moderator else "",
        "html": render_html(message.body, message.entities) if not message.deleted
        or moderator else "",
        "buttons": message.inline_keyboard or [],
        "reply_to": message.reply_to,
        "reply_to_text": (reply.body[:80] if reply and (not reply.deleted or moderator)
                          else None),
        "forwarded_from": _origin_name(message.forward_origin),
        "edited": message.edit_date is not None,
        "deleted": message.deleted,
        "service": _service_text(message, users),
    }
    if moderator and message.history:
        view["earlier_texts"] = list(message.history)
    return view


def _origin_name(origin: dict[str, Any] | None) -> str | None:
    if not origin:
        return None
    if origin.get("type") == "user":
        user = origin["sender_user"]
        return " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
    if origin.get("type") == "hidden_user":
        return str(origin.get("sender_user_name", ""))
    chat = origin.get("chat") or origin.get("sender_chat") or {}
    return str(chat.get("title", ""))


def _service_text(message: Message, users: dict[int, User]) -> str | None:
    """The grey line the app shows for a service message, in Dutch."""
    service = message.service or {}
    actor = users[message.sender_id].full_name
    if "new_chat_members" in service:
        names = ", ".join(m["first_name"] for m in service["new_chat_members"])
        return f"{names} is lid geworden van de groep"
    if "left_chat_member" in service:
        return f"{service['left_chat_member']['first_name']} heeft de groep verlaten"
    if "forum_topic_created" in service:
        return f"{actor} heeft het onderwerp '{service['forum_topic_created']['name']}' gemaakt"
    if "forum_topic_closed" in service:
        return f"{actor} heeft het onderwerp gesloten"
    if "forum_topic_reopened" in service:
        return f"{actor} heeft het onderwerp heropend"
    if "pinned_message" in service:
        return f"{actor} heeft een bericht vastgezet"
    return None
