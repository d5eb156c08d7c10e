"""From what a user typed to tsqueries, with PostgreSQL doing the text analysis.

The query is split by :func:`kb.search.common.parsing.parse` (the Whoosh backend's rules: quotes delimit
phrases, every other non-word character separates words, the last word is unfinished, multi-word
synonyms, at most 12 units), but words are analysed by the ``kb_search`` configuration, in one round
trip (two when a typo candidate is near enough: whether a document still holds it) that also reads
from ``search_words`` what typo tolerance (nearest words by trigrams, then the
exact Meilisearch rule: 1 edit from 5 letters, 2 from 9, first letter fixed), completion of the last word
and "did you mean" need. User text never reaches a tsquery parser: tsquery texts are built here from
lexemes PostgreSQL returned, each one quoted, and are sent as bound parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from kb.search.common.languages import DEFAULT_LANGUAGE
from kb.search.common.parsing import ParsedQuery, Unit, parse
from kb.search.common.ranking import (
    BODY_PHRASE_FACTOR,
    MAX_COMPLETIONS,
    PREFIX_FACTOR,
    SYNONYM_FACTOR,
    TYPO_FACTORS,
)
from kb.search.common.spelling import max_edits, osa_distance
from kb.search.common.synonyms import SynonymMap
from kb.search.postgres.ddl import CONFIG, DOCUMENTS, STATE, WORDS, config_for, escaped

Positions = list[tuple[str, int]]  # (lexeme, position) in text order
# Typo candidates: the words nearest by trigram distance (GiST, nearest first) with the same first letter
# and a length within 2; the edit-distance rule then picks among them.
MAX_TRIGRAM_CANDIDATES = 20

_LEXIZE_SQL = f"""
SELECT t.i::int, e.lexeme, p.pos::int
FROM unnest(%(texts)s::text[]) WITH ORDINALITY AS t(txt, i)
CROSS JOIN LATERAL unnest(to_tsvector('{CONFIG}', {escaped("t.txt")})) AS e
CROSS JOIN LATERAL unnest(e.positions) AS p(pos)
"""

# One round trip: lexemes of the query texts, known words, typo candidates, completions, state.
_LOOKUP_SQL = f"""
SELECT 'lex' AS k, t.i::text AS q, e.lexeme AS word, NULL::text[] AS lexemes, p.pos::int AS pos,
       NULL::int AS docs
FROM unnest(%(texts)s::text[]) WITH ORDINALITY AS t(txt, i)
CROSS JOIN LATERAL unnest(to_tsvector('{CONFIG}', {escaped("t.txt")})) AS e
CROSS JOIN LATERAL unnest(e.positions) AS p(pos)
UNION ALL
SELECT 'known', v.word, v.word, NULL, NULL, v.docs
FROM {WORDS} v WHERE v.word = ANY(%(words)s::text[])
UNION ALL
SELECT 'typo', q.w, c.word, c.lexemes, NULL, c.docs
FROM unnest(%(typos)s::text[]) AS q(w)
CROSS JOIN LATERAL (
    SELECT v.word, v.docs, ARRAY(SELECT lexeme FROM unnest(to_tsvector('{CONFIG}', v.word))) AS lexemes
    FROM {WORDS} v
    WHERE left(v.word, 1) = left(q.w, 1) AND v.word <> q.w
      AND length(v.word) BETWEEN length(q.w) - 2 AND length(q.w) + 2
    ORDER BY v.word <-> q.w
    LIMIT {MAX_TRIGRAM_CANDIDATES}
) c
UNION ALL
SELECT 'complete', c.word, c.word, ARRAY(SELECT lexeme FROM unnest(to_tsvector('{CONFIG}', c.word))),
       NULL, c.docs
FROM (
    SELECT word, docs FROM {WORDS} WHERE in_title AND word LIKE %(complete)s
    ORDER BY docs DESC, length(word), word LIMIT {MAX_COMPLETIONS}
) c
UNION ALL
SELECT 'has_prefix', NULL, NULL, NULL, NULL, NULL
WHERE EXISTS (SELECT 1 FROM {WORDS} WHERE word LIKE %(prefix)s)
UNION ALL
SELECT 'state', NULL, NULL, NULL, NULL, NULL WHERE EXISTS (SELECT 1 FROM {STATE})
"""


# search_words only grows between rebuilds: of the typo candidates within the edit distance (few of the
# trigram neighbours), keep the words some indexed document still holds, so that typo matching and "did
# you mean" never reach words of removed (unpublished) documents. (Each test builds a GIN bitmap of the
# word's documents: done for every trigram neighbour, it cost more than the rest of the lookup.)
_HELD_SQL = f"""
SELECT w FROM unnest(%(words)s::text[]) AS w
WHERE EXISTS (
    SELECT 1 FROM {DOCUMENTS} d
    WHERE d.tsv @@ plainto_tsquery('{CONFIG}', w) AND d.language IS NOT DISTINCT FROM %(language)s
)
"""


@cache
def held_sql(language: str = DEFAULT_LANGUAGE) -> str:
    return _HELD_SQL.replace(f"'{CONFIG}'", f"'{config_for(language)}'")


@cache
def lookup_sql(language: str = DEFAULT_LANGUAGE) -> str:
    """The lookup round trip with the text search configuration of an analysis code."""
    return _LOOKUP_SQL.replace(f"'{CONFIG}'", f"'{config_for(language)}'")


@cache
def lexize_sql(language: str = DEFAULT_LANGUAGE) -> str:
    return _LEXIZE_SQL.replace(f"'{CONFIG}'", f"'{config_for(language)}'")


LOOKUP_SQL, LEXIZE_SQL = lookup_sql(), lexize_sql()


def quote(lexeme: str) -> str:
    """A lexeme as a tsquery operand (quoted: no character of it is tsquery syntax)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def phrase(positions: Positions) -> str:
    """Lexemes at these positions as a phrase (``<->``, or ``<N>`` across a dropped stop word)."""
    out = quote(positions[0][0])
    for (_, before), (lexeme, at) in pairwise(positions):
        out += f" <{max(1, at - before)}> " + quote(lexeme)
    return out.replace(" <1> ", " <-> ")


def any_of(queries: Iterable[str]) -> str:
    """OR of tsquery texts ('' when there are none)."""
    return " | ".join(f"({q})" for q in queries)


def like_prefix(word: str) -> str:
    """A LIKE pattern for values starting with ``word``."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True)
class Candidate:
    word: str
    distance: int
    docs: int
    lexemes: tuple[str, ...]


class LookupVocab:
    """What the lookup round trip learnt of ``search_words``; quacks like the Whoosh ``Vocabulary``
    for :func:`kb.search.common.parsing.did_you_mean`."""

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.candidates: dict[str, list[Candidate]] = {}
        self.completions: list[tuple[str, tuple[str, ...]]] = []
        self.prefix_exists = False

    def __contains__(self, word: str) -> bool:
        return word in self.known

    def has_prefix(self, word: str) -> bool:
        return self.prefix_exists

    def correct(self, word: str, accept: Callable[[str], bool] | None = None) -> str | None:
        """The nearest candidate (candidates are words some indexed document holds: _HELD_SQL)."""
        found = [c for c in self.candidates.get(word, ()) if accept is None or accept(c.word)]
        return found[0].word if found and word not in self.known else None


@dataclass
class UnitQuery:
    """The tsqueries of one unit, each with the factor its ``ts_rank_cd`` is multiplied by (``parts``).

    Matching needs no recheck of the full vector: a phrase matches as all its words (``query``), and
    ``phrase`` adds the exact test on ``tsv_head`` (Whoosh's rule: the exact phrase in the title,
    summary, tags or details, or all its words in the body). ``stems`` are the lexemes to highlight.
    """

    parts: list[tuple[float, str]] = field(default_factory=list)
    matches: list[str] = field(default_factory=list)
    phrase: tuple[str, str] | None = None  # (the phrase, all its words) when the unit is a phrase
    stems: set[str] = field(default_factory=set)
    urgent: str = ""  # what of an urgent warning sign the unit matches: its words or a synonym's

    def add(self, factor: float, query: str, match: str | None = None) -> None:
        """Rank by ``query``; match by ``match`` (default: the query itself; '' adds nothing)."""
        self.parts.append((factor, query))
        match = query if match is None else match
        if match:
            self.matches.append(match)

    @property
    def query(self) -> str:
        """What the unit matches, as one tsquery its GIN index answers without a recheck."""
        return any_of(self.matches)

    @property
    def others(self) -> str:
        """The unit's matches besides its phrase ('' if none)."""
        return any_of(self.matches[1:] if self.phrase else self.matches)


@dataclass
class Analysis:
    """A parsed query with everything needed to search: units, vocabulary facts, index state."""

    parsed: ParsedQuery
    units: list[UnitQuery]
    vocab: LookupVocab
    index_exists: bool


class _Token:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class _Recorder:
    """A stand-in analyzer for a first parse: records the texts the parser asks to analyse."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, text: str, **_options) -> list[_Token]:
        self.texts.append(text)
        return [_Token(text)]


class _Lexemes:
    """An analyzer answering from lexemes fetched beforehand."""

    def __init__(self, positions: dict[str, Positions]):
        self.positions = positions

    def __call__(self, text: str, **_options) -> list[_Token]:
        return [_Token(lexeme) for lexeme, _ in self.positions.get(text, ())]


def analyze_query(conn, q: object, synonyms: SynonymMap, language: str = DEFAULT_LANGUAGE) -> Analysis:
    """Parse and analyse ``q`` (SearchQueryError if it is empty or too long) in one round trip, by the
    rules of one analysis language."""
    recorder = _Recorder()
    dry = parse(q, recorder, SynonymMap())  # validates q before the database is involved
    texts = list(dict.fromkeys(recorder.texts))
    singles = list(dict.fromkeys(u.words[0] for u in dry.units if not u.quoted and len(u.words) == 1))
    last = dry.units[-1] if dry.units and dry.units[-1].prefix else None
    prefix = last.words[-1] if last is not None else None
    params = {
        "texts": texts,
        "words": singles,
        "typos": [w for w in singles if max_edits(w) > 0],
        "complete": like_prefix(prefix) if prefix and len(prefix) >= 2 else None,
        "prefix": like_prefix(prefix) if prefix else None,
        "language": language,
    }
    positions: dict[str, Positions] = {text: [] for text in texts}
    vocab = LookupVocab()
    raw_candidates: list[tuple[str, str, int, tuple[str, ...]]] = []
    index_exists = False
    for kind, key, word, lexemes, pos, docs in conn.exec_driver_sql(lookup_sql(language), params):
        if kind == "lex":
            positions[texts[int(key) - 1]].append((word, pos))
        elif kind == "known":
            vocab.known.add(word)
        elif kind == "typo":
            raw_candidates.append((key, word, docs, tuple(lexemes)))
        elif kind == "complete":
            vocab.completions.append((word, tuple(lexemes)))
        elif kind == "has_prefix":
            vocab.prefix_exists = True
        elif kind == "state":
            index_exists = True
    for found in positions.values():
        found.sort(key=lambda item: item[1])
    near = []
    for query_word, word, docs, lexemes in raw_candidates:
        limit = max_edits(query_word)
        distance = osa_distance(query_word, word, limit)
        if distance <= limit:
            near.append((query_word, Candidate(word, distance, docs, lexemes)))
    if near:
        words = sorted({c.word for _, c in near})
        held = set(conn.exec_driver_sql(held_sql(language), {"words": words, "language": language}).scalars())
        for query_word, candidate in near:
            if candidate.word in held:
                vocab.candidates.setdefault(query_word, []).append(candidate)
    for found in vocab.candidates.values():
        found.sort(key=lambda c: (c.distance, -c.docs, c.word))
    parsed = parse(q, _Lexemes(positions), synonyms)
    units = [_unit_query(u, parsed.text, positions, vocab) for u in parsed.units]
    return Analysis(parsed, units, vocab, index_exists)


def _unit_query(unit: Unit, text: str, positions: dict[str, Positions], vocab: LookupVocab) -> UnitQuery:
    """Mirror of :func:`kb.search.whoosh.matching.match_unit`: exact words, synonyms, typos, completions."""
    out = UnitQuery()
    stems = unit.stems
    every = " & ".join(map(quote, stems))
    if len(stems) == 1:
        out.add(1.0, quote(stems[0]))
    elif stems and (unit.quoted or len(unit.words) == 1):  # a phrase, or one word PostgreSQL splits
        start, end = unit.spans[0]
        source = positions.get(text[start:end] if unit.quoted else unit.words[0]) or [
            (s, i) for i, s in enumerate(stems, 1)
        ]
        out.phrase = (phrase(source), every)
        out.add(1.0, out.phrase[0], every)
        out.add(BODY_PHRASE_FACTOR, every, match="")  # Whoosh's body "phrase": all the words
    elif stems:  # unquoted words merged as a multi-word synonym: all of them, anywhere
        out.add(1.0, every)
    out.stems.update(stems)
    alternatives = [a for a in unit.alternatives if a]
    out.urgent = any_of(" & ".join(map(quote, s)) for s in (stems, *alternatives) if s)
    if alternatives:  # a multi-word synonym needs all its words (anywhere: no recheck)
        out.add(SYNONYM_FACTOR, any_of(" & ".join(map(quote, a)) for a in alternatives))
        for alternative in alternatives:
            out.stems.update(alternative)
    if not unit.quoted and len(unit.words) == 1:
        _add_typos(unit, vocab, out)
    if unit.prefix and len(unit.words[-1]) >= 2:
        seen = set(stems)
        added = []
        for _word, lexemes in vocab.completions:
            if len(lexemes) != 1 or lexemes[0] in seen:
                continue
            seen.add(lexemes[0])
            added.append(lexemes[0])
        if added:  # title words it may stand for: found anywhere, ranked mostly by the title weight
            out.add(PREFIX_FACTOR, " | ".join(map(quote, added)))
            out.stems.update(added)
    return out


def _add_typos(unit: Unit, vocab: LookupVocab, out: UnitQuery) -> None:
    word = unit.words[0]
    limit = 2 if word in vocab else 4
    seen = set(unit.stems)
    by_distance: dict[int, list[str]] = {}
    for candidate in vocab.candidates.get(word, ()):
        if len(candidate.lexemes) != 1 or candidate.lexemes[0] in seen:
            continue
        seen.add(candidate.lexemes[0])
        by_distance.setdefault(candidate.distance, []).append(candidate.lexemes[0])
        out.stems.add(candidate.lexemes[0])
        limit -= 1
        if not limit:
            break
    for distance, lexemes in sorted(by_distance.items()):
        out.add(TYPO_FACTORS[distance], " | ".join(map(quote, lexemes)))


def lexize(conn, texts: list[str], language: str = DEFAULT_LANGUAGE) -> dict[str, Positions]:
    """Lexemes with positions of each text under the configuration of ``language``."""
    texts = list(dict.fromkeys(texts))
    out: dict[str, Positions] = {text: [] for text in texts}
    if texts:
        for i, lexeme, pos in conn.exec_driver_sql(lexize_sql(language), {"texts": texts}):
            out[texts[i - 1]].append((lexeme, pos))
    for found in out.values():
        found.sort(key=lambda item: item[1])
    return out


def parse_synonyms(conn, text: str, language: str = DEFAULT_LANGUAGE) -> SynonymMap:
    """The synonyms file's text as a :class:`SynonymMap` keyed by the lexemes of ``language``'s
    configuration (one round trip analyses every entry)."""
    text = text.replace("\x00", " ")  # PostgreSQL text cannot hold NUL
    entries = [raw for line in text.splitlines() for raw in line.split("#", 1)[0].split(",")]
    found = lexize(conn, entries, language)
    return SynonymMap.parse(text, lambda raw: [lexeme for lexeme, _ in found.get(raw, ())])
