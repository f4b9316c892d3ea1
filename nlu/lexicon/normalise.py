"""Turn what teens type into one canonical form the lexicon's patterns are written for.

Steps, in order (each one is why a pattern can stay simple):

1. emoji that carry risk become words (💊 -> ``pillen``); the rest is dropped;
2. lower case, accents off (``suïcide`` -> ``suicide``), curly quotes straightened;
3. clause punctuation (``. , ! ? ; :`` and new lines) becomes a ``|`` token, so
   negation and context never reach across a clause;
4. leetspeak inside words that mix letters and digits (``z3lfm00rd``), and punctuation
   inside words (``zelf-moord``, ``z.e.l.f``) is removed;
5. letters spaced out one by one (``z e l f m o o r d``, ``k y s``) are joined;
6. every run of a repeated letter becomes one letter (``dooooood`` -> ``dod``,
   ``zelfmoord`` -> ``zelfmord``): the patterns are squeezed the same way when they
   are compiled, so nobody writes them squeezed by hand;
7. words run together after a pronoun are split into the lexicon's own words
   (``kwilnietmeerleven`` -> ``k wil niet meer leven``, ``iwannadie``), only when every
   piece is a word the lexicon knows and the first is ``ik``/``k``/``i``, so ordinary
   compounds ("doodgewoon") stay whole;
8. spellings, slang and abbreviations are mapped word by word (``ni`` -> ``niet``,
   ``kwil`` -> ``ik wil``), split words are joined (``zelf moord``), and long key words
   one typo away from a known term are corrected (``zelfmoort``).

Plain Python (3.10 and 3.11, standard library only).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

CLAUSE = "|"
_CLAUSE_PUNCT = set(".,!?;:…\n()[]\"“”")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i"})
_SQUEEZE = re.compile(r"([a-z])\1+")
_INNER_PUNCT = re.compile(r"[\-_*.·'`^~/\\+]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufe0f\ufe0e]")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00b4": "'", "`": "'"})


# The first piece of a run-together word ("kwilnietmeer", "ikbenklaar", "iwannadie").
_PRONOUNS = ("ik", "k", "i")
# Two-letter words that may be a piece of a run-together word (squeezed forms such as
# "an" for "aan" would split too much).
_SHORT_PIECES = frozenset({"me", "je", "ze", "er", "te", "op", "in", "om", "de", "nu", "zo",
                           "ga", "is", "en", "al", "to", "my", "it", "am"})


def squeeze(text: str) -> str:
    """Collapse every run of one repeated letter into one letter."""
    return _SQUEEZE.sub(r"\1", text)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _is_emoji(char: str) -> bool:
    cat = unicodedata.category(char)
    return cat == "So" or (cat == "Sk" and ord(char) > 0x2000) or 0x1F000 <= ord(char) <= 0x1FAFF


def damerau_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance, giving up (returns limit + 1) beyond ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@dataclass
class Normaliser:
    """Normalisation tables (from ``normalise.yml``); call it on a message."""

    emoji: Mapping[str, str] = field(default_factory=dict)
    spelling: Mapping[str, str] = field(default_factory=dict)
    joins: Iterable[str] = ()
    fuzzy_terms: Iterable[str] = ()

    # Words the lexicon's patterns and word lists use (set by the Lexicon): the pieces
    # a run-together word may be split into.
    vocabulary: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Emoji keys without variation selectors, longest first (⚰️ vs ⚰).
        self._emoji = sorted(
            ((_ZERO_WIDTH.sub("", k), v) for k, v in self.emoji.items()),
            key=lambda kv: -len(kv[0]),
        )
        self._spelling = {
            squeeze(self._plain(k)): squeeze(self._plain(v)) for k, v in self.spelling.items()
        }
        self._joins = []
        for phrase in self.joins:
            parts = [squeeze(self._plain(p)) for p in phrase.split()]
            self._joins.append((parts, "".join(parts)))
        self._joins.sort(key=lambda j: -len(j[0]))
        self._fuzzy = sorted({squeeze(self._plain(t)) for t in self.fuzzy_terms})

    @staticmethod
    def _plain(text: str) -> str:
        return strip_accents(text.translate(_QUOTES)).lower().strip()

    def __call__(self, text: str) -> str:
        return " ".join(self.tokens(text))

    def tokens(self, text: str) -> list[str]:
        """The normalised tokens of ``text``, with ``|`` between clauses."""
        text = unicodedata.normalize("NFC", text)
        text = _ZERO_WIDTH.sub("", text)
        for key, word in self._emoji:
            if key in text:
                text = text.replace(key, f" {word} " if word else " ")
        text = self._plain(text)
        text = "".join(" " if _is_emoji(c) else c for c in text)
        raw: list[str] = []
        for chunk in text.split():
            raw.extend(self._split_chunk(chunk))
        raw = self._join_spelled_out(raw)
        words = [squeeze(t) if t != CLAUSE else t for t in raw]
        mapped: list[str] = []
        for word in words:
            for piece in self._split_run_together(word):
                mapped.extend(self._spelling.get(piece, piece).split())
        mapped = self._apply_joins(mapped)
        mapped = [self._fuzzy_fix(w) for w in mapped]
        return self._tidy(mapped)

    def _split_chunk(self, chunk: str) -> list[str]:
        out: list[str] = []
        # Leading clause punctuation, the word, trailing clause punctuation.
        lead = 0
        while lead < len(chunk) and chunk[lead] in _CLAUSE_PUNCT:
            lead += 1
        trail = len(chunk)
        while trail > lead and chunk[trail - 1] in _CLAUSE_PUNCT:
            trail -= 1
        if lead:
            out.append(CLAUSE)
        core = chunk[lead:trail]
        if core:
            letters = any(c.isalpha() for c in core)
            if letters and any(c in "013457@$!" for c in core) and not core[0].isdigit():
                core = core.translate(_LEET)
            elif letters and "@" in core:
                core = core.replace("@", "a")
            if letters:
                # "m'n", "zelf-moord", "z.e.l.f": the inner marks go; "'k", "'t" keep the letter.
                core = _INNER_PUNCT.sub("", core)
                core = re.sub(r"[^\w]", "", core)
            else:
                core = re.sub(r"[^\w]", "", core)
            if core:
                out.append(core)
        if trail < len(chunk):
            out.append(CLAUSE)
        return out

    @staticmethod
    def _join_spelled_out(tokens: list[str]) -> list[str]:
        """``z e l f m o o r d`` -> ``zelfmoord``, ``k y s`` -> ``kys`` (3+ single letters)."""
        out: list[str] = []
        run: list[str] = []
        for tok in [*tokens, CLAUSE]:
            if len(tok) == 1 and tok.isalpha():
                run.append(tok)
                continue
            if len(run) >= 3:
                out.append("".join(run))
            else:
                out.extend(run)
            run = []
            out.append(tok)
        return out[:-1]

    def _split_run_together(self, word: str) -> list[str]:
        """``kwilnietmer`` -> ``[k, wil, niet, mer]``: only after a pronoun, into known
        words (the fewest pieces), else the word unchanged."""
        if (
            len(word) < 5
            or word[0] not in "ik"
            or word in self._spelling
            or word in self.vocabulary
            or not self.vocabulary
        ):
            return [word]
        found: list[str] | None = None
        for pronoun in _PRONOUNS:  # on a tie: "ik" before "k" before "i"
            if not word.startswith(pronoun):
                continue
            rest = self._segment(word[len(pronoun):])
            if rest and len(rest) >= 2 and (found is None or len(rest) + 1 < len(found)):
                found = [pronoun, *rest]
        return found or [word]

    def _segment(self, text: str) -> list[str] | None:
        """``text`` as the fewest known words (2+ letters each), or None. A piece may
        take back the letter before it: squeezing made "kan niet" one "n" ("kaniet")."""
        n = len(text)
        # (pieces, shared letters, -letters, pieces so far) per position.
        best: list[tuple[int, int, int, list[str]] | None] = [None] * (n + 1)
        best[0] = (0, 0, 0, [])
        for end in range(2, n + 1):
            for start in range(max(0, end - 16), end):
                before = best[start]
                if before is None:
                    continue
                for lo in (start, start - 1) if start else (start,):
                    piece = text[lo:end]
                    if not self._known_piece(piece):
                        continue
                    # Fewest pieces, then fewest shared letters, then the longest words.
                    key = (before[0] + 1, before[1] + (lo < start), before[2] - len(piece),
                           [*before[3], piece])
                    current = best[end]
                    if current is None or key[:3] < current[:3]:
                        best[end] = key
        found = best[n]
        return found[3] if found else None

    def _known_piece(self, piece: str) -> bool:
        if len(piece) < 3 and piece not in _SHORT_PIECES:
            return False
        return piece in self.vocabulary or piece in self._spelling

    def _apply_joins(self, words: list[str]) -> list[str]:
        if not self._joins:
            return words
        out: list[str] = []
        i = 0
        while i < len(words):
            for parts, joined in self._joins:
                if words[i : i + len(parts)] == parts:
                    out.append(self._spelling.get(joined, joined))
                    i += len(parts)
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def _fuzzy_fix(self, word: str) -> str:
        if len(word) < 7 or word in self._fuzzy:
            return word
        limit = 2 if len(word) >= 11 else 1
        for term in self._fuzzy:
            if abs(len(term) - len(word)) <= limit and damerau_distance(word, term, limit) <= limit:
                return term
        return word

    @staticmethod
    def _tidy(words: list[str]) -> list[str]:
        out: list[str] = []
        for w in words:
            if w == CLAUSE and (not out or out[-1] == CLAUSE):
                continue
            out.append(w)
        while out and out[-1] == CLAUSE:
            out.pop()
        return out
