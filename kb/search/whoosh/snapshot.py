"""One immutable state of the index, opened for reading, with everything derived from it cached.

A snapshot is replaced (never updated) when CURRENT or LAST_COMMIT changes, so caches need no
invalidation: per-document cards (for hits, filters, facets and ids()), the title suggester, the
vocabulary and the scorer all belong to exactly one state.

What grows with the corpus is read in place from the rebuilt segment's files, mapped and shared by
every process (the cards and the title suggester's arrays: :mod:`kb.search.whoosh.cards`; postings:
:mod:`kb.search.whoosh.lowlevel.flat_postings`); only documents committed since are held in memory.
What grows with use (term and unit scores, phrase and filter document sets, facet masks of query
units) lives in the scorer's LRU, bounded in bytes (``cache_bytes``, KB_SEARCH_CACHE_BYTES).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from functools import cached_property
from itertools import chain, compress
from pathlib import Path

from kb.search.whoosh.cards import Cards
from kb.search.whoosh.fields import unpack_card
from kb.search.whoosh.lowlevel import flat_postings
from kb.search.whoosh.lowlevel.postings import column_values
from kb.search.whoosh.matching import UnitMatch
from kb.search.whoosh.scoring import CACHE_BYTES, Scorer
from kb.search.whoosh.titles import TitleSuggester
from kb.search.whoosh.vocabulary import Vocabulary

VOCAB_FILE = "VOCAB"
MANY_VALUED = ("tags", "procedure")  # card columns holding several values
FACET_MASK_MIN = 2000  # from this many matches on, facets are counted with bitmasks


class IndexSnapshot:
    """A Whoosh searcher plus caches for one index state.

    After a commit a new snapshot opens a fresh searcher rather than calling ``searcher.refresh()``:
    Whoosh reuses the reader of a segment whose deletions changed, so deletes would go unseen.
    """

    def __init__(
        self,
        ix,
        gen_dir: Path,
        key: tuple,
        searcher=None,
        facet_mask_min: int = FACET_MASK_MIN,
        cache_bytes: int = CACHE_BYTES,
    ):
        self.ix = ix
        self.gen_dir = gen_dir
        self.key = key
        self.facet_mask_min = facet_mask_min
        self.mask_counts = 0  # facets counted with bitmasks so far (tests show which path ran)
        self.searcher = searcher if searcher is not None else ix.searcher()
        flat = flat_postings.for_reader(self.searcher.reader(), gen_dir)
        self.scorer = Scorer(self.searcher, flat, max_cached_bytes=cache_bytes)
        self.cards = Cards(self.searcher.reader(), gen_dir)
        self.live: Sequence[int] = self.cards.live

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a reader of a deleted generation may fail to close
            self.searcher.close()

    @property
    def doc_count(self) -> int:
        return len(self.live)

    def ids(self) -> set[str]:
        """The ids of the live documents, read from the cards' column."""
        return {unpack_card(raw)[5] for raw in column_values(self.searcher.reader(), "card") if raw}

    @cached_property
    def languages(self) -> frozenset[str]:
        """The analysis languages of the documents of this state."""
        codes, table = self.cards.codes["language"], self.cards.tables["language"]
        held = set(codes) if not self.cards.deleted else set(map(codes.__getitem__, self.live))
        return frozenset(table[c] for c in held)

    @cached_property
    def vocab(self) -> Vocabulary:
        return Vocabulary.load(self.gen_dir / VOCAB_FILE)

    @cached_property
    def suggester(self) -> TitleSuggester:
        return self.cards.suggester()

    # filters and facets --------------------------------------------------------

    _COLUMNS = {"kind": "kind", "locale": "locale", "tags": "tags", "type": "type", "procedure": "procedures"}

    def _docs(self, facet: str, value: str) -> set[int]:
        """The documents whose ``facet`` (kind, locale, type; tags, procedure: one of them) is
        ``value``, cached in the scorer's LRU (bounded in bytes) rather than held for every value."""
        key = ("docs", facet, value)
        docs = self.scorer.cached(key)
        if docs is None:
            cards, column = self.cards, self._COLUMNS[facet]
            if facet in MANY_VALUED:
                docs = cards.many[column].docs_with(value)
            else:
                codes, table = cards.codes[column], cards.tables[column]
                wanted = [c for c, v in enumerate(table) if v == value]
                docs = set(compress(range(len(codes)), map(wanted[0].__eq__, codes))) if wanted else set()
            docs.difference_update(cards.deleted)
            self.scorer.remember(key, docs)
        return docs

    def docs_with(
        self,
        *,
        kind: str | None = None,
        tag: str | None = None,
        locale: tuple[str, ...] | None = None,
        type: str | None = None,
        procedure: str | None = None,
    ) -> set[int] | None:
        """Documents passing the given filters (None when no filter is given); ``locale``: any of these."""
        sets = []
        if procedure is not None:
            sets.append(self._docs("procedure", procedure))
        if kind is not None:
            sets.append(self._docs("kind", kind))
        if type is not None:
            sets.append(self._docs("type", type))
        if tag is not None:
            sets.append(self._docs("tags", tag))
        if locale is not None:
            sets.append(set().union(*(self._docs("locale", key) for key in locale)))
        if not sets:
            return None
        smallest = min(sets, key=len)
        return smallest.intersection(*[s for s in sets if s is not smallest])

    def facets(
        self,
        base: Collection[int],
        kind_docs: set[int] | None,
        tag_docs: set[int] | None,
        selections: dict[int, int] | None = None,
        type_docs: set[int] | None = None,
    ) -> dict[str, dict[str, int]]:
        """Kind counts (of entries) over ``base`` within the tag and type filters, tag counts within the
        kind and type filters, type counts within the kind and tag filters.
        ``selections``: bitmasks (see :meth:`unit_mask`) of document sets by ``id()``, if known."""
        selections = {} if selections is None else selections
        # every scope stays alive until all are counted: ``selections`` knows sets by id()
        scopes = {
            "kind": _within(base, tag_docs, type_docs),
            "tags": _within(base, kind_docs, type_docs),
            "type": _within(base, kind_docs, tag_docs),
        }
        counts = {facet: self.facet_counts(docs, facet, selections) for facet, docs in scopes.items()}
        counts["kind"].pop("", None)  # articles have no kind
        return counts

    def facet_counts(
        self,
        docs: Collection[int],
        facet: str,
        selections: dict[int, int] | None = None,
        mask_min: int | None = None,
    ) -> dict[str, int]:
        """Counts of ``"kind"`` or ``"tags"`` values over ``docs``, largest first.

        Small sets are counted document by document (in C: map + Counter); large ones as bitmask
        intersections: one bit per document, so one big-integer AND and popcount per value.
        ``mask_min``: the size from which on bitmasks are used (default: the snapshot's)."""
        if len(docs) < (self.facet_mask_min if mask_min is None else mask_min):
            if facet != "tags":
                codes, table = self.cards.codes[facet], self.cards.tables[facet]
                by_code = Counter(map(codes.__getitem__, docs))
            else:
                many = self.cards.many["tags"]
                by_code, table = Counter(chain.from_iterable(map(many.codes_of, docs))), many.table
            counts = Counter({table[c]: n for c, n in by_code.items()})
        else:
            key = id(docs)
            if selections is None or key not in selections:
                selection = _bitmask(map(docs.__contains__, range(len(self.cards))))
                if selections is not None:
                    selections[key] = selection
            else:
                selection = selections[key]
            masks = self._masks(facet)
            self.mask_counts += 1
            counts = Counter({value: n for value, m in masks.items() if (n := (selection & m).bit_count())})
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def unit_mask(self, match: UnitMatch) -> int:
        """The bitmask of the documents a query unit matches (cached with the unit's scores)."""
        key = ("mask", match.key)
        mask = self.scorer.cached(key) if match.key else None
        if mask is None:
            mask = _bitmask(map(match.scores.__contains__, range(len(self.cards))))
            if match.key:
                self.scorer.remember(key, mask)
        return mask

    def _masks(self, facet: str) -> dict[str, int]:
        """Per facet value, an integer with bit ``d`` set for each of its documents."""
        cache = self.__dict__.setdefault("_facet_masks", {})
        if facet not in cache:  # one integer of len(cards) bits per value: a few per facet, kept
            size = len(self.cards)
            if facet == "tags":
                groups = self.cards.many["tags"].groups()
            else:
                codes, table = self.cards.codes[facet], self.cards.tables[facet]
                by_code: dict[int, list[int]] = {}  # built for the masks, then dropped
                for d in range(len(codes)):
                    by_code.setdefault(codes[d], []).append(d)
                groups = {table[c]: members for c, members in by_code.items()}
            deleted = self.cards.deleted
            masks = {}
            for value, members in groups.items():
                flags = bytearray(size)
                for d in members:
                    flags[d] = 1
                for d in deleted:
                    flags[d] = 0
                if any(flags):
                    masks[value] = _bitmask(flags)
            cache[facet] = masks
        return cache[facet]


def _within(base: Collection[int], *filters: set[int] | None) -> Collection[int]:
    """``base`` within every given filter (``base`` itself when there is none, so its bitmask is reused)."""
    scope = base
    for docs in filters:
        if docs is not None:
            scope = docs.intersection(scope)
    return scope


_BINARY_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


def _bitmask(flags: Iterable[bool | int]) -> int:
    """An integer with bit ``d`` set where ``flags[d]`` is true (one byte per flag -> one bit, in C)."""
    digits = bytes(flags).translate(_BINARY_DIGITS)[::-1]
    return int(digits, 2) if digits else 0
