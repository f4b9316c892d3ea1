"""Load and validate the lexicon's YAML files, with errors a coordinator can act on.

Layout of ``nlu/lexicon/`` (see ``nlu/README.md`` for every field):

- ``normalise.yml``: emoji, spellings and slang, split words, key terms for typo repair;
- ``context.yml``: the word lists behind negation, person, past and fiction;
- ``entries/*.yml``: the entries, one file per family (``entries:`` list).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlu.lexicon.engine import (
    CONTEXTS,
    CUE_TYPES,
    HARMLESS_CODES,
    KINDS,
    ContextWords,
    Entry,
    Lexicon,
    PatternError,
    as_str_list,
    compile_pattern,
    level_ok,
    mapping_or_empty,
    topic_ok,
)
from nlu.lexicon.normalise import Normaliser
from nlu.risk import LEVELS, TOPICS

LEXICON_DIR = Path(__file__).resolve().parent
_ENTRY_KEYS = {
    "id", "kind", "patterns", "risk", "topics", "flags", "cue", "harmless", "context",
    "examples", "near_misses", "note",
}
_CONTEXT_KEYS = (
    "negators", "negation_breakers", "first_person", "second_person", "third_person",
    "conditionals", "clause_breakers", "past", "present", "fiction",
)
_FLAGS = ("method_detail", "timed")


class LexiconError(Exception):
    """The lexicon files are invalid; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Report:
    """Result of :func:`check`: problems, and what was checked."""

    errors: list[str] = field(default_factory=list)
    entries: int = 0
    examples: int = 0
    near_misses: int = 0


def _read_yaml(path: Path, errors: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        errors.append(f"{path}: file is missing")
    except yaml.YAMLError as exc:
        errors.append(f"{path}: not valid YAML: {exc}")
    return None


def _parse_entry(raw: Any, where: str, errors: list[str]) -> Entry | None:
    if not isinstance(raw, dict):
        errors.append(f"{where}: an entry must be a mapping with id, kind, patterns, ...")
        return None
    eid = raw.get("id")
    label = f"{where} ({eid})" if eid else where
    before = len(errors)
    for key in sorted(set(raw) - _ENTRY_KEYS):
        errors.append(f"{label}: unknown field {key!r} (allowed: {', '.join(sorted(_ENTRY_KEYS))})")
    if not isinstance(eid, str) or not eid.strip():
        errors.append(f"{label}: 'id' is required (a short name like suicide.want_dead)")
    kind = raw.get("kind", "signal")
    if kind not in KINDS:
        errors.append(f"{label}: kind {kind!r} must be one of {', '.join(KINDS)}")
    risk = raw.get("risk", "none")
    if not level_ok(risk):
        errors.append(f"{label}: risk {risk!r} must be one of {', '.join(LEVELS)}")
    if kind == "signal" and "risk" not in raw:
        errors.append(f"{label}: a signal needs a 'risk' ({', '.join(LEVELS)})")
    lists: dict[str, list[str]] = {}
    for key in ("patterns", "topics", "flags", "context", "examples", "near_misses"):
        value = as_str_list(raw.get(key))
        if value is None:
            errors.append(f"{label}: {key!r} must be a list of strings")
            value = []
        lists[key] = value
    if not lists["patterns"]:
        errors.append(f"{label}: at least one pattern is needed")
    if not lists["examples"]:
        errors.append(f"{label}: at least one example (a message it must match) is needed")
    for topic in lists["topics"]:
        if not topic_ok(topic):
            errors.append(f"{label}: topic {topic!r} must be one of {', '.join(TOPICS)}")
    for flag in lists["flags"]:
        if flag not in _FLAGS:
            errors.append(f"{label}: flag {flag!r} must be one of {', '.join(_FLAGS)}")
    if "context" in raw:
        for ctx in lists["context"]:
            if ctx not in CONTEXTS:
                errors.append(f"{label}: context {ctx!r} must be one of {', '.join(CONTEXTS)}")
    cue = raw.get("cue")
    if kind == "cue" and cue not in CUE_TYPES:
        errors.append(f"{label}: a cue needs 'cue:' one of {', '.join(CUE_TYPES)}")
    if kind != "cue" and cue is not None:
        errors.append(f"{label}: 'cue' is only for kind: cue")
    harmless = raw.get("harmless")
    if kind == "harmless" and harmless not in HARMLESS_CODES:
        errors.append(f"{label}: a harmless entry needs 'harmless:' one of "
                      f"{', '.join(HARMLESS_CODES)}")
    if kind != "harmless" and harmless is not None:
        errors.append(f"{label}: 'harmless' is only for kind: harmless")
    if kind == "harmless" and risk != "none":
        errors.append(f"{label}: a harmless entry gives no risk (leave 'risk' out)")
    if len(errors) > before:
        return None
    default_context = (
        ["negation"] if kind in ("cue", "peer_harm")
        else [] if kind == "harmless"
        else ["negation", "person", "past", "fiction"]
    )
    return Entry(
        id=eid,
        kind=kind,
        patterns=lists["patterns"],
        risk=risk,
        topics=lists["topics"],
        flags=lists["flags"],
        cue=cue,
        harmless=harmless,
        context=lists["context"] if "context" in raw else default_context,
        examples=lists["examples"],
        near_misses=lists["near_misses"],
        note=str(raw.get("note", "")),
        source=where,
    )


def _load(directory: Path, errors: list[str]) -> Lexicon | None:
    norm_raw = mapping_or_empty(_read_yaml(directory / "normalise.yml", errors))
    ctx_raw = mapping_or_empty(_read_yaml(directory / "context.yml", errors))
    context_lists: dict[str, list[str]] = {}
    for key in _CONTEXT_KEYS:
        value = as_str_list(ctx_raw.get(key))
        if value is None or (key in ("negators", "first_person") and not value):
            errors.append(f"{directory / 'context.yml'}: {key!r} must be a list of words")
            value = []
        context_lists[key] = value
    emoji = mapping_or_empty(norm_raw.get("emoji"))
    spelling = mapping_or_empty(norm_raw.get("spelling"))
    for name, table in (("emoji", emoji), ("spelling", spelling)):
        for k, v in table.items():
            if not isinstance(k, str) or not isinstance(v, str):
                errors.append(
                    f"{directory / 'normalise.yml'}: {name}: {k!r} -> {v!r} must map text to text"
                )
    joins = as_str_list(norm_raw.get("joins")) or []
    fuzzy = as_str_list(norm_raw.get("fuzzy_terms")) or []

    entries: list[Entry] = []
    seen: dict[str, str] = {}
    files = sorted((directory / "entries").glob("*.yml"))
    if not files:
        errors.append(f"{directory / 'entries'}: no entry files (*.yml)")
    for path in files:
        data = _read_yaml(path, errors)
        if data is None:
            continue
        raw_entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(raw_entries, list):
            errors.append(f"{path.name}: the file must hold 'entries:' with a list of entries")
            continue
        for n, raw in enumerate(raw_entries, 1):
            entry = _parse_entry(raw, f"{path.name} entry {n}", errors)
            if entry is None:
                continue
            if entry.id in seen:
                errors.append(f"{entry.source} ({entry.id}): id also used by {seen[entry.id]}")
                continue
            seen[entry.id] = entry.source
            for pattern in entry.patterns:
                try:
                    compile_pattern(
                        pattern, context_lists["negators"], context_lists["clause_breakers"]
                    )
                except PatternError as exc:
                    errors.append(f"{entry.source} ({entry.id}): {exc}")
            entries.append(entry)
    if errors:
        return None
    normaliser = Normaliser(emoji=emoji, spelling=spelling, joins=joins, fuzzy_terms=fuzzy)
    return Lexicon(entries, normaliser, ContextWords(**context_lists))


def load(directory: Path | str | None = None) -> Lexicon:
    """Load the lexicon; raises :class:`LexiconError` listing every problem."""
    errors: list[str] = []
    lexicon = _load(Path(directory) if directory else LEXICON_DIR, errors)
    if lexicon is None:
        raise LexiconError(errors)
    return lexicon


def check(directory: Path | str | None = None) -> Report:
    """Validate the files and run every entry's examples and near-misses."""
    report = Report()
    lexicon = _load(Path(directory) if directory else LEXICON_DIR, report.errors)
    if lexicon is None:
        return report
    report.entries = len(lexicon.entries)
    for entry in lexicon.entries:
        for example in entry.examples:
            report.examples += 1
            if not lexicon.fires(entry, example):
                report.errors.append(
                    f"{entry.source} ({entry.id}): example does not match: {example!r}"
                    f"  [normalised: {lexicon.normaliser(example)!r}]"
                )
        for near in entry.near_misses:
            report.near_misses += 1
            if lexicon.fires(entry, near):
                report.errors.append(
                    f"{entry.source} ({entry.id}): near-miss matches but must not: {near!r}"
                    f"  [normalised: {lexicon.normaliser(near)!r}]"
                )
    return report
