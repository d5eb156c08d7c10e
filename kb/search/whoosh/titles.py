"""As-you-type title suggestions from a compact in-memory structure (rebuilt when the index changes).

Every title is normalised (folded, punctuation collapsed to single spaces) and entered once per
word start: "Avoid Sun Exposure" gives the keys "avoid sun exposure", "sun exposure" and "exposure".
A prefix is a contiguous range of the sorted keys (two bisections). Ranking follows the brief:
title starts with the prefix > a later word does, then shorter title, then alphabetical; this order
is precomputed as one integer rank per title, so a lookup only sorts small integer lists. Ranges for
one- and two-character prefixes are large, so their top results are memoised per structure.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


class _Keys:
    """Sorted keys with, in parallel, the rank of the title each key belongs to."""

    def __init__(self, pairs: list[tuple[str, int]]):
        pairs.sort()
        self.keys: Sequence[str] = [k for k, _ in pairs]
        self.ranks: Sequence[int] = array("i", [r for _, r in pairs])

    def ranks_for(self, prefix: str) -> Sequence[int]:
        lo = bisect_left(self.keys, prefix)
        hi = bisect_left(self.keys, prefix + _HIGH, lo)
        return self.ranks[lo:hi]


class _Suffixes:
    """The sorted keys of the inner word starts, each cut from its title's normalised form when read
    (a bisection reads a few): two integers a key instead of a string."""

    def __init__(self, norms: list[str], ranks: array, starts: array):
        self._norms, self._ranks, self._starts = norms, ranks, starts

    def __len__(self) -> int:
        return len(self._ranks)

    def __getitem__(self, i: int) -> str:
        return self._norms[self._ranks[i]][self._starts[i] :]


class _InnerKeys(_Keys):
    """:class:`_Keys` of every later word start of the titles (``norms``, by rank), in the same order.

    Sorted one first word at a time, so only one bucket's key strings exist at once (sorting all of them
    together made a sort key per word start, whose memory the allocator then kept); the result is
    checked and, if words ever sorted differently from the strings they start, sorted as a whole."""

    def __init__(self, norms: list[str], buckets: dict[str, list[int]]):  # not _Keys.__init__: no strings
        ranks, starts = array("i"), array("i")
        for word in sorted(buckets):
            packed = buckets[word]  # rank << 16 | offset
            packed.sort(key=lambda p: (norms[p >> 16][p & 0xFFFF :], p >> 16))  # as _Keys: key, then rank
            ranks.extend(p >> 16 for p in packed)
            starts.extend(p & 0xFFFF for p in packed)
        keys = _Suffixes(norms, ranks, starts)
        if any((keys[i], ranks[i]) > (keys[i + 1], ranks[i + 1]) for i in range(len(keys) - 1)):
            order = sorted(range(len(keys)), key=lambda i: (keys[i], ranks[i]))
            ranks, starts = array("i", [ranks[i] for i in order]), array("i", [starts[i] for i in order])
            keys = _Suffixes(norms, ranks, starts)
        self.ranks, self.keys = ranks, keys


class TitleSuggester:
    """Prefix lookups over the titles of one index state (optionally restricted to one locale)."""

    def __init__(self, cards: Iterable[Card]):
        ordered = sorted(cards, key=lambda c: (len(c.title), c.title.casefold(), c.slug))
        self.cards = ordered
        self.locales = [c.locale for c in ordered]
        self.procedures = [c.procedures for c in ordered]
        starts: list[tuple[str, int]] = []
        inner: dict[str, list[int]] = {}  # word -> rank << 16 | offset of a later word start
        norms: list[str] = []
        word_counts: dict[str, int] = {}
        for rank, card in enumerate(ordered):
            norm = normalise(card.title)
            norms.append(norm)
            if not norm:
                continue
            starts.append((norm, rank))
            title_words = norm.split(" ")
            offset = 0
            for i, word in enumerate(title_words):
                if i and offset < 0x10000:  # (a title is at most a few hundred characters)
                    inner.setdefault(word, []).append(rank << 16 | offset)
                offset += len(word) + 1
                word_counts[word] = word_counts.get(word, 0) + 1
        self._starts = _Keys(starts)
        self._inner = _InnerKeys(norms, inner)
        self._title_words = sorted(word_counts)
        self._word_counts = word_counts
        self._memo: dict[tuple[str, tuple[str, ...] | None, str | None], list[int]] = {}

    def __len__(self) -> int:
        return len(self.cards)

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
            ranks = self._memo.get(key)
            if ranks is None:
                ranks = self._memo[key] = self._best(norm, MAX_SUGGEST_LIMIT, locale, procedure)
            ranks = ranks[:limit]
        else:
            ranks = self._best(norm, limit, locale, procedure)
        cards = map(self.cards.__getitem__, ranks)
        return [Suggestion(slug=c.slug, kind=c.kind or None, title=c.title, type=c.type) for c in cards]

    def _best(
        self, norm: str, limit: int, locale: tuple[str, ...] | None, procedure: str | None = None
    ) -> list[int]:
        first = self._filter(self._starts.ranks_for(norm), locale, procedure)
        best = heapq.nsmallest(limit, first)
        if len(best) < limit:
            seen = set(best)
            inner = self._filter(self._inner.ranks_for(norm), locale, procedure)
            best += heapq.nsmallest(limit - len(best), {r for r in inner if r not in seen})
        return best

    def _filter(self, ranks: list[int], locale: tuple[str, ...] | None, procedure: str | None) -> list[int]:
        if locale is not None:
            locales = self.locales
            ranks = [r for r in ranks if locales[r] in locale]
        if procedure is not None:
            procedures = self.procedures
            ranks = [r for r in ranks if procedure in procedures[r]]
        return ranks

    def complete_word(self, prefix: str, limit: int = 8) -> list[str]:
        """Up to ``limit`` title words starting with folded ``prefix``, most frequent first."""
        vocab = self._title_words
        lo = bisect_left(vocab, prefix)
        hi = bisect_left(vocab, prefix + _HIGH, lo)
        if hi - lo <= limit:
            return vocab[lo:hi]
        counts = self._word_counts
        return heapq.nsmallest(limit, vocab[lo:hi], key=lambda w: (-counts[w], len(w), w))
