"""One immutable state of the index, opened for reading, with everything derived from it cached.

A view is replaced (never updated) when CURRENT or LAST_COMMIT changes, so caches need no
invalidation: per-document cards (for hits, filters, facets and ids()), the title suggester, the
vocabulary and the scoring engine all belong to exactly one state.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from functools import cached_property
from itertools import chain
from pathlib import Path

from kb.search.engine import Engine
from kb.search.postings import column_values
from kb.search.schema import unpack_card
from kb.search.suggest import Card, TitleSuggester
from kb.search.vocab import Vocabulary

VOCAB_FILE = "VOCAB"
FACET_MASK_MIN = 2000  # from this many matches on, facets are counted with bitmasks


class IndexView:
    """A Whoosh searcher plus caches for one index state.

    After a commit a new view opens a fresh searcher rather than calling ``searcher.refresh()``:
    Whoosh reuses the reader of a segment whose deletions changed, so deletes would go unseen.
    """

    def __init__(self, ix, gen_dir: Path, key: tuple, searcher=None):
        self.ix = ix
        self.gen_dir = gen_dir
        self.key = key
        self.searcher = searcher if searcher is not None else ix.searcher()
        self.engine = Engine(self.searcher)
        raw_cards = column_values(self.searcher.reader(), "card")
        self.cards: list[tuple | None] = [unpack_card(raw) if raw else None for raw in raw_cards]
        self.live = [d for d, card in enumerate(self.cards) if card is not None]
        self.kind_of = [card[2] if card else None for card in self.cards]
        self.tags_of = [card[4] if card else () for card in self.cards]

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a reader of a deleted generation may fail to close
            self.searcher.close()

    @property
    def doc_count(self) -> int:
        return len(self.live)

    def ids(self) -> set[str]:
        return {self.cards[d][5] for d in self.live}  # type: ignore[index]

    @cached_property
    def vocab(self) -> Vocabulary:
        return Vocabulary.load(self.gen_dir / VOCAB_FILE)

    @cached_property
    def suggester(self) -> TitleSuggester:
        cards = (self.cards[d] for d in self.live)
        return TitleSuggester(Card(title=c[0], slug=c[1], kind=c[2], locale=c[3]) for c in cards)  # type: ignore

    # filters and facets --------------------------------------------------------

    @cached_property
    def _by_kind(self) -> dict[str, set[int]]:
        return self._group(2)  # kind

    @cached_property
    def _by_locale(self) -> dict[str, set[int]]:
        return self._group(3)  # locale

    @cached_property
    def _by_tag(self) -> dict[str, set[int]]:
        groups: dict[str, set[int]] = {}
        for d in self.live:
            for tag in self.cards[d][4]:  # type: ignore[index]
                groups.setdefault(tag, set()).add(d)
        return groups

    def _group(self, column: int) -> dict[str, set[int]]:
        groups: dict[str, set[int]] = {}
        for d in self.live:
            groups.setdefault(self.cards[d][column], set()).add(d)  # type: ignore[index]
        return groups

    def docs_with(
        self, *, kind: str | None = None, tag: str | None = None, locale: str | None = None
    ) -> set[int] | None:
        """Documents passing the given filters (None when no filter is given)."""
        sets = []
        if kind is not None:
            sets.append(self._by_kind.get(kind, set()))
        if tag is not None:
            sets.append(self._by_tag.get(tag, set()))
        if locale is not None:
            sets.append(self._by_locale.get(locale, set()))
        if not sets:
            return None
        smallest = min(sets, key=len)
        return smallest.intersection(*[s for s in sets if s is not smallest])

    def facet_counts(self, docs: set[int], facet: str) -> dict[str, int]:
        """Counts of ``"kind"`` or ``"tags"`` values over ``docs``, largest first.

        Kinds and small sets are counted document by document (in C: map + Counter); tags of large
        sets as bitmask intersections (one big-integer AND and popcount per tag)."""
        if facet == "kind":
            counts = Counter(map(self.kind_of.__getitem__, docs))
        elif len(docs) < FACET_MASK_MIN:
            counts = Counter(chain.from_iterable(map(self.tags_of.__getitem__, docs)))
        else:
            mask = int.from_bytes(bytes(map(docs.__contains__, range(len(self.cards)))), "little")
            masks = self._masks(facet)
            counts = Counter({value: n for value, m in masks.items() if (n := (mask & m).bit_count())})
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def _masks(self, facet: str) -> dict[str, int]:
        """Per facet value, an integer with byte ``d`` set to 1 for each of its documents."""
        cache = self.__dict__.setdefault("_facet_masks", {})
        if facet not in cache:
            size = len(self.cards)
            groups = self._by_tag if facet == "tags" else self._by_kind
            masks = {}
            for value, members in groups.items():
                flags = bytearray(size)
                for d in members:
                    flags[d] = 1
                masks[value] = int.from_bytes(flags, "little")
            cache[facet] = masks
        return cache[facet]
