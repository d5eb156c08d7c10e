"""As-you-type title suggestions from compact arrays (rebuilt, or re-mapped, when the index changes).

Every title is normalised (folded, punctuation collapsed to single spaces) and entered once per
word start: "Avoid Sun Exposure" gives the keys "avoid sun exposure", "sun exposure" and "exposure".
A prefix is a contiguous range of the sorted keys (two bisections). Ranking follows the brief:
title starts with the prefix > a later word does, then shorter title, then alphabetical; this order
is precomputed as one integer rank per title, so a lookup only sorts small integer lists. Ranges for
one- and two-character prefixes are large, so their top results are memoised per structure.

The arrays (:class:`TitleArrays`) are plain lists built here for a few titles, or views of the card
file a rebuild writes (:mod:`kb.search.whoosh.cards`), mapped and shared by every worker. A
suggester answers over one or several such parts (the rebuilt segment, then the documents committed
since), merged as if they were one: by (title length, folded title, slug, docnum).
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kb.search.base import MAX_PREFIX_CHARS, MAX_SUGGEST_LIMIT, Suggestion
from kb.search.common.text import normalise

_HIGH = "\U0010ffff"
_MEMO_MAX_LEN = 2


@dataclass(frozen=True, slots=True)
class Card:
    """What suggest() needs of one document."""

    title: str
    slug: str
    kind: str
    locale: str
    type: str = "entry"
    procedures: tuple[str, ...] = ()


@dataclass(frozen=True)
class TitleArrays:
    """What a suggester searches over a set of titles, by rank (the titles ordered by length, folded
    title, slug, then document). ``docs``: the document of each rank; ``norms``: each rank's
    normalised title; ``starts``: the ranks of non-empty titles sorted by (norm, rank); ``inner_ranks``
    and ``inner_starts``: every later word start (rank, character offset) sorted by (key, rank);
    ``words``: the titles' distinct words, sorted, and ``counts``: their occurrences."""

    docs: Sequence[int]
    norms: Sequence[str]
    starts: Sequence[int]
    inner_ranks: Sequence[int]
    inner_starts: Sequence[int]
    words: Sequence[str]
    counts: Sequence[int]


def title_words(title: str) -> list[str]:
    """The words of a title as the suggester counts them (none for a title without words)."""
    norm = normalise(title)
    return norm.split(" ") if norm else []


def title_arrays(titles: Sequence[tuple[str, str]], docs: Sequence[int] | None = None) -> TitleArrays:
    """The arrays of ``titles`` ((title, slug) pairs; ``docs``: the document of each, default its
    position, ascending)."""
    docs = range(len(titles)) if docs is None else docs
    order = sorted(
        range(len(titles)), key=lambda i: (len(titles[i][0]), titles[i][0].casefold(), titles[i][1])
    )
    norms: list[str] = []
    firsts: list[int] = []
    inner: dict[str, list[int]] = {}  # word -> rank << 16 | offset of a later word start
    word_counts: dict[str, int] = {}
    for rank, i in enumerate(order):
        norm = normalise(titles[i][0])
        norms.append(norm)
        if not norm:
            continue
        firsts.append(rank)
        offset = 0
        for n, word in enumerate(norm.split(" ")):
            if n and offset < 0x10000:  # (a title is at most a few hundred characters)
                inner.setdefault(word, []).append(rank << 16 | offset)
            offset += len(word) + 1
            word_counts[word] = word_counts.get(word, 0) + 1
    firsts.sort(key=norms.__getitem__)  # stable: by (norm, rank)
    inner_ranks, inner_starts = _inner_keys(norms, inner)
    words = sorted(word_counts)
    return TitleArrays(
        docs=array("i", [docs[i] for i in order]),
        norms=norms,
        starts=array("i", firsts),
        inner_ranks=inner_ranks,
        inner_starts=inner_starts,
        words=words,
        counts=array("i", map(word_counts.__getitem__, words)),
    )


def _inner_keys(norms: list[str], buckets: dict[str, list[int]]) -> tuple[array, array]:
    """(ranks, offsets) of the later word starts sorted by (key, rank), sorted one first word at a time
    (so only one bucket's key strings exist at once); checked and, if words ever sorted differently
    from the strings they start, sorted as a whole."""
    ranks, starts = array("i"), array("i")
    for word in sorted(buckets):
        packed = buckets[word]
        packed.sort(key=lambda p: (norms[p >> 16][p & 0xFFFF :], p >> 16))
        ranks.extend(p >> 16 for p in packed)
        starts.extend(p & 0xFFFF for p in packed)
    keys = _Suffixes(norms, ranks, starts)
    if any((keys[i], ranks[i]) > (keys[i + 1], ranks[i + 1]) for i in range(len(keys) - 1)):
        order = sorted(range(len(keys)), key=lambda i: (keys[i], ranks[i]))
        ranks, starts = array("i", [ranks[i] for i in order]), array("i", [starts[i] for i in order])
    return ranks, starts


class _Firsts(Sequence[str]):
    """The whole-title keys in sorted order: the norm of each rank of ``starts``."""

    def __init__(self, norms: Sequence[str], starts: Sequence[int]):
        self._norms, self._starts = norms, starts

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, i):  # type: ignore[override]
        return self._norms[self._starts[i]]


class _Suffixes(Sequence[str]):
    """The sorted keys of the inner word starts, each cut from its title's normalised form when read
    (a bisection reads a few): two integers a key instead of a string."""

    def __init__(self, norms: Sequence[str], ranks: Sequence[int], starts: Sequence[int]):
        self._norms, self._ranks, self._starts = norms, ranks, starts

    def __len__(self) -> int:
        return len(self._ranks)

    def __getitem__(self, i):  # type: ignore[override]
        return self._norms[self._ranks[i]][self._starts[i] :]


def _span(keys: Sequence[str], prefix: str) -> tuple[int, int]:
    lo = bisect_left(keys, prefix)
    return lo, bisect_left(keys, prefix + _HIGH, lo)


@dataclass
class TitlePart:
    """One set of titles: its arrays, the card of a document, and (by document) the locale and
    procedures the filters read; ``excluded``: documents left out (deleted since the arrays were
    written), ``word_delta``: the change to ``counts`` that leaving them out makes; ``offset``: added
    to ``arrays.docs`` to give a document (a segment's first docnum)."""

    arrays: TitleArrays
    card: Callable[[int], Card]
    locale_of: Sequence[str]
    procedures_of: Sequence[tuple[str, ...]]
    excluded: frozenset[int] = frozenset()
    word_delta: Mapping[str, int] = field(default_factory=dict)
    offset: int = 0

    def __post_init__(self) -> None:
        a = self.arrays
        self._firsts = _Firsts(a.norms, a.starts)
        self._inner = _Suffixes(a.norms, a.inner_ranks, a.inner_starts)

    def __len__(self) -> int:
        return len(self.arrays.docs) - len(self.excluded)

    def doc(self, rank: int) -> int:
        return self.arrays.docs[rank] + self.offset

    def best(
        self, norm: str, limit: int, locale: tuple[str, ...] | None, procedure: str | None
    ) -> tuple[list[int], list[int]]:
        """The best ``limit`` ranks whose title starts with ``norm`` and, when fewer, the best
        ``limit`` of the others with a later word starting so (both in rank order)."""
        lo, hi = _span(self._firsts, norm)
        starts = self.arrays.starts
        first = self._filter((starts[i] for i in range(lo, hi)), locale, procedure)
        best = heapq.nsmallest(limit, first)
        if len(best) >= limit:
            return best, []
        seen = set(best)
        lo, hi = _span(self._inner, norm)
        ranks = self.arrays.inner_ranks
        inner = self._filter((ranks[i] for i in range(lo, hi)), locale, procedure)
        return best, heapq.nsmallest(limit, {r for r in inner if r not in seen})

    def _filter(
        self, ranks: Iterable[int], locale: tuple[str, ...] | None, procedure: str | None
    ) -> list[int]:
        doc = self.doc
        if self.excluded:
            excluded = self.excluded
            ranks = [r for r in ranks if doc(r) not in excluded]
        if locale is not None:
            locales = self.locale_of
            ranks = [r for r in ranks if locales[doc(r)] in locale]
        if procedure is not None:
            procedures = self.procedures_of
            ranks = [r for r in ranks if procedure in procedures[doc(r)]]
        return ranks if isinstance(ranks, list) else list(ranks)

    def sort_key(self, rank: int) -> tuple:
        """The order of ranks across parts: (title length, folded title, slug, document)."""
        doc = self.doc(rank)
        card = self.card(doc)
        return len(card.title), card.title.casefold(), card.slug, doc

    def words_from(self, prefix: str) -> dict[str, int]:
        """The title words starting with ``prefix`` and their counts (left-out documents not counted)."""
        words, counts, delta = self.arrays.words, self.arrays.counts, self.word_delta
        lo, hi = _span(words, prefix)
        found = {words[i]: counts[i] for i in range(lo, hi)}
        if delta:
            found = {w: n for w, n in ((w, n + delta.get(w, 0)) for w, n in found.items()) if n > 0}
        return found


class TitleSuggester:
    """Prefix lookups over the titles of one index state (optionally restricted to locales and a
    procedure): of the given ``cards``, or of ``parts`` (see :meth:`of_parts`)."""

    def __init__(self, cards: Iterable[Card] = (), *, parts: Sequence[TitlePart] | None = None):
        if parts is None:
            given = list(cards)
            arrays = title_arrays([(c.title, c.slug) for c in given])
            locales = [c.locale for c in given]
            procedures = [c.procedures for c in given]
            parts = [TitlePart(arrays, given.__getitem__, locales, procedures)]
        self.parts = list(parts)
        self._memo: dict[tuple[str, tuple[str, ...] | None, str | None], list[tuple[int, int]]] = {}

    @classmethod
    def of_parts(cls, parts: Sequence[TitlePart]) -> TitleSuggester:
        return cls(parts=parts)

    def __len__(self) -> int:
        return sum(map(len, self.parts))

    def lookup(
        self,
        prefix: str,
        limit: int = 10,
        locale: tuple[str, ...] | None = None,
        procedure: str | None = None,
    ) -> list[Suggestion]:
        """Best ``limit`` titles for ``prefix`` (empty prefix -> []), of cards with one of ``locale``
        (None: any) that apply to ``procedure`` (None: any)."""
        norm = normalise(prefix[:MAX_PREFIX_CHARS])
        limit = max(0, min(int(limit), MAX_SUGGEST_LIMIT))
        if not norm or not limit:
            return []
        if len(norm) <= _MEMO_MAX_LEN:
            key = (norm, locale, procedure)
            found = self._memo.get(key)
            if found is None:
                found = self._memo[key] = self._best(norm, MAX_SUGGEST_LIMIT, locale, procedure)
            found = found[:limit]
        else:
            found = self._best(norm, limit, locale, procedure)
        parts = self.parts
        cards = (parts[p].card(parts[p].doc(r)) for p, r in found)
        return [Suggestion(slug=c.slug, kind=c.kind or None, title=c.title, type=c.type) for c in cards]

    def _best(
        self, norm: str, limit: int, locale: tuple[str, ...] | None, procedure: str | None
    ) -> list[tuple[int, int]]:
        """(part, rank) of the best ``limit`` titles."""
        found = [part.best(norm, limit, locale, procedure) for part in self.parts]
        if len(found) == 1:
            first, inner = found[0]
            return [(0, r) for r in first + inner[: limit - len(first)]]
        firsts = self._merged([(p, r) for p, (first, _) in enumerate(found) for r in first], limit)
        if len(firsts) >= limit:
            return firsts
        inners = self._merged([(p, r) for p, (_, inner) in enumerate(found) for r in inner], limit)
        return firsts + inners[: limit - len(firsts)]

    def _merged(self, entries: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
        parts = self.parts
        return sorted(entries, key=lambda e: parts[e[0]].sort_key(e[1]))[:limit]

    def complete_word(self, prefix: str, limit: int = 8) -> list[str]:
        """Up to ``limit`` title words starting with folded ``prefix``, most frequent first."""
        counts: dict[str, int] = {}
        for part in self.parts:
            for word, n in part.words_from(prefix).items():
                counts[word] = counts.get(word, 0) + n
        if len(counts) <= limit:
            return sorted(counts)
        return heapq.nsmallest(limit, sorted(counts), key=lambda w: (-counts[w], len(w), w))
