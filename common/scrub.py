"""Remove what must never leave the process: message text, names and Telegram ids.

Used by the structlog processor (`common.logging`) and by Sentry's `before_send`
(`common.errors`), so logs and error reports follow the same rules. Plain Python
(3.10 and 3.11, standard library only): the Rasa action server uses it too.

Four rules, applied to every value of a log event or error report, recursively:

1. **Sensitive keys.** A value under a key that names personal data (``text``,
   ``first_name``, ``chat_id``, ``from_user``, ...) is replaced by a marker, whatever
   its type. The key stays, so a reader sees that something was there.
2. **Known values.** Code that handles a teen's message registers its text, the
   sender's names and ids with :func:`sensitive` for the duration of the handling;
   any occurrence of them in any string (an f-string event, an exception message,
   a traceback) is replaced. This catches the mistakes rules 1 and 3 cannot see.
3. **Shapes.** In every string: long digit runs (Telegram user and chat ids),
   ``@usernames``, phone numbers and ``t.me`` deep links are replaced; a string
   under an unknown key that reads like prose (many words) is replaced whole.
4. **Objects.** Values that are not plain data (a Telegram ``Message``, a ``User``,
   an ORM row) are replaced by their type name: their ``repr`` can hold anything.

Integers that look like Telegram ids (seven digits or more) are replaced unless
their key says they are a measurement (``*_ms``, ``*_bytes``, ``count``, ...).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import enum
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

SCRUBBED = "[scrubbed]"
ID_MARK = "[id]"
USERNAME_MARK = "[username]"
PHONE_MARK = "[phone]"
LINK_MARK = "[t.me link]"
TEXT_MARK = "[scrubbed text]"

# Keys (compared lower-case, with dashes as underscores) whose values are personal data.
SENSITIVE_KEYS = frozenset(
    {
        "text",
        "message",
        "message_text",
        "messages",
        "texts",
        "msg",
        "body",
        "content",
        "caption",
        "reply",
        "reply_text",
        "answer",
        "answers",
        "quote",
        "transcript",
        "name",
        "first_name",
        "last_name",
        "full_name",
        "display_name",
        "username",
        "user_name",
        "user",
        "from",
        "from_user",
        "sender",
        "sender_chat",
        "chat",
        "contact",
        "phone",
        "phone_number",
        "email",
        "user_id",
        "chat_id",
        "sender_id",
        "from_id",
        "telegram_id",
        "tg_id",
        "uid",
        "update",
        "effective_user",
        "effective_chat",
        "effective_message",
        "cookies",
        "authorization",
        "token",
        "bot_token",
        "secret",
        "password",
        "api_key",
        "dsn",
    }
)
# Suffixes that mark a key as personal data (``teen_name``, ``group_chat_id``, ``last_text``).
SENSITIVE_SUFFIXES = ("_text", "_name", "_username", "_user_id", "_chat_id", "_phone", "_token")

# Keys that structlog and Sentry use for their own bookkeeping: never prose, never personal.
STRUCTURAL_KEYS = frozenset(
    {
        "event",
        "level",
        "log_level",
        "logger",
        "timestamp",
        "exception",
        "exc_info",
        "stack",
        "filename",
        "func_name",
        "lineno",
        "module",
        "process",
        "thread",
        "type",
        "platform",
        "environment",
        "release",
        "server_name",
        "event_id",
        "sdk",
        "level_number",
    }
)

# Integer keys that are measurements, not ids, even when large.
MEASUREMENT_SUFFIXES = ("_ms", "_us", "_ns", "_s", "_bytes", "_kb", "_mb", "_count", "_size")
MEASUREMENT_KEYS = frozenset({"count", "size", "bytes", "duration", "elapsed", "port", "pid"})

# Telegram user ids are positive integers up to 52 bits; chat ids of supergroups are
# -100 followed by ten digits. Seven or more digits catches both and spares small numbers.
_ID_DIGITS = 7
_LONG_DIGITS = re.compile(rf"(?<![\w.\-])-?\d{{{_ID_DIGITS},}}(?![\w.\-])")
_USERNAME = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")
# Belgian and Dutch numbers: +32/0032/0 then 8 to 11 digits, with spaces, dashes or dots.
_PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)\d{2,3}|0)[ \-./]?\d(?:[ \-./]?\d){6,10}(?!\w)")
# A bot token (``123456789:AA...``) in a URL or message: the secret half must go too.
_BOT_TOKEN = re.compile(r"\d{6,}:[A-Za-z0-9_\-]{30,}")
TOKEN_MARK = "[bot token]"  # noqa: S105 (a marker, not a password)
_TME_LINK = re.compile(r"(?:https?://)?(?:t|telegram)\.me/\S+", re.IGNORECASE)
# A string under an unknown key with this many words reads like prose, not like a code.
_PROSE_WORDS = 6
_MIN_KNOWN_LENGTH = 3

_known: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "scrub_known_values", default=()
)


@contextlib.contextmanager
def sensitive(*values: object) -> Iterator[None]:
    """Register values (message text, names, ids) to scrub wherever they appear.

    Use around the handling of one update: ``with sensitive(msg.text, user.first_name,
    user.id): ...``. Values shorter than three characters are ignored (they would
    scrub common words); ``None`` is ignored.
    """
    added = tuple(
        s
        for s in (str(v).strip() for v in values if v is not None)
        if len(s) >= _MIN_KNOWN_LENGTH
    )
    token = _known.set(_known.get() + added)
    try:
        yield
    finally:
        _known.reset(token)


def known_values() -> tuple[str, ...]:
    """The values registered with :func:`sensitive` in the current context."""
    return _known.get()


def _norm_key(key: object) -> str:
    return str(key).strip().lower().replace("-", "_")


def is_sensitive_key(key: object) -> bool:
    k = _norm_key(key)
    return k in SENSITIVE_KEYS or k.endswith(SENSITIVE_SUFFIXES)


def _is_measurement_key(key: str) -> bool:
    return key in MEASUREMENT_KEYS or key.endswith(MEASUREMENT_SUFFIXES)


def scrub_string(value: str, *, prose_allowed: bool = True) -> str:
    """Replace known values and id, username, phone and link shapes in a string."""
    out = value
    for known in sorted(known_values(), key=len, reverse=True):
        if known in out:
            out = out.replace(known, SCRUBBED)
    out = _BOT_TOKEN.sub(TOKEN_MARK, out)
    out = _TME_LINK.sub(LINK_MARK, out)
    out = _USERNAME.sub(USERNAME_MARK, out)
    out = _LONG_DIGITS.sub(ID_MARK, out)
    out = _PHONE.sub(PHONE_MARK, out)
    if not prose_allowed and len(out.split()) >= _PROSE_WORDS:
        return TEXT_MARK
    return out


_PLAIN_SCALARS = (bool, float, decimal.Decimal, dt.date, dt.time, dt.timedelta, uuid.UUID)


def scrub_value(value: Any, key: object = None) -> Any:
    """Scrub one value found under ``key`` (``None`` for list items and the root)."""
    k = _norm_key(key) if key is not None else ""
    if key is not None and is_sensitive_key(k):
        return SCRUBBED if value not in (None, "", [], {}) else value
    if value is None or isinstance(value, _PLAIN_SCALARS):
        return value
    if isinstance(value, enum.Enum):
        return value.value if isinstance(value.value, (str, int)) else value.name
    if isinstance(value, int):
        if abs(value) >= 10 ** (_ID_DIGITS - 1) and not _is_measurement_key(k):
            return ID_MARK
        return value
    if isinstance(value, str):
        return scrub_string(value, prose_allowed=k in STRUCTURAL_KEYS or key is None)
    if isinstance(value, bytes):
        return f"[{len(value)} bytes]"
    if isinstance(value, Mapping):
        return {kk: scrub_value(vv, kk) for kk, vv in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        # Items inherit the key: a list under ``notes`` is judged as notes.
        return [scrub_value(v, key) for v in value]
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {scrub_string(str(value), prose_allowed=True)}"
    return f"[{type(value).__name__}]"


def scrub_mapping(data: Mapping[str, Any], *, keep: Iterable[str] = ()) -> dict[str, Any]:
    """Scrub every value of a mapping; keys listed in ``keep`` pass unchanged."""
    kept = set(keep)
    return {k: (v if k in kept else scrub_value(v, k)) for k, v in data.items()}
