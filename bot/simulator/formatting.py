"""Message text: parse modes into entities, entities found in users' text, and HTML for the page.

Telegram returns a sent message's text without markup plus a list of entities whose
offsets and lengths count UTF-16 code units; bots (and PTB's ``CommandHandler``) rely
on those entities, so the simulator computes them the same way.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

from bot.simulator.errors import ApiError, bad_request

Entity = dict[str, Any]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cant_parse(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


# --- HTML -----------------------------------------------------------------------------

_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
    "a": "text_link", "blockquote": "blockquote", "span": "spoiler", "tg-emoji": "custom_emoji",
}


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.length = 0  # UTF-16 units written so far
        self.open: list[tuple[str, int, dict[str, Any]]] = []
        self.entities: list[Entity] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _HTML_TAGS.get(tag)
        if kind is None:
            raise _cant_parse(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        extra: dict[str, Any] = {}
        values = dict(attrs)
        if tag == "a":
            href = values.get("href") or ""
            extra["url"] = href
        if tag == "span" and values.get("class") != "tg-spoiler":
            raise _cant_parse(f'Unsupported start tag "span" at byte offset {self._offset()}')
        if tag == "code" and self.open and self.open[-1][0] == "pre":
            language = (values.get("class") or "").removeprefix("language-")
            if language:
                self.open[-1][2]["language"] = language
            self.open.append(("code-in-pre", self.length, {}))
            return
        self.open.append((tag, self.length, extra))

    def handle_endtag(self, tag: str) -> None:
        if not self.open:
            raise _cant_parse(f"Unexpected end tag at byte offset {self._offset()}")
        name, start, extra = self.open.pop()
        if name == "code-in-pre" and tag == "code":
            return  # the language of a <pre>, not an entity of its own
        if name != tag:
            raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{name}"')
        if self.length > start:
            self.entities.append(
                {"type": _HTML_TAGS[tag], "offset": start, "length": self.length - start,
                 **extra}
            )

    def handle_data(self, data: str) -> None:
        self.out.append(data)
        self.length += utf16_len(data)

    def _offset(self) -> int:
        return len("".join(self.out).encode("utf-8"))


def parse_html(source: str) -> tuple[str, list[Entity]]:
    parser = _TelegramHtml()
    parser.feed(source)
    parser.close()
    if parser.open:
        raise _cant_parse(
            f'Can\'t find end tag corresponding to start tag "{parser.open[-1][0]}"'
        )
    return "".join(parser.out), _sorted(parser.entities)


# --- MarkdownV2 -------------------------------------------------------------------------

_RESERVED_V2 = set("_*[]()~`>#+-=|{}.!")
_V2_MARKS = (("||", "spoiler"), ("__", "underline"), ("*", "bold"), ("_", "italic"),
             ("~", "strikethrough"))
_V2_NAMES = {"bold": "Bold", "italic": "Italic", "underline": "Underline",
             "strikethrough": "Strikethrough", "spoiler": "Spoiler", "code": "Code",
             "pre": "Pre", "text_link": "TextUrl"}


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    out: list[str] = []
    length = 0
    entities: list[Entity] = []
    open_marks: list[tuple[str, int, int]] = []  # (kind, start, byte offset)
    link_start: int | None = None
    i = 0

    def emit(chunk: str) -> None:
        nonlocal length
        out.append(chunk)
        length += utf16_len(chunk)

    def byte_offset(index: int) -> int:
        return len(source[:index].encode("utf-8"))

    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source):
            emit(source[i + 1])
            i += 2
            continue
        if source.startswith("```", i):
            end = source.find("```", i + 3)
            if end < 0:
                raise _cant_parse(f"Can't find end of Pre entity at byte offset {byte_offset(i)}")
            body = source[i + 3:end]
            language, newline, rest = body.partition("\n")
            code = rest if newline and language and " " not in language else body
            code = re.sub(r"\\([`\\])", r"\1", code)
            start = length
            emit(code)
            entity: Entity = {"type": "pre", "offset": start, "length": length - start}
            if newline and language and " " not in language:
                entity["language"] = language
            entities.append(entity)
            i = end + 3
            continue
        if ch == "`":
            end = i + 1
            while end < len(source) and source[end] != "`":
                end += 2 if source[end] == "\\" else 1
            if end >= len(source):
                raise _cant_parse(f"Can't find end of Code entity at byte offset {byte_offset(i)}")
            start = length
            emit(re.sub(r"\\([`\\])", r"\1", source[i + 1:end]))
            entities.append({"type": "code", "offset": start, "length": length - start})
            i = end + 1
            continue
        if ch == "[" and link_start is None:
            link_start = length
            open_marks.append(("text_link", length, byte_offset(i)))
            i += 1
            continue
        if ch == "]" and link_start is not None and source.startswith("(", i + 1):
            end = source.find(")", i + 2)
            if end < 0:
                raise _cant_parse(f"Can't find end of a URL at byte offset {byte_offset(i)}")
            url = source[i + 2:end].replace("\\)", ")").replace("\\\\", "\\")
            while open_marks and open_marks[-1][0] != "text_link":
                kind, _, at = open_marks.pop()
                raise _cant_parse(f"Can't find end of {_V2_NAMES[kind]} entity at byte offset {at}")
            open_marks.pop()
            if length > link_start:
                entities.append({"type": "text_link", "offset": link_start,
                                 "length": length - link_start, "url": url})
            link_start = None
            i = end + 1
            continue
        matched = False
        for mark, kind in _V2_MARKS:
            if source.startswith(mark, i):
                if open_marks and open_marks[-1][0] == kind:
                    _, start, _ = open_marks.pop()
                    if length > start:
                        entities.append({"type": kind, "offset": start, "length": length - start})
                else:
                    open_marks.append((kind, length, byte_offset(i)))
                i += len(mark)
                matched = True
                break
        if matched:
            continue
        if ch in _RESERVED_V2:
            raise _cant_parse(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(ch)
        i += 1
    if open_marks:
        kind, _, at = open_marks[-1]
        raise _cant_parse(f"Can't find end of {_V2_NAMES[kind]} entity at byte offset {at}")
    return "".join(out), _sorted(entities)


# --- legacy Markdown --------------------------------------------------------------------

_LEGACY = re.compile(
    r"\*(?P<bold>[^*]+)\*|_(?P<italic>[^_]+)_|```(?P<pre>.+?)```|`(?P<code>[^`]+)`"
    r"|\[(?P<label>[^\]]+)\]\((?P<url>[^)]+)\)",
    re.DOTALL,
)


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    out: list[str] = []
    length = 0
    entities: list[Entity] = []
    last = 0
    for match in _LEGACY.finditer(source):
        plain = source[last:match.start()]
        for ch in "*_`[":
            if ch in plain:
                at = len(source[: last + plain.index(ch)].encode("utf-8"))
                raise _cant_parse(f"Can't find end of the entity starting at byte offset {at}")
        out.append(plain)
        length += utf16_len(plain)
        kind = match.lastgroup or ""
        body = match.group(kind) if kind != "url" else match.group("label")
        entity: Entity = {"type": {"label": "text_link", "url": "text_link"}.get(kind, kind),
                          "offset": length, "length": utf16_len(body)}
        if match.group("url"):
            entity["type"] = "text_link"
            entity["url"] = match.group("url")
        out.append(body)
        length += utf16_len(body)
        entities.append(entity)
        last = match.end()
    tail = source[last:]
    for ch in "*_`[":
        if ch in tail:
            at = len(source[: last + tail.index(ch)].encode("utf-8"))
            raise _cant_parse(f"Can't find end of the entity starting at byte offset {at}")
    out.append(tail)
    return "".join(out), entities


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Markup in ``text`` per ``parse_mode``, as plain text plus entities."""
    mode = (parse_mode or "").strip().lower()
    entities: list[Entity]
    if mode == "":
        plain, entities = text, []
    elif mode == "html":
        plain, entities = parse_html(text)
    elif mode == "markdownv2":
        plain, entities = parse_markdown_v2(text)
    elif mode == "markdown":
        plain, entities = parse_markdown(text)
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    return plain, _sorted([*entities, *detect_entities(plain)])


# --- entities Telegram finds by itself ------------------------------------------------

_AUTO = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)"
    r"|(?P<url>\b(?:https?://|tg://)[^\s<>\"]+|\bt\.me/[^\s<>\"]+)"
    r"|(?P<mention>(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31})"
    r"|(?P<hashtag>(?<![\w#])#\w+)"
)


def detect_entities(text: str) -> list[Entity]:
    """Commands, links, mentions and hashtags, found as Telegram finds them in any text."""
    found: list[Entity] = []
    for match in _AUTO.finditer(text):
        kind = match.lastgroup or ""
        found.append({
            "type": kind,
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        })
    return found


def _sorted(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# --- HTML for the page ----------------------------------------------------------------

_RENDER = {
    "bold": ("<b>", "</b>"), "italic": ("<i>", "</i>"), "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"), "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"), "spoiler": ('<span class="spoiler">', "</span>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
}


def render_html(text: str, entities: list[Entity]) -> str:
    """Safe HTML for the page: the text escaped, entities as tags, links clickable."""
    units: list[int] = []  # UTF-16 offset at which each code point starts
    position = 0
    for ch in text:
        units.append(position)
        position += 2 if ord(ch) > 0xFFFF else 1
    units.append(position)
    index_of = {unit: i for i, unit in enumerate(units)}
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for entity in _sorted(entities):
        start = index_of.get(entity["offset"])
        end = index_of.get(entity["offset"] + entity["length"])
        if start is None or end is None:
            continue
        kind = entity["type"]
        if kind in _RENDER:
            tag_open, tag_close = _RENDER[kind]
        elif kind in {"url", "text_link"}:
            href = entity.get("url") or text[start:end]
            if not href.startswith(("http://", "https://", "tg://")):
                href = "https://" + href
            tag_open = f'<a href="{html.escape(href, quote=True)}" target="_blank" rel="noopener">'
            tag_close = "</a>"
        else:
            continue
        opens.setdefault(start, []).append(tag_open)
        closes.setdefault(end, []).insert(0, tag_close)
    parts: list[str] = []
    for i, ch in enumerate(text):
        parts.extend(closes.get(i, []))
        parts.extend(opens.get(i, []))
        parts.append(html.escape(ch))
    parts.extend(closes.get(len(text), []))
    return "".join(parts).replace("\n", "<br>")
