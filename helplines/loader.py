"""Load the helpline file that coordinators edit, and check every field of it.

The file is YAML (see ``helplines/data/helplines.yaml`` and ``helplines/README.md``).
Loading stops at the first problem with a :class:`HelplineDataError` whose message
names the file, the line, the helpline (its id, or its position when the id is
missing), the field, what is wrong and what is expected, so that a coordinator can
fix the file from the message alone.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from helplines.hours import MINUTES_PER_DAY, WEEKDAYS, DatedHours, DayHours, Schedule, TimeRange
from helplines.model import (
    COUNTRIES,
    ROLES,
    AgeRange,
    Channel,
    Helpline,
    HelplineDirectory,
)

DEFAULT_PATH = Path(__file__).parent / "data" / "helplines.yaml"

TOP_FIELDS = ("helplines",)
REQUIRED_FIELDS = (
    "id",
    "country",
    "name",
    "purpose",
    "roles",
    "free",
    "anonymous",
    "timezone",
    "channels",
    "checked_on",
    "source",
)
OPTIONAL_FIELDS = ("ages", "note")
CHANNEL_FIELDS = ("phone", "chat", "hours", "on_public_holidays", "exceptions", "note")
EXCEPTION_FIELDS = ("date", "hours", "note")
AGE_FIELDS = ("min", "max")

PURPOSE_MAX_LENGTH = 200

_DAY_NAMES = {
    **{name: index for index, name in enumerate(WEEKDAYS)},
    **{name: index for index, name in enumerate(("ma", "di", "wo", "do", "vr", "za", "zo"))},
}
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PHONE = re.compile(r"^\+?[0-9]+([ -]?[0-9]+)*$")
_RANGE = re.compile(r"^\s*(\S+?)\s*-\s*(\S+?)\s*$")
_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")
_MONTH_DAY = re.compile(r"^([0-9]{2})-([0-9]{2})$")

_RANGE_EXPECTED = (
    "a time range 'HH:MM-HH:MM' in 24-hour time, e.g. '09:00-17:00' or '22:00-02:00' "
    "(an end of 24:00 means midnight), 'closed', or a list of such ranges"
)

Path_ = tuple[str | int, ...]


class HelplineDataError(ValueError):
    """The helpline file cannot be used; the message says where and how to fix it."""

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        entry: str | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.entry = entry
        self.field = field
        self.problem = message
        where = path if line is None else f"{path}, line {line}"
        parts = [where]
        if entry is not None:
            parts.append(entry)
        if field is not None:
            parts.append(f"field '{field}'")
        super().__init__(": ".join(parts) + ": " + message)


def load_directory(
    path: str | Path | None = None,
    *,
    today: date | None = None,
) -> HelplineDirectory:
    """Load and validate a helpline file (default: the one shipped with the package).

    ``today`` is the date ``checked_on`` may not lie after (default: the local date).
    Raises :class:`HelplineDataError` on the first problem found.
    """
    file_path = Path(path) if path is not None else DEFAULT_PATH
    shown = str(file_path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HelplineDataError(
            "the file does not exist; pass the path of a helpline YAML file", path=shown
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise HelplineDataError(
            f"the file cannot be read ({error}); it must be a UTF-8 text file", path=shown
        ) from None
    return parse_directory(text, path=shown, today=today)


@lru_cache(maxsize=1)
def default_directory() -> HelplineDirectory:
    """The shipped directory, loaded once per process."""
    return load_directory()


def parse_directory(
    text: str, *, path: str = "<text>", today: date | None = None
) -> HelplineDirectory:
    """Validate helpline YAML given as text; ``path`` is only used in messages."""
    root_node, data = _parse_yaml(text, path)
    checker = _Checker(path=path, root=root_node, today=today or date.today())
    return checker.directory(data)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, stricter where a coordinator's slip would go unnoticed.

    A name given twice in one block is an error (PyYAML would keep the last one
    silently), and an impossible date such as 2026-13-01 stays text, so that the
    checker can say which field it is in.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            key = str(key_node.value)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"'{key}' appears twice in the same block; keep only one",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_timestamp_or_text(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_timestamp_or_text)


def _parse_yaml(text: str, path: str) -> tuple[yaml.Node | None, Any]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or "the YAML is not well formed"
        context = f" ({error.context})" if error.context else ""
        raise HelplineDataError(
            f"YAML syntax error: {problem}{context}. Check the indentation (spaces, not tabs), "
            "the colon after each field name, and quotes around text that contains ': ' or '#'",
            path=path,
            line=line,
        ) from None
    except yaml.YAMLError as error:
        raise HelplineDataError(f"YAML syntax error: {error}", path=path) from None
    finally:
        loader.dispose()
    return node, data


class _Checker:
    """Walks the parsed YAML, building model objects and raising on the first problem."""

    def __init__(self, *, path: str, root: yaml.Node | None, today: date) -> None:
        self.path = path
        self.root = root
        self.today = today
        self.entry: str | None = None  # how messages name the helpline being read

    # -- reporting ---------------------------------------------------------------

    def fail(
        self, where: Path_, message: str, *, key_line: bool = False, field: str | None = None
    ) -> HelplineDataError:
        """Build the error for the value at ``where`` (a path from the top of the file).

        ``key_line`` points at the field's name instead of its value (for unknown
        fields); ``field`` names a field that is not in the file (a missing one).
        """
        line = _line_of(self.root, where, key=key_line)
        inner = where[2:] if where[:1] == ("helplines",) and len(where) >= 2 else where
        if field is not None:
            inner = (*inner, field)
        return HelplineDataError(
            message,
            path=self.path,
            line=line,
            entry=self.entry,
            field=_format_field(inner) if inner else None,
        )

    # -- top level -----------------------------------------------------------------

    def directory(self, data: Any) -> HelplineDirectory:
        if data is None:
            raise self.fail((), "the file is empty; expected a top-level 'helplines:' list")
        if not isinstance(data, dict):
            raise self.fail((), "expected the file to start with 'helplines:' followed by a list")
        self.unknown_fields(data, TOP_FIELDS, ())
        if "helplines" not in data:
            raise self.fail((), "missing the top-level field 'helplines' (a list of helplines)")
        entries = data["helplines"]
        if not isinstance(entries, list) or not entries:
            raise self.fail(("helplines",), "expected a list with at least one helpline")
        helplines = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            helpline = self.helpline(entry, index)
            if helpline.id in seen:
                raise self.fail(
                    ("helplines", index, "id"),
                    f"the id '{helpline.id}' is already used by helpline number "
                    f"{seen[helpline.id] + 1}; every helpline needs its own id",
                )
            seen[helpline.id] = index
            helplines.append(helpline)
        self.entry = None
        return HelplineDirectory(helplines=tuple(helplines), path=self.path)

    # -- one helpline --------------------------------------------------------------

    def helpline(self, raw: Any, index: int) -> Helpline:
        here: Path_ = ("helplines", index)
        self.entry = f"helpline number {index + 1} (no valid id)"
        if not isinstance(raw, dict):
            raise self.fail(here, "expected a helpline: a block of fields such as 'id:', 'name:'")
        raw_id = raw.get("id")
        if isinstance(raw_id, str) and _ID.match(raw_id):
            self.entry = f"helpline '{raw_id}' (number {index + 1})"
        self.unknown_fields(raw, REQUIRED_FIELDS + OPTIONAL_FIELDS, here)
        for name in REQUIRED_FIELDS:
            if name not in raw:
                raise self.fail(here, f"the required field '{name}' is missing", field=name)
            if raw[name] is None:
                raise self.fail((*here, name), f"the required field '{name}' is empty")
        helpline_id = self.identifier(raw["id"], (*here, "id"))
        country = self.country(raw["country"], (*here, "country"))
        name = self.text(raw["name"], (*here, "name"))
        purpose = self.text(raw["purpose"], (*here, "purpose"), limit=PURPOSE_MAX_LENGTH)
        roles = self.roles(raw["roles"], (*here, "roles"))
        free = self.flag(raw["free"], (*here, "free"))
        anonymous = self.flag(raw["anonymous"], (*here, "anonymous"))
        zone = self.timezone(raw["timezone"], (*here, "timezone"))
        ages = self.ages(raw.get("ages"), (*here, "ages"))
        channels = self.channels(raw["channels"], (*here, "channels"), zone, country)
        checked_on = self.checked_on(raw["checked_on"], (*here, "checked_on"))
        source = self.url(raw["source"], (*here, "source"))
        note = self.optional_text(raw.get("note"), (*here, "note"))
        return Helpline(
            id=helpline_id,
            country=country,
            name=name,
            purpose=purpose,
            roles=roles,
            channels=channels,
            free=free,
            anonymous=anonymous,
            timezone=zone,
            checked_on=checked_on,
            source=source,
            ages=ages,
            note=note,
        )

    def unknown_fields(self, raw: Mapping[Any, Any], allowed: Sequence[str], here: Path_) -> None:
        for key in raw:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                raise self.fail(
                    (*here, str(key)),
                    f"unknown field '{key}'{suggestion}; allowed here: {', '.join(allowed)}",
                    key_line=True,
                )

    # -- simple fields -------------------------------------------------------------

    def identifier(self, value: Any, where: Path_) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            raise self.fail(
                where,
                f"{_show(value)} is not a valid id; expected lowercase letters, digits and "
                "dashes, e.g. 'be-zelfmoordlijn'",
            )
        return value

    def country(self, value: Any, where: Path_) -> str:
        if value not in COUNTRIES:
            raise self.fail(
                where,
                f"{_show(value)} is not a supported country; "
                f"expected one of: {', '.join(COUNTRIES)}",
            )
        return str(value)

    def text(self, value: Any, where: Path_, *, limit: int | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"{_show(value)} is not usable; expected a non-empty text")
        text = " ".join(value.split())
        if limit is not None and len(text) > limit:
            raise self.fail(
                where,
                f"the text is {len(text)} characters long; keep it to {limit} for a phone screen",
            )
        return text

    def optional_text(self, value: Any, where: Path_) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(where, f"{_show(value)} is not a text; expected a text or nothing")
        return " ".join(value.split())

    def flag(self, value: Any, where: Path_) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"{_show(value)} is not a yes/no value; expected true or false")
        return value

    def roles(self, value: Any, where: Path_) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            raise self.fail(
                where,
                f"expected a list of roles, e.g. [crisis_line]; known roles: {', '.join(ROLES)}",
            )
        roles: list[str] = []
        for position, role in enumerate(value):
            if role not in ROLES:
                raise self.fail(
                    (*where, position),
                    f"{_show(role)} is not a known role; expected one of: {', '.join(ROLES)}",
                )
            if role in roles:
                raise self.fail((*where, position), f"the role '{role}' is listed twice")
            roles.append(role)
        return tuple(roles)

    def timezone(self, value: Any, where: Path_) -> str:
        expected = "expected a time zone name such as Europe/Brussels or Europe/Amsterdam"
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"{_show(value)} is not a time zone; {expected}")
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(where, f"{_show(value)} is not a known time zone; {expected}") from None
        return value

    def ages(self, value: Any, where: Path_) -> AgeRange | None:
        if value is None:
            return None
        expected = "expected 'min:' and/or 'max:' with whole years, e.g. {min: 8, max: 18}"
        if not isinstance(value, dict) or not value:
            raise self.fail(where, f"{_show(value)} is not an age range; {expected}")
        self.unknown_fields(value, AGE_FIELDS, where)
        bounds: dict[str, int | None] = {}
        for name in AGE_FIELDS:
            age = value.get(name)
            if age is not None and (
                isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 120
            ):
                raise self.fail((*where, name), f"{_show(age)} is not an age; {expected}")
            bounds[name] = age
        low, high = bounds["min"], bounds["max"]
        if low is not None and high is not None and low > high:
            raise self.fail(where, f"min ({low}) is above max ({high})")
        return AgeRange(min=low, max=high)

    def checked_on(self, value: Any, where: Path_) -> date:
        expected = "expected the date the entry was last checked, as YYYY-MM-DD, e.g. 2026-11-22"
        if isinstance(value, datetime):
            raise self.fail(where, f"{_show(value)} has a time of day; {expected}")
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                raise self.fail(where, f"{_show(value)} is not a date; {expected}") from None
        if not isinstance(value, date):
            raise self.fail(where, f"{_show(value)} is not a date; {expected}")
        if value > self.today:
            raise self.fail(
                where,
                f"{value.isoformat()} is in the future (today is {self.today.isoformat()}); "
                "write the day the entry was actually checked",
            )
        return value

    def url(self, value: Any, where: Path_) -> str:
        expected = "expected a full web address starting with https://, e.g. https://www.113.nl"
        if not isinstance(value, str) or " " in value.strip():
            raise self.fail(where, f"{_show(value)} is not a web address; {expected}")
        parts = urlsplit(value.strip())
        if parts.scheme != "https" or not parts.netloc or "." not in parts.netloc:
            raise self.fail(where, f"{_show(value)} is not a secure web address; {expected}")
        return value.strip()

    def phone(self, value: Any, where: Path_) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            raise self.fail(
                where,
                f"the number {value} is written without quotes; put it in quotes, e.g. "
                f'phone: "{value}", so that leading zeros are kept',
            )
        if not isinstance(value, str) or not _PHONE.match(value.strip()):
            raise self.fail(
                where,
                f"{_show(value)} is not a phone number; expected digits, optionally "
                'separated by spaces or dashes and with a leading +, e.g. "0800-0113"',
            )
        return value.strip()

    # -- channels and hours ----------------------------------------------------------

    def channels(self, value: Any, where: Path_, zone: str, country: str) -> tuple[Channel, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(
                where, "expected a list with at least one channel (a phone: or chat: block)"
            )
        return tuple(
            self.channel(raw, (*where, position), zone, country)
            for position, raw in enumerate(value)
        )

    def channel(self, raw: Any, where: Path_, zone: str, country: str) -> Channel:
        if not isinstance(raw, dict):
            raise self.fail(where, "expected a channel block with 'phone:' or 'chat:' and 'hours:'")
        self.unknown_fields(raw, CHANNEL_FIELDS, where)
        kinds = [kind for kind in ("phone", "chat") if kind in raw]
        if len(kinds) != 1:
            raise self.fail(
                where,
                "a channel needs exactly one of 'phone:' (a number) or 'chat:' (a web address); "
                "write a second channel for the other one",
            )
        kind = kinds[0]
        address = (
            self.phone(raw["phone"], (*where, "phone"))
            if kind == "phone"
            else self.url(raw["chat"], (*where, "chat"))
        )
        if "hours" not in raw:
            raise self.fail(where, "missing 'hours:'; write 'hours: always' for a 24/7 channel")
        weekly = self.weekly(raw["hours"], (*where, "hours"))
        holidays = self.holiday_hours(
            raw.get("on_public_holidays", "same"), (*where, "on_public_holidays")
        )
        exceptions = self.exceptions(raw.get("exceptions"), (*where, "exceptions"))
        schedule = Schedule(
            timezone=zone,
            country=country,
            weekly=weekly,
            public_holidays=holidays,
            exceptions=exceptions,
        )
        return Channel(
            kind=kind,
            address=address,
            schedule=schedule,
            note=self.optional_text(raw.get("note"), (*where, "note")),
        )

    def weekly(self, value: Any, where: Path_) -> tuple[DayHours, ...]:
        if isinstance(value, str) and value.strip().lower() in ("always", "24/7"):
            return tuple((TimeRange(0, MINUTES_PER_DAY),) for _ in range(7))
        if not isinstance(value, dict) or not value:
            raise self.fail(
                where,
                f"{_show(value)} is not a set of opening hours; expected 'always' or one line per "
                "weekday or weekday range, e.g. 'mon-fri: 09:00-17:00'",
            )
        days: list[DayHours | None] = [None] * 7
        given_by: dict[int, str] = {}
        for key, hours_value in value.items():
            indexes = self.day_key(key, (*where, str(key)))
            ranges = self.day_hours(hours_value, (*where, str(key)))
            for index in indexes:
                if index in given_by:
                    raise self.fail(
                        (*where, str(key)),
                        f"{WEEKDAYS[index]} already has hours under '{given_by[index]}'; "
                        "give every weekday its hours once",
                        key_line=True,
                    )
                given_by[index] = str(key)
                days[index] = ranges
        week = tuple(day if day is not None else () for day in days)
        self.no_overlap_in_week(week, given_by, where)
        return week

    def day_key(self, key: Any, where: Path_) -> list[int]:
        expected = (
            "expected a weekday (mon, tue, wed, thu, fri, sat, sun, or ma, di, wo, do, vr, za, zo) "
            "or a range of weekdays such as mon-fri"
        )
        text = str(key).strip().lower()
        if text in _DAY_NAMES:
            return [_DAY_NAMES[text]]
        first, dash, last = text.partition("-")
        if dash and first.strip() in _DAY_NAMES and last.strip() in _DAY_NAMES:
            start, stop = _DAY_NAMES[first.strip()], _DAY_NAMES[last.strip()]
            return [(start + step) % 7 for step in range((stop - start) % 7 + 1)]
        raise self.fail(where, f"'{key}' is not a weekday; {expected}", key_line=True)

    def day_hours(self, value: Any, where: Path_) -> DayHours:
        if isinstance(value, str) and value.strip().lower() in ("closed", "gesloten"):
            return ()
        items = value if isinstance(value, list) else [value]
        if not items:
            raise self.fail(where, f"an empty list; expected {_RANGE_EXPECTED}")
        ranges = [
            self.time_range(item, (*where, position) if isinstance(value, list) else where)
            for position, item in enumerate(items)
        ]
        self.no_overlap_in_day(ranges, where)
        return tuple(sorted(ranges, key=lambda r: r.start))

    def time_range(self, value: Any, where: Path_) -> TimeRange:
        if isinstance(value, int) and not isinstance(value, bool):
            raise self.fail(
                where,
                f"{value} is a number, which happens when a time is written without quotes; "
                f'expected {_RANGE_EXPECTED}, in quotes, e.g. "17:00-24:00"',
            )
        if not isinstance(value, str):
            raise self.fail(
                where, f"{_show(value)} is not a time range; expected {_RANGE_EXPECTED}"
            )
        match = _RANGE.match(value)
        if not match:
            raise self.fail(where, f"'{value}' is not a time range; expected {_RANGE_EXPECTED}")
        start = self.clock(match.group(1), value, where, is_end=False)
        end = self.clock(match.group(2), value, where, is_end=True)
        if end % MINUTES_PER_DAY == start:
            raise self.fail(
                where,
                f"'{value}' ends when it starts; for a whole day write '00:00-24:00' "
                "(or 'hours: always' for a 24/7 channel)",
            )
        return TimeRange(start, end or MINUTES_PER_DAY)

    def clock(self, text: str, whole: str, where: Path_, *, is_end: bool) -> int:
        match = _TIME.match(text)
        problem = None
        if not match:
            problem = f"'{text}' in '{whole}' is not a time"
        else:
            hours, minutes = int(match.group(1)), int(match.group(2))
            if minutes > 59:
                problem = f"'{text}' in '{whole}' has {minutes} minutes"
            elif hours == 24 and minutes == 0:
                if not is_end:
                    problem = f"'{whole}' starts at 24:00, which only an end may be"
            elif hours > 23:
                problem = f"'{text}' in '{whole}' has {hours} hours"
        if problem is not None or match is None:
            raise self.fail(
                where,
                f"{problem}; expected HH:MM in 24-hour time (00:00 to 23:59, and 24:00 as an end), "
                "e.g. '09:00-17:00'",
            )
        return int(match.group(1)) * 60 + int(match.group(2))

    def no_overlap_in_day(self, ranges: Sequence[TimeRange], where: Path_) -> None:
        spans = sorted((r.start, r.start + r.length, r) for r in ranges)
        for (_, first_end, first), (second_start, _, second) in itertools.pairwise(spans):
            if second_start < first_end:
                raise self.fail(
                    where,
                    f"the ranges '{first}' and '{second}' overlap; merge them into one range",
                )

    def no_overlap_in_week(
        self, week: tuple[DayHours, ...], given_by: Mapping[int, str], where: Path_
    ) -> None:
        # Lay every range out on a line of two weeks (each also one week later), so that
        # Sunday night running into Monday is compared like any other pair; sorted by
        # start, an overlap always shows up between neighbours.
        week_minutes = 7 * MINUTES_PER_DAY
        spans = []
        for index, day in enumerate(week):
            for hours_range in day:
                start = index * MINUTES_PER_DAY + hours_range.start
                for shift in (0, week_minutes):
                    spans.append(
                        (start + shift, start + shift + hours_range.length, index, hours_range)
                    )
        spans.sort(key=lambda span: (span[0], span[1]))
        for (_, end, index, first), (next_start, _, next_index, second) in itertools.pairwise(
            spans
        ):
            if next_start < end:
                raise self.fail(
                    (*where, given_by[index]),
                    f"'{first}' on {WEEKDAYS[index]} overlaps '{second}' on {WEEKDAYS[next_index]} "
                    "(a range past midnight runs into the next day); shorten one of them",
                    key_line=True,
                )

    def holiday_hours(self, value: Any, where: Path_) -> DayHours | None:
        if isinstance(value, str) and value.strip().lower() in ("same", "normal"):
            return None
        if value is None:
            raise self.fail(
                where,
                "empty; expected 'same' (keep the weekday's hours), 'closed', "
                f"or {_RANGE_EXPECTED}",
            )
        return self.day_hours(value, where)

    def exceptions(self, value: Any, where: Path_) -> tuple[DatedHours, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(where, "expected a list of exceptions, each with 'date:' and 'hours:'")
        result: list[DatedHours] = []
        for position, raw in enumerate(value):
            here = (*where, position)
            if not isinstance(raw, dict):
                raise self.fail(here, "expected an exception block with 'date:' and 'hours:'")
            self.unknown_fields(raw, EXCEPTION_FIELDS, here)
            for name in ("date", "hours"):
                if raw.get(name) is None:
                    raise self.fail(here, f"the required field '{name}' is missing or empty")
            month, day, year = self.exception_date(raw["date"], (*here, "date"))
            hours = self.day_hours(raw["hours"], (*here, "hours"))
            dated = DatedHours(
                month=month,
                day=day,
                year=year,
                hours=hours,
                note=self.optional_text(raw.get("note"), (*here, "note")),
            )
            for earlier in result:
                if (earlier.month, earlier.day, earlier.year) == (month, day, year):
                    raise self.fail((*here, "date"), f"the date {dated} is listed twice")
            result.append(dated)
        return tuple(result)

    def exception_date(self, value: Any, where: Path_) -> tuple[int, int, int | None]:
        expected = (
            "expected YYYY-MM-DD for one date (e.g. 2026-12-24), "
            'or "MM-DD" in quotes for the same day every year (e.g. "12-24")'
        )
        if isinstance(value, datetime):
            raise self.fail(where, f"{_show(value)} has a time of day; {expected}")
        if isinstance(value, date):
            return value.month, value.day, value.year
        if isinstance(value, str):
            text = value.strip()
            try:
                parsed = date.fromisoformat(text)
            except ValueError:
                pass
            else:
                return parsed.month, parsed.day, parsed.year
            match = _MONTH_DAY.match(text)
            if match:
                month, day = int(match.group(1)), int(match.group(2))
                try:
                    date(2024, month, day)  # a leap year, so that 02-29 is allowed
                except ValueError:
                    pass
                else:
                    return month, day, None
        raise self.fail(where, f"{_show(value)} is not a date; {expected}")


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"'{value}'"
    return repr(value) if not isinstance(value, (date, int, float)) else str(value)


def _format_field(where: Sequence[str | int]) -> str:
    text = ""
    for part in where:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += ("." if text else "") + part
    return text


def _line_of(root: yaml.Node | None, where: Sequence[str | int], *, key: bool) -> int | None:
    """Return the 1-based line of the value (or the key) at ``where``, as far as it exists."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for position, part in enumerate(where):
        last = position == len(where) - 1
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if str(key_node.value) == part:
                    node = key_node if (last and key) else value_node
                    break
            else:
                return line
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            return line
        line = node.start_mark.line + 1
    return line
