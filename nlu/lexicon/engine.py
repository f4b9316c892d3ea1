"""The crisis lexicon: entries loaded from YAML, matched on normalised text, with context.

How one message is read (:meth:`Lexicon.assess`):

1. the text is normalised (``normalise.py``) into tokens, ``|`` between clauses;
2. **idioms** ("ik lag dood van het lachen", "mijn gsm is dood") are found first and
   their words masked, so nothing else can fire on them;
3. every other entry's patterns are matched; each hit is judged in its clause:
   **negated** (a negator before it: "ik zou nooit ..."; "niet meer" is no negation),
   about **someone else** (the last person named before or inside the hit is a third
   person: "mijn zus wil dood"), addressed to **you** in a question or condition ("wil je
   dood?", "als je aan zelfmoord denkt"), in the **past** ("vroeger", unless "nu", "weer"
   say it is back), or **fiction**, news or a school topic ("in die film", "spreekbeurt");
4. hits about oneself give the risk floor; ``peer_harm`` entries set the flag;
5. **cues** (means, method, time, place, a note, an act under way) raise a finding about
   oneself to ``imminent`` (time only with ``direct``), also when the intent was in the
   teen's recent messages; with a suicide or self-harm topic they set ``method_detail``.

Plain Python (3.10 and 3.11, standard library and PyYAML only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlu.lexicon.normalise import CLAUSE, Normaliser, squeeze
from nlu.risk import LEVELS, TOPICS, Detection, higher, rank

KINDS = ("signal", "peer_harm", "idiom", "cue", "harmless")
# What a ``harmless`` entry says about the crisis words it frames ("ik wil niet dood":
# the negator is inside the phrase, so no signal matches to be judged negated).
HARMLESS_CODES = ("negated", "other", "past", "fiction")
CUE_TYPES = (
    "means", "method", "dose", "place", "time", "note", "farewell", "act", "vague_act"
)
CONTEXTS = ("negation", "person", "victim", "past", "fiction")
# Cues that raise an `indirect` finding too; `time` alone needs a `direct` one.
_STRONG_CUES = frozenset({"means", "method", "dose", "place", "note", "farewell", "act"})
_DETAIL_CUES = frozenset({"means", "method", "dose", "place", "note"})
_CRISIS_TOPICS = frozenset({"suicide", "self_harm"})

SELF, NEGATED, OTHER, YOU, PAST, FICTION = "self", "negated", "other", "you", "past", "fiction"


@dataclass
class Entry:
    """One lexicon entry, as written in ``entries/*.yml``."""

    id: str
    kind: str
    patterns: list[str]
    risk: str = "none"
    topics: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    cue: str | None = None
    harmless: str | None = None
    context: list[str] = field(default_factory=lambda: list(CONTEXTS))
    examples: list[str] = field(default_factory=list)
    near_misses: list[str] = field(default_factory=list)
    note: str = ""
    source: str = ""
    compiled: list[re.Pattern[str]] = field(default_factory=list, repr=False)


@dataclass
class Hit:
    entry: Entry
    start: int  # token index
    end: int  # token index, exclusive
    context: str = SELF


@dataclass
class ContextWords:
    """Word lists that decide context (``context.yml``)."""

    negators: list[str]
    negation_breakers: list[str]
    first_person: list[str]
    second_person: list[str]
    third_person: list[str]
    conditionals: list[str]
    clause_breakers: list[str]
    past: list[str]
    present: list[str]
    fiction: list[str]

    def __post_init__(self) -> None:
        def words(items: Iterable[str]) -> frozenset[str]:
            return frozenset(squeeze(w.lower()) for w in items)

        self._neg = words(self.negators)
        self._neg_break = words(self.negation_breakers)
        self._first = words(self.first_person)
        self._own = words(["mijn", "mn", "me", "men", "mij", "my"])
        self._answers_no = words(["nee", "neen", "no", "nope", "nooit", "never", "nah"])
        self._after_no_more = words(
            ["sinds", "na", "hoor", "want", "omdat", "gelukkig", "nu", "alleen", "gewoon", "echt"]
        )
        self._second = words(self.second_person)
        self._third = words(self.third_person)
        self._cond = words(self.conditionals)
        self._breakers = words(self.clause_breakers)
        self._past = [_phrase(p) for p in self.past]
        self._present = [_phrase(p) for p in self.present]
        self._fiction = [_phrase(p) for p in self.fiction]


def _phrase(text: str) -> re.Pattern[str]:
    return re.compile(r"(?:^|(?<= ))(?:" + squeeze(text.lower()) + r")(?= |$)")


class PatternError(ValueError):
    pass


def compile_pattern(
    pattern: str, negators: Iterable[str], breakers: Iterable[str] = ()
) -> re.Pattern[str]:
    """Expand the macros of a lexicon pattern and compile it for normalised text.

    Macros: ``{ik}`` (ik, i, ikke, ...), ``{me}`` (me, mij, mezelf, mijn eigen, ...),
    ``{w}`` one optional word, ``{w2}`` and ``{w3}`` up to two or three words; a filler
    word is never a negator or a clause break ("|", "maar"), so "wil {w} dood" does not
    match "wil niet dood".
    """
    neg = "|".join(sorted({squeeze(n) for n in [*negators, *breakers]}))
    word = rf"(?:(?!(?:{neg}) )[^ |]+ )"
    macros = {
        "{ik}": "(?:ik|i|ike|ikzelf|im)",
        "{me}": "(?:me|mij|mezelf|mijzelf|myself|mijn eigen|men eigen|me eigen|mn eigen)",
        "{w}": word + "?",
        "{w2}": word + "{0,2}",
        "{w3}": word + "{0,3}",
    }
    source = _optional_words(squeeze(pattern.strip().lower()))
    # The text is matched with a trailing space: "$" means "the end, after that space".
    source = re.sub(r"(?<!\\)\$", " ?$", source)
    for macro, expansion in macros.items():
        if macro.startswith("{w"):
            # "{w} dood": the filler carries its own trailing space.
            source = source.replace(macro + " ", expansion).replace(macro, expansion)
        else:
            source = source.replace(macro, expansion)
    try:
        return re.compile(r"(?:^|(?<= ))(?:" + source + r")(?= |$)")
    except re.error as exc:
        raise PatternError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from exc


def _optional_words(source: str) -> str:
    """``(het|t)? niet`` -> ``(?:(het|t) )?niet``: an optional word takes its space along."""
    out = source
    i = 0
    while True:
        j = out.find(")? ", i)
        if j < 0:
            return out
        depth = 0
        k = j
        while k >= 0:
            if out[k] == ")" and (k == 0 or out[k - 1] != "\\"):
                depth += 1
            elif out[k] == "(" and (k == 0 or out[k - 1] != "\\"):
                depth -= 1
                if depth == 0:
                    break
            k -= 1
        if k < 0:
            return out
        if k > 0 and out[k - 1] not in " (|}":
            i = j + 3  # a suffix like "vinger(s)? in": not a whole optional word
            continue
        group = out[k : j + 1]
        replacement = f"(?:{group} )?"
        out = out[:k] + replacement + out[j + 3 :]
        i = k + len(replacement)


class Lexicon:
    """The crisis lexicon: ``assess(text, recent)`` -> :class:`Detection`."""

    def __init__(
        self, entries: Sequence[Entry], normaliser: Normaliser, context: ContextWords
    ) -> None:
        self.entries = list(entries)
        self.normaliser = normaliser
        self.context = context
        for entry in self.entries:
            entry.compiled = [
                compile_pattern(p, context.negators, context.clause_breakers)
                for p in entry.patterns
            ]
        self.normaliser.vocabulary = frozenset(self._vocabulary())
        self._idioms = [e for e in self.entries if e.kind == "idiom"]
        self._others = [e for e in self.entries if e.kind != "idiom"]

    def _vocabulary(self) -> set[str]:
        """Every word the patterns and word lists spell out (squeezed, as text is)."""
        words: set[str] = set()
        for entry in self.entries:
            for pattern in entry.patterns:
                cleaned = re.sub(r"\\[a-z]", " ", pattern.lower())
                words.update(squeeze(w) for w in re.findall(r"[a-z]+", cleaned))
        ctx = self.context
        for group in (ctx._neg, ctx._first, ctx._second, ctx._third, ctx._cond):
            words.update(group)
        words.update(self.normaliser._spelling.values())
        # Macro names and one-letter leftovers are not words.
        return {w for w in words if len(w) >= 2} - {"ik", "me", "w", "w2", "w3"} | {"ik"}

    # -- matching -------------------------------------------------------------------
    def hits(self, text: str) -> tuple[list[str], list[Hit]]:
        """The normalised tokens of ``text`` and every entry hit, context judged."""
        tokens = self.normaliser.tokens(text)
        question = "?" in text
        hits: list[Hit] = []
        masked = list(tokens)
        for entry in self._idioms:
            for start, end in _find(entry, masked):
                hits.append(Hit(entry, start, end, SELF))
                for i in range(start, end):
                    masked[i] = "~"
        for entry in self._others:
            for start, end in _find(entry, masked):
                hit = Hit(entry, start, end)
                hit.context = self._judge(masked, hit, question)
                hits.append(hit)
        return tokens, hits

    def _clause(self, tokens: list[str], start: int, end: int) -> tuple[int, int]:
        lo = start
        stops = self.context._breakers | {CLAUSE}
        while lo > 0 and tokens[lo - 1] not in stops:
            lo -= 1
        hi = end
        while hi < len(tokens) and tokens[hi] not in stops:
            hi += 1
        return lo, hi

    def _judge(self, tokens: list[str], hit: Hit, question: bool) -> str:
        ctx = self.context
        wanted = hit.entry.context
        lo, hi = self._clause(tokens, hit.start, hit.end)
        if "negation" in wanted:
            for i in range(lo, hit.start):
                if tokens[i] in ctx._neg:
                    after = tokens[i + 1 : i + 2]
                    if not after or after[0] not in ctx._neg_break:
                        return NEGATED
            # After the hit: "zelfmoord plegen doe ik niet", "ik snij mezelf niet (meer)".
            for i in range(hit.end, min(hit.end + 3, hi)):
                between = tokens[hit.end : i]
                if between and not set(between) & ctx._first:
                    continue  # "tegen, echt niet" is emphasis, "ben ik niet" a denial
                if tokens[i] in ctx._neg:
                    rest = tokens[i + 1 : hi]
                    if (
                        not rest
                        or rest[0] in ctx._after_no_more
                        or (rest[0] in ("mer", "langer") and (
                            len(rest) == 1 or rest[1] in ctx._after_no_more
                        ))
                    ):
                        return NEGATED
        if "person" in wanted:
            person = None
            conditional = False
            for i in range(lo, hit.end):
                tok = tokens[i]
                if tok in ctx._cond:
                    conditional = True
                if tok in ctx._first:
                    person = SELF
                elif tok in ctx._second:
                    person = YOU
                elif tok in ctx._third:
                    person = OTHER
            if person == OTHER:
                return OTHER
            # A generic "je" often means "I" ("soms wil je gewoon dood"): only a question
            # or a condition makes it about the other person.
            if person == YOU and (question or conditional):
                return YOU
        if "victim" in wanted:
            # Abuse, bullying, sextortion: someone acts on the writer ("hij slaat me"),
            # not on a sister ("mijn zus wordt gepest").
            words = set(tokens[lo:hi])
            if not words & (ctx._first | ctx._own):
                return OTHER
            # The writer as object or owner inside the hit: "hij dreigt mijn foto's ...".
            near = set(tokens[hit.start : min(hit.end + 1, hi)]) - {"ik", "i"}
            for i in range(hit.start - 1, lo - 1, -1):
                if tokens[i] in ctx._first or tokens[i] in ctx._own:
                    break
                if tokens[i] in ctx._third and not near & (ctx._first | ctx._own):
                    return OTHER
        if "negation" in wanted and hi < len(tokens) - 1 and tokens[hi + 1] in ctx._answers_no:
            return NEGATED  # "pijn doen aan mezelf? nee, nooit"
        clause = " ".join(tokens[lo:hi])
        if "fiction" in wanted and any(p.search(clause) for p in ctx._fiction):
            return FICTION
        if (
            "past" in wanted
            and any(p.search(clause) for p in ctx._past)
            and not any(p.search(clause) for p in ctx._present)
        ):
            return PAST
        return SELF

    # -- the verdict ----------------------------------------------------------------
    def assess(self, text: str, recent: Sequence[str] = ()) -> Detection:
        """How worried to be about ``text``; ``recent``: the teen's previous messages."""
        tokens, hits = self.hits(text)
        self._aimed_at_you(tokens, hits)
        own = [h for h in hits if h.entry.kind == "signal" and h.context == SELF]
        floor = higher(*(h.entry.risk for h in own))
        own_crisis = [h for h in own if _CRISIS_TOPICS & set(h.entry.topics)]
        cues = [h for h in hits if h.entry.kind == "cue" and h.context == SELF]
        cue_types = {h.entry.cue for h in cues}
        peer = [h for h in hits if h.entry.kind == "peer_harm" and h.context != NEGATED]
        topics: set[str] = set()
        for h in hits:
            if h.entry.kind != "idiom" and h.context != NEGATED:
                topics.update(h.entry.topics)
        crisis_talk = any(
            _CRISIS_TOPICS & set(h.entry.topics)
            for h in hits
            if h.entry.kind in ("signal", "peer_harm") and h.context != NEGATED
        )

        recent_level = "none"
        for previous in list(recent)[-5:]:
            _t, old = self.hits(previous)
            for h in old:
                if h.entry.kind == "signal" and h.context == SELF and _CRISIS_TOPICS & set(
                    h.entry.topics
                ):
                    recent_level = higher(recent_level, h.entry.risk)
        raised_by = None
        intent = higher(floor if own_crisis else "none", recent_level)
        if cue_types and rank(intent) >= rank("indirect") and rank(floor) < rank("imminent"):
            strong = cue_types & _STRONG_CUES
            # A time with a wish to die ("vanavond"), not with self-harm already done.
            timed = "time" in cue_types and any("timed" in h.entry.flags for h in own_crisis)
            # Means or a place make a wish to die imminent; self-harm already done with a
            # blade stays direct (an act under way is its own cue).
            suicidal = any("suicide" in h.entry.topics for h in own_crisis) or (
                rank(recent_level) >= rank("indirect")
            )
            strong = strong if suicidal else strong & {"act", "farewell"}
            if strong or timed or (rank(recent_level) >= rank("direct") and "time" in cue_types):
                floor = "imminent"
                raised_by = sorted(cue_types)
        if cue_types & {"act", "vague_act"} and rank(floor) < rank("imminent"):
            # "straks slik ik ze allemaal" + pills, "ik ga springen" + a roof: an act with
            # the means or the place is imminent even without the words for dying.
            if cue_types & (_DETAIL_CUES - {"note"}) or (
                cue_types & {"note", "farewell"} and "time" in cue_types
            ):
                floor = "imminent"
                raised_by = sorted(cue_types)
                crisis_talk = True
            elif "time" in cue_types:
                # "vannacht doe ik het": too vague alone; ask privately.
                floor = higher(floor, "indirect")
                raised_by = sorted(cue_types)
                crisis_talk = True
        method_detail = any("method_detail" in h.entry.flags for h in hits if h.context != NEGATED)
        if cue_types & _DETAIL_CUES and (crisis_talk or rank(recent_level) >= rank("indirect")):
            method_detail = True
        if method_detail or raised_by:
            topics.update(t for h in own_crisis for t in h.entry.topics)
            if not topics & _CRISIS_TOPICS:
                topics.add("suicide")

        evidence: dict[str, Any] = {
            "lexicon": {
                "harmless": self._harmless(hits),
                "rules": [
                    {"id": h.entry.id, "risk": h.entry.risk, "context": h.context}
                    for h in hits
                    if h.entry.kind in ("signal", "peer_harm")
                ],
                "idioms": [h.entry.id for h in hits if h.entry.kind == "idiom"],
                "cues": [h.entry.id for h in hits if h.entry.kind == "cue"],
                "floor": floor,
                "raised_to_imminent_by": raised_by,
                "recent_level": recent_level if recent else None,
            }
        }
        return Detection(
            risk=floor,
            peer_harm=bool(peer),
            method_detail=method_detail,
            topics=[t for t in TOPICS if t in topics],
            evidence=evidence,
        )

    @staticmethod
    def _harmless(hits: Sequence[Hit]) -> list[dict[str, str]]:
        """Positive evidence that crisis words are harmless here, for the combination
        rule (nlu.risk): idioms, crisis entries read as negated, about someone else,
        addressed to you, past or fiction, and hurtful replies (aimed at the other)."""
        out: list[dict[str, str]] = []
        for h in hits:
            kind = h.entry.kind
            if kind == "idiom":
                code = "idiom"
            elif kind == "harmless" and h.entry.harmless and h.context == SELF:
                code = h.entry.harmless
            elif kind == "peer_harm" and h.context != NEGATED:
                code = "aimed_at_other"
            elif (
                kind == "signal"
                and h.context in (NEGATED, OTHER, YOU, PAST, FICTION)
                and (_CRISIS_TOPICS & set(h.entry.topics) or rank(h.entry.risk) >= rank("indirect"))
            ):
                code = h.context
            else:
                continue
            item = {"id": h.entry.id, "context": code}
            if item not in out:
                out.append(item)
        return out

    def _aimed_at_you(self, tokens: list[str], hits: list[Hit]) -> None:
        """Crisis words inside a hurtful reply are about the other ("ik hoop dat je
        doodgaat"), not the writer's own risk."""
        harmful = [h for h in hits if h.entry.kind == "peer_harm" and h.context != NEGATED]
        if not harmful:
            return
        for hit in hits:
            if hit.entry.kind != "signal" or hit.context != SELF:
                continue
            lo, hi = self._clause(tokens, hit.start, hit.end)
            if any(lo <= h.start < hi for h in harmful) and not (
                set(tokens[hit.start : hit.end]) & self.context._first
            ):
                hit.context = YOU

    def fires(self, entry: Entry, text: str) -> bool:
        """Whether ``entry`` counts in ``text``: an idiom or cue matches, a signal or
        peer-harm entry matches in a context that counts (self, or not negated)."""
        tokens, hits = self.hits(text)
        self._aimed_at_you(tokens, hits)
        for h in hits:
            if h.entry is not entry:
                continue
            if entry.kind in ("idiom", "cue", "harmless") and h.context in (SELF,):
                return True
            if entry.kind == "peer_harm" and h.context != NEGATED:
                return True
            if entry.kind == "signal" and h.context == SELF:
                return True
        return False


def _find(entry: Entry, tokens: list[str]) -> list[tuple[int, int]]:
    # The trailing space lets a pattern end in an optional word: "haat jou {w2}(hier)?".
    text = " ".join(tokens) + " "
    # Character offset -> token index.
    starts: dict[int, int] = {}
    pos = 0
    for i, tok in enumerate(tokens):
        starts[pos] = i
        pos += len(tok) + 1
    found: list[tuple[int, int]] = []
    for pattern in entry.compiled:
        for m in pattern.finditer(text):
            if m.start() not in starts:
                continue
            start = starts[m.start()]
            end = start + len(text[m.start() : m.end()].split())
            if (start, end) not in found:
                found.append((start, end))
    return found


def level_ok(level: object) -> bool:
    return isinstance(level, str) and level in LEVELS


def topic_ok(topic: object) -> bool:
    return isinstance(topic, str) and topic in TOPICS


def as_str_list(value: object) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def mapping_or_empty(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
