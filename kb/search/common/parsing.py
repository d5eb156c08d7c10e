"""From what a user typed to query units, without any library's query parser; and "did you mean".

User text is never handed to a parser: quotes delimit phrases (an unbalanced quote is ignored),
every other character that is not part of a word is a separator, so ``title:x``, ``AND``, ``*``,
``~`` or ``^`` are plain words or nothing. Each word or phrase becomes a *unit*; a unit matches
its exact stems in every text field, plus (at lower weight, :mod:`kb.search.common.ranking`) its
synonyms, its typo variants (:mod:`kb.search.common.spelling`) and, for the last word while it is
still being typed, the title words it begins. Each backend passes its own analyzer (Whoosh's
stemmer, or PostgreSQL's lexemes fetched beforehand) and scores the units its own way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from kb.search.base import MAX_QUERY_CHARS, SearchQueryError
from kb.search.common.ranking import MAX_UNITS
from kb.search.common.synonyms import SynonymMap
from kb.search.common.text import TOKEN_PATTERN, clean_control, fold

_QUOTES = str.maketrans(dict.fromkeys("“”„‟«»″", '"'))
_WORD_RE = re.compile(TOKEN_PATTERN)


@dataclass
class Unit:
    """One word, quoted phrase or multi-word synonym of the query."""

    words: tuple[str, ...]  # folded words as typed
    stems: tuple[str, ...]  # analyzed (stop words dropped)
    spans: list[tuple[int, int]] = field(default_factory=list)  # in ParsedQuery.text
    quoted: bool = False
    prefix: bool = False  # the last word, still being typed
    alternatives: list[tuple[str, ...]] = field(default_factory=list)  # synonyms, as stems


@dataclass
class ParsedQuery:
    text: str
    units: list[Unit]


class KnownWords(Protocol):
    """What "did you mean" asks of a backend's vocabulary."""

    def __contains__(self, word: str) -> bool: ...

    def has_prefix(self, prefix: str) -> bool: ...

    def correct(self, word: str, accept: Callable[[str], bool] | None = None) -> str | None: ...


def analyze(analyzer, text: str) -> list[str]:
    return [t.text for t in analyzer(text, mode="query")]


def parse(q: object, analyzer, synonyms: SynonymMap) -> ParsedQuery:
    """Split ``q`` into units; SearchQueryError if it is empty or too long."""
    if not isinstance(q, str):
        raise SearchQueryError("q must be a string")
    if len(q) > MAX_QUERY_CHARS:
        raise SearchQueryError(f"q must be at most {MAX_QUERY_CHARS} characters")
    text = clean_control(q).translate(_QUOTES)
    if not text.strip():
        raise SearchQueryError("q must not be empty")
    parts = text.split('"')
    unbalanced = len(parts) % 2 == 0
    units: list[Unit] = []
    offset = 0
    for i, part in enumerate(parts):
        quoted = i % 2 == 1 and not (unbalanced and i == len(parts) - 1)
        if quoted:
            stems = tuple(analyze(analyzer, part))
            if stems:
                folded = tuple(fold(m.group()) for m in _WORD_RE.finditer(part))
                units.append(Unit(folded, stems, [(offset, offset + len(part))], quoted=True))
        else:
            for m in _WORD_RE.finditer(part):
                word = fold(m.group())
                span = (offset + m.start(), offset + m.end())
                units.append(Unit((word,), tuple(analyze(analyzer, word)), [span]))
        offset += len(part) + 1
    if units and not units[-1].quoted and text[-1:].isalnum():
        units[-1].prefix = True
    units = [u for u in units if u.stems or u.prefix]
    return ParsedQuery(text, _group_synonyms(units, synonyms)[:MAX_UNITS])


def _group_synonyms(units: list[Unit], synonyms: SynonymMap) -> list[Unit]:
    """Merge runs of words that form a synonym entry ("collagen induction therapy") into one unit."""
    if not synonyms.groups:
        return units
    out: list[Unit] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if unit.quoted:
            unit.alternatives = synonyms.alternatives(unit.stems)
            out.append(unit)
            i += 1
            continue
        run_end = i
        while run_end < len(units) and not units[run_end].quoted and len(units[run_end].stems) == 1:
            run_end += 1
        stems = [u.stems[0] for u in units[i:run_end]]
        size = synonyms.longest_match(stems, 0) if stems else 0
        if size >= 2:
            group = units[i : i + size]
            merged = Unit(
                words=tuple(w for u in group for w in u.words),
                stems=tuple(stems[:size]),
                spans=[s for u in group for s in u.spans],
                prefix=group[-1].prefix,
                alternatives=synonyms.alternatives(stems[:size]),
            )
            out.append(merged)
            i += size
        else:
            unit.alternatives = synonyms.alternatives(unit.stems) if unit.stems else []
            out.append(unit)
            i += 1
    return out


def did_you_mean(
    parsed: ParsedQuery, vocab: KnownWords, live: Callable[[str], bool] | None = None
) -> str | None:
    """The query with unknown words replaced by the closest known ones that ``live`` accepts (words
    some indexed document still holds), or None."""
    replacements: list[tuple[int, int, str]] = []
    for unit in parsed.units:
        if unit.quoted or len(unit.words) != 1:
            continue
        word = unit.words[0]
        if word in vocab or (unit.prefix and vocab.has_prefix(word)):
            continue
        better = vocab.correct(word, live)
        if better:
            start, end = unit.spans[0]
            replacements.append((start, end, better))
    if not replacements:
        return None
    text = parsed.text
    for start, end, better in sorted(replacements, reverse=True):
        text = text[:start] + better + text[end:]
    return " ".join(text.split())
