"""Query execution over one index state: BM25 term scores, phrase document sets, unit combination.

Scores are BM25 (k1=1.2, b=0.75) per field, summed over the fields with the query-time boosts of
:data:`kb.search.common.ranking.FIELD_BOOSTS`. A stem's scores in a field are computed once per index
state and cached as two arrays (in an LRU bounded in bytes, :data:`CACHE_BYTES` by default), so a
popular word costs a few dict merges done in C per query instead of a walk through Whoosh's matcher
tree. Postings of the rebuilt segment come from its flat postings file
(:mod:`kb.search.whoosh.lowlevel.flat_postings`), the others from Whoosh's blocks; phrases are checked
on the positions of the documents that hold all their words.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from operator import add, mul, truediv

from kb.search.common.ranking import BODY_PHRASE_FACTOR
from kb.search.whoosh.fields import BOOSTS, LANGUAGE_OF, PHRASE_FIELDS, field_set
from kb.search.whoosh.lowlevel.flat_postings import FlatPostings
from kb.search.whoosh.lowlevel.postings import (
    LENGTH_OF_BYTE,
    field_length_bytes,
    read_positions,
    read_postings,
)

K1, B = 1.2, 0.75
Scores = dict[int, float]
CACHE_BYTES = 32 * 1024 * 1024  # per index state and process (KB_SEARCH_CACHE_BYTES)
_INT_BYTES = sys.getsizeof(2**20)  # one docnum held as an int object (in a set)


def size_of(value: object) -> int:
    """Bytes a cached value holds (arrays, ints, sets of docnums, tuples of these), containers included."""
    if isinstance(value, tuple):
        return sys.getsizeof(value) + sum(map(size_of, value))
    if isinstance(value, (set, frozenset)):
        return sys.getsizeof(value) + _INT_BYTES * len(value)  # at most: small ints are shared
    return sys.getsizeof(value)


class Scorer:
    """Cached scoring primitives for one Whoosh searcher (one immutable index state)."""

    def __init__(
        self, searcher, flat: Mapping[str, FlatPostings] | None = None, max_cached_bytes: int = CACHE_BYTES
    ):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.flat = flat or {}
        self.doc_count = max(1, self.reader.doc_count())
        self._norms: dict[str, tuple[bytes, array]] = {}
        # One LRU for term postings, phrase document sets, whole query units, filters and facet masks:
        # key -> (value, bytes it holds); ``held``: their total, kept <= ``max_bytes``.
        self._cache: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self.held = 0
        self.max_bytes = max(0, int(max_cached_bytes))

    # per-field statistics ---------------------------------------------------

    def _norm(self, field: str) -> tuple[bytes, array]:
        """K1 * (1 - B + B * dl / avgdl) for every docnum, as (a byte a document, the norm of each
        byte): Whoosh stores a field's length in one byte, so there are at most 256 norms."""
        norm = self._norms.get(field)
        if norm is None:
            codes = field_length_bytes(self.reader, field)
            per_code = Counter(codes)
            total = sum(LENGTH_OF_BYTE[b] * n for b, n in per_code.items())
            # English fields average over every document (as before languages); another language's
            # over the documents that have the field, so a minority language is not penalised.
            if field in PHRASE_FIELDS or field == "body":
                count = self.doc_count
            else:
                count = sum(n for b, n in per_code.items() if LENGTH_OF_BYTE[b])
            avg = total / max(1, count) if total else 1.0
            norm = codes, array("d", [K1 * (1 - B + B * dl / avg) for dl in LENGTH_OF_BYTE])
            self._norms[field] = norm
        return norm

    # term scores --------------------------------------------------------------

    def term(self, stem: str, field: str) -> tuple[array, array]:
        """(docnums, boosted BM25 scores) of a stem in one field, cached."""
        key = ("term", stem, field)
        hit = self.cached(key)
        if hit is None:
            hit = self._field_scores(stem, field)
            self.remember(key, hit)
        return hit

    def _field_scores(self, stem: str, field: str) -> tuple[array, array]:
        ids, weights = read_postings(self.reader, field, stem, self.flat)
        scores = array("f")
        if ids:
            df = len(ids)
            c = BOOSTS[field] * math.log(1 + (self.doc_count - df + 0.5) / (df + 0.5)) * (K1 + 1)
            # c * tf / (tf + norm[d]) for every posting, with the loops in C (map) rather than Python
            codes, norms = self._norm(field)
            denominators = map(add, weights, map(norms.__getitem__, map(codes.__getitem__, ids)))
            scores.extend(map(mul, map(truediv, weights, denominators), repeat(c)))
        return ids, scores

    def phrase_docs(self, stems: tuple[str, ...], fields: Sequence[str] = PHRASE_FIELDS) -> frozenset[int]:
        """Documents holding the exact phrase in a positional field (title, summary, tags, details)."""
        key = ("phrase", stems, tuple(fields))
        hit = self.cached(key)
        if hit is not None:
            return hit
        docs: set[int] = set()
        for field in fields:
            docs.update(self._phrase_in(field, stems))
        result = frozenset(docs)
        self.remember(key, result)
        return result

    def _phrase_in(self, field: str, stems: tuple[str, ...]) -> set[int]:
        """Whoosh's ``Phrase(field, stems)`` (slop 1: the stems at consecutive positions, in order),
        decoding only the positions of documents that hold every stem."""
        postings: dict[str, dict[int, bytes]] = {}
        for stem in dict.fromkeys(stems):
            ids, values = read_positions(self.reader, field, stem)
            if not ids:
                return set()
            postings[stem] = dict(zip(ids, values, strict=True))
        maps = sorted(postings.values(), key=len)
        candidates = set(maps[0]).intersection(*maps[1:])
        decode = self.searcher.schema[field].format.decode_positions
        found = set()
        for docnum in candidates:
            first = decode(postings[stems[0]][docnum])
            rest = [set(decode(postings[stem][docnum])) for stem in stems[1:]]
            if any(all(p + i in later for i, later in enumerate(rest, 1)) for p in first):
                found.add(docnum)
        return found

    def cached(self, key: tuple):
        """A cached value (refreshing its recency), or None."""
        entry = self._cache.get(key)
        if entry is None:
            return None
        self._cache.move_to_end(key)
        return entry[0]

    def remember(self, key: tuple, value) -> None:
        """Cache ``value``, evicting the least recently used entries while the cache holds more than its
        byte budget (a value larger than the whole budget is not kept)."""
        size = size_of(value)
        old = self._cache.pop(key, None)
        if old is not None:
            self.held -= old[1]
        if size > self.max_bytes:
            return
        self._cache[key] = (value, size)
        self.held += size
        while self.held > self.max_bytes:
            _, (_, dropped) = self._cache.popitem(last=False)
            self.held -= dropped

    # combination ----------------------------------------------------------------

    def terms(self, stem: str, fields: Sequence[str]) -> tuple[array, array]:
        """(docnums, scores) of a stem summed over several fields, cached like :meth:`term`."""
        if len(fields) == 1:
            return self.term(stem, fields[0])
        key = ("terms", stem, tuple(fields))
        hit = self.cached(key)
        if hit is not None:
            return hit
        acc: Scores = {}
        for field in fields:  # not cached per field: the sum is what later queries need
            ids, scores = self._field_scores(stem, field)
            if ids:
                merge(acc, ids, scores)
        result = (array("i", acc.keys()), array("f", acc.values()))
        self.remember(key, result)
        return result

    def add_term(self, acc: Scores, stem: str, fields: Sequence[str], factor: float = 1.0) -> None:
        """acc += factor * the stem's scores, summed over ``fields``."""
        ids, scores = self.terms(stem, fields)
        if ids:
            merge(acc, ids, scores if factor == 1.0 else map(mul, scores, repeat(factor)))

    def add_phrase(
        self, acc: Scores, stems: tuple[str, ...], fields: Sequence[str], factor: float = 1.0
    ) -> None:
        """acc += factor * phrase scores: the sum of its words' scores where the exact phrase is in a
        positional field, half that where the words are all in the body (which keeps no positions)."""
        if len(stems) == 1:
            self.add_term(acc, stems[0], fields, factor)
            return
        language = field_set(LANGUAGE_OF.get(fields[0], "en"))
        positional = [f for f in fields if f in language.phrase]
        exact = self.phrase_docs(stems, positional) if positional else frozenset()
        body: set[int] = set()
        if language.body in fields:
            body = set(self.doc_ids(stems[0], language.body))
            for stem in stems[1:]:
                body.intersection_update(self.doc_ids(stem, language.body))
            body.difference_update(exact)
        if not body and not exact:
            return
        parts = [dict(zip(*self.terms(stem, fields), strict=True)) for stem in stems]
        for docs, weight in ((exact, factor), (body, factor * BODY_PHRASE_FACTOR)):
            if docs:
                order = list(docs)
                merge(acc, order, map(mul, sum_scores(order, parts), repeat(weight)))

    def doc_ids(self, stem: str, field: str) -> array:
        """The documents holding a stem in one field (cached; from the term's scores if those are)."""
        hit = self.cached(("term", stem, field))
        if hit is not None:
            return hit[0]
        key = ("ids", stem, field)
        ids = self.cached(key)
        if ids is None:
            ids = read_postings(self.reader, field, stem, self.flat)[0]
            self.remember(key, ids)
        return ids


def merge(acc: Scores, ids: Iterable[int], scores: Iterable[float]) -> None:
    """acc[d] += s for every (d, s) of ``ids`` and ``scores`` (each d once), in one pass in C:
    ``acc.get(d, 0.0) + s`` for each posting, written back with one dict update."""
    if not acc:
        acc.update(zip(ids, scores, strict=True))
        return
    ids = ids if isinstance(ids, (array, list, tuple)) else list(ids)
    acc.update(zip(ids, map(add, map(acc.get, ids, repeat(0.0)), scores), strict=True))


def sum_scores(docs: list[int], units: Sequence[Scores]) -> list[float]:
    """[sum(u[d] for u in units) for d in docs], every d being in every unit."""
    totals = list(map(units[0].__getitem__, docs))
    for unit in units[1:]:
        totals = list(map(add, totals, map(unit.__getitem__, docs)))
    return totals


def combine_all(units: Sequence[Scores]) -> Scores:
    """AND: documents in every unit, scored by the sum."""
    if not units:
        return {}
    docs = set(min(units, key=len))
    for unit in units:
        docs.intersection_update(unit.keys())
        if not docs:
            return {}
    order = list(docs)
    return dict(zip(order, sum_scores(order, units), strict=True))


def combine_any(units: Iterable[Scores]) -> tuple[Scores, dict[int, int]]:
    """OR: documents in any unit, scored by the sum, plus how many units each matched."""
    scores: Scores = {}
    matched: dict[int, int] = {}
    for unit in units:
        sget, mget = scores.get, matched.get
        for d, s in unit.items():
            scores[d] = sget(d, 0.0) + s
            matched[d] = mget(d, 0) + 1
    return scores, matched
