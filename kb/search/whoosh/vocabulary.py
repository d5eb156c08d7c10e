"""The index's unstemmed vocabulary: typo candidates, "did you mean" and word completion.

Whoosh fields hold stems ("infect"), but typos must be measured against real words ("infection")
and a suggestion must be a word a user could type. Writers therefore keep a small ``VOCAB`` file in
the generation directory with every word and an approximate document count (counts only grow between
rebuilds; they are used for ranking candidates, not for results).

Typo rule: :mod:`kb.search.common.spelling` (as Meilisearch: 1 edit from 5 letters, 2 from 9, first
letter fixed). Candidates are found by bucket (first character,
length) with a character-set filter (each edit changes at most two characters of the set) before
an exact optimal-string-alignment distance, so no large deletion index is kept in memory.
"""

from __future__ import annotations

import os
import secrets
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from kb.search.common.spelling import keep_word, max_edits, osa_distance
from kb.search.common.text import words


def document_words(texts: Iterable[str]) -> set[str]:
    """The distinct folded words of one document's texts (unfiltered: see :func:`keep_word`)."""
    return set(words("\n".join(texts)))


def _mask(word: str) -> int:
    mask = 0
    for ch in word:
        mask |= 1 << (ord(ch) % 63)
    return mask


class Vocabulary:
    """Words with approximate document counts, plus lookup structures built on demand."""

    def __init__(self, counts: dict[str, int] | None = None):
        self.counts: dict[str, int] = dict(counts or {})
        self._sorted: list[str] | None = None
        self._buckets: dict[tuple[str, int], list[tuple[int, str]]] | None = None

    def __len__(self) -> int:
        return len(self.counts)

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def merge(self, counts: Counter | dict[str, int]) -> None:
        """Add document counts (words that fail :func:`keep_word` are skipped)."""
        mine = self.counts
        for word, count in counts.items():
            if keep_word(word):
                mine[word] = mine.get(word, 0) + count
        self._sorted = self._buckets = None

    # persistence ---------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        """Read a VOCAB file; a missing or damaged file gives an empty vocabulary."""
        counts: dict[str, int] = {}
        try:
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    word, _, count = line.rstrip("\n").partition("\t")
                    if word:
                        counts[word] = int(count) if count.isdigit() else 1
        except (OSError, UnicodeDecodeError):
            return cls()
        return cls(counts)

    def save(self, path: Path) -> None:
        """Write atomically (temp file + os.replace)."""
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.writelines(f"{w}\t{c}\n" for w, c in sorted(self.counts.items()))
        os.replace(tmp, path)

    # lookups -------------------------------------------------------------

    def has_prefix(self, prefix: str) -> bool:
        """True if some word starts with ``prefix``."""
        ordered = self._ordered()
        i = bisect_left(ordered, prefix)
        return i < len(ordered) and ordered[i].startswith(prefix)

    def candidates(self, word: str, max_dist: int | None = None) -> list[tuple[str, int]]:
        """Words within the allowed edits of ``word`` (same first letter), as (word, distance),
        closest and most frequent first; ``word`` itself is not included."""
        limit = max_edits(word) if max_dist is None else max_dist
        if limit <= 0 or not word:
            return []
        buckets = self._bucket_index()
        qmask, first, size = _mask(word), word[0], len(word)
        found = []
        for length in range(size - limit, size + limit + 1):
            for mask, other in buckets.get((first, length), ()):
                if (mask ^ qmask).bit_count() <= 2 * limit and other != word:
                    dist = osa_distance(word, other, limit)
                    if dist <= limit:
                        found.append((other, dist))
        counts = self.counts
        found.sort(key=lambda item: (item[1], -counts[item[0]], item[0]))
        return found

    def correct(self, word: str, accept: Callable[[str], bool] | None = None) -> str | None:
        """The best replacement for an unknown word, or None. Counts only grow between rebuilds, so a
        word may no longer be in any document: ``accept`` says whether it still is (the first
        candidate it accepts wins), so a suggestion never names a word of unpublished content."""
        if word in self.counts:
            return None
        return next((other for other, _ in self.candidates(word) if accept is None or accept(other)), None)

    def _ordered(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.counts)
        return self._sorted

    def _bucket_index(self) -> dict[tuple[str, int], list[tuple[int, str]]]:
        if self._buckets is None:
            buckets: dict[tuple[str, int], list[tuple[int, str]]] = {}
            for word in self.counts:
                if len(word) >= 3:
                    buckets.setdefault((word[0], len(word)), []).append((_mask(word), word))
            self._buckets = buckets
        return self._buckets
