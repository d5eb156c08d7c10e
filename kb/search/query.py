"""From what a user typed to scored units, without Whoosh's query parser.

User text is never handed to a parser: quotes delimit phrases (an unbalanced quote is ignored),
every other character that is not part of a word is a separator, so ``title:x``, ``AND``, ``*``,
``~`` or ``^`` are plain words or nothing. Each word or phrase becomes a *unit*; a unit matches
its exact stems in every text field, plus (at lower weight) its synonyms, its typo variants
(Meilisearch's rule: 1 edit from 5 letters, 2 from 9, first letter fixed) and, for the last word
while it is still being typed, the title words it begins (at most :data:`MAX_COMPLETIONS`).
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field

from kb.search.base import MAX_QUERY_CHARS, SearchQueryError
from kb.search.engine import Engine, Scores, combine_all
from kb.search.schema import TEXT_FIELDS
from kb.search.suggest import TitleSuggester
from kb.search.synonyms import SynonymMap
from kb.search.text import TOKEN_PATTERN, clean_control, fold
from kb.search.vocab import Vocabulary

MAX_UNITS = 12  # words or phrases used from one query; the rest is ignored
MAX_COMPLETIONS = 8  # title words an unfinished last word may stand for
TYPO_FACTORS = {1: 0.3, 2: 0.15}  # exact matches always outrank typo matches
SYNONYM_FACTOR = 0.8
PREFIX_FACTOR = 0.5
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


@dataclass
class UnitMatch:
    """The scores of one unit and the stems it looked for (for highlighting)."""

    unit: Unit
    scores: Scores
    stems: set[str] = field(default_factory=set)  # searched in every field
    title_stems: set[str] = field(default_factory=set)  # searched in the title only
    parts: int = 0  # terms and phrases that contributed
    key: tuple = ()  # identifies the unit's result in the engine's cache


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


def match_unit(unit: Unit, engine: Engine, vocab: Vocabulary, titles: TitleSuggester, analyzer) -> UnitMatch:
    """Score every document the unit matches (empty scores: the unit matches nothing).

    The result depends only on the unit and the index state, so it is cached in the engine: a
    popular word with its synonyms and typo variants costs one dict build the next time."""
    key = ("unit", unit.words, unit.stems, unit.quoted, unit.prefix, tuple(unit.alternatives))
    hit = engine.cached(key)
    if hit is not None:
        ids, scores, stems, title_stems = hit
        return UnitMatch(unit, dict(zip(ids, scores, strict=True)), set(stems), set(title_stems), key=key)
    result = _match_unit(unit, engine, vocab, titles, analyzer)
    result.key = key
    if result.parts > 1 or len(unit.stems) > 1:  # a single term is cached by the engine already
        ids, scores = array("i", result.scores.keys()), array("d", result.scores.values())
        value = (ids, scores, frozenset(result.stems), frozenset(result.title_stems))
        engine.remember(key, value, len(ids) + 1)
    return result


def _match_unit(unit: Unit, engine: Engine, vocab: Vocabulary, titles: TitleSuggester, analyzer) -> UnitMatch:
    acc: Scores = {}
    result = UnitMatch(unit, acc)
    stems = unit.stems
    result.parts = 1 + len(unit.alternatives)
    if len(stems) == 1:
        engine.add_term(acc, stems[0], TEXT_FIELDS)
        result.stems.add(stems[0])
    elif stems and unit.quoted:
        engine.add_phrase(acc, stems, TEXT_FIELDS)
        result.stems.update(stems)
    elif stems:  # unquoted words merged as a multi-word synonym: all of them, anywhere
        words = []
        for stem in stems:
            part: Scores = {}
            engine.add_term(part, stem, TEXT_FIELDS)
            words.append(part)
        for d, s in combine_all(words).items():
            acc[d] = s
        result.stems.update(stems)
    for alternative in unit.alternatives:
        engine.add_phrase(acc, alternative, TEXT_FIELDS, SYNONYM_FACTOR)
        result.stems.update(alternative)
    if not unit.quoted and len(unit.words) == 1:
        _add_typos(unit, engine, vocab, analyzer, result)
    if unit.prefix:
        _add_completions(unit, engine, titles, analyzer, result)
    return result


def _add_typos(unit: Unit, engine: Engine, vocab: Vocabulary, analyzer, result: UnitMatch) -> None:
    word = unit.words[0]
    limit = 2 if word in vocab else 4
    seen = set(unit.stems)
    for candidate, dist in vocab.candidates(word):
        stems = analyze(analyzer, candidate)
        if len(stems) != 1 or stems[0] in seen:
            continue
        seen.add(stems[0])
        engine.add_term(result.scores, stems[0], TEXT_FIELDS, TYPO_FACTORS[dist])
        result.stems.add(stems[0])
        result.parts += 1
        limit -= 1
        if not limit:
            break


def _add_completions(unit: Unit, engine: Engine, titles: TitleSuggester, analyzer, result: UnitMatch) -> None:
    word = unit.words[-1]
    if len(word) < 2:
        return
    seen = set(unit.stems)
    for completion in titles.complete_word(word, MAX_COMPLETIONS):
        stems = analyze(analyzer, completion)
        if len(stems) != 1 or stems[0] in seen:
            continue
        seen.add(stems[0])
        engine.add_term(result.scores, stems[0], ("title",), PREFIX_FACTOR)
        result.title_stems.add(stems[0])
        result.parts += 1


def did_you_mean(parsed: ParsedQuery, vocab: Vocabulary) -> str | None:
    """The query with unknown words replaced by the closest known ones, or None."""
    replacements: list[tuple[int, int, str]] = []
    for unit in parsed.units:
        if unit.quoted or len(unit.words) != 1:
            continue
        word = unit.words[0]
        if word in vocab or (unit.prefix and vocab.has_prefix(word)):
            continue
        better = vocab.correct(word)
        if better:
            start, end = unit.spans[0]
            replacements.append((start, end, better))
    if not replacements:
        return None
    text = parsed.text
    for start, end, better in sorted(replacements, reverse=True):
        text = text[:start] + better + text[end:]
    return " ".join(text.split())
