"""Bulk reads from a Whoosh reader: whole posting lists, field lengths, per-document cards.

Whoosh's matcher tree scores one posting at a time (about 5-7 us each), which is too slow for
common words at 20k documents. These helpers decode whole posting blocks instead and hand plain
arrays to :mod:`kb.search.whoosh.scoring`. They use private attributes of Whoosh's W3 codec (the
release :mod:`kb.search.whoosh.lowlevel` checks at import); a term with a single posting is inlined
in its term info and read through Whoosh's public matcher API.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate, repeat
from operator import add
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.util.numeric import byte_to_length

from kb.search.whoosh.lowlevel.flat_postings import FlatPostings

_BYTE_TO_LENGTH = [byte_to_length(i) for i in range(256)]


def _leaves(reader):
    return reader.leaf_readers()


def read_postings(
    reader, field: str, text: str, flat: Mapping[str, FlatPostings] | None = None
) -> tuple[array, array]:
    """(docnums, weights) of a term across all segments, deleted documents excluded, sorted.
    A segment with a flat postings file (:mod:`kb.search.whoosh.lowlevel.flat_postings`) is read
    from it instead of decoded."""
    ids = array("i")
    weights = array("f")
    for leaf, offset in _leaves(reader):
        file = flat.get(_segment_id(leaf)) if flat else None
        if file is not None:
            found = file.postings(field, text)
            if found is not None:
                deleted = leaf.deleted_docs_set if leaf.has_deletions() else None  # a cached property
                _extend(ids, weights, *found, offset, deleted)
            continue
        opened = _open_postings(leaf, field, text)
        if opened is None:
            continue
        matcher, deleted = opened
        if isinstance(matcher, W3LeafMatcher):
            _read_blocks(matcher, offset, deleted, ids, weights)
        else:  # a single posting, inlined in the term info (a ListMatcher)
            while matcher.is_active():
                docnum = matcher.id()
                if not deleted or docnum not in deleted:
                    ids.append(docnum + offset)
                    weights.append(matcher.weight())
                matcher.next()
    return ids, weights


def _open_postings(leaf, field: str, text: str) -> tuple[Any, Any] | None:
    """(matcher, deleted docnums or None) of a term in one segment, None when the segment lacks it;
    Whoosh wraps a segment with deletions in a FilterMatcher, unwrapped here."""
    try:
        matcher = leaf.postings(field, text)
    except TermNotFound:
        return None
    if isinstance(matcher, FilterMatcher):
        return matcher.child, matcher._ids
    return matcher, None


def _extend(ids: array, weights: array, more_ids: array, more_weights: array, offset: int, deleted) -> None:
    """ids += more_ids + offset and weights += more_weights, leaving out ``deleted`` docnums."""
    if deleted:
        gone = [
            i for d in sorted(deleted) if (i := bisect_left(more_ids, d)) < len(more_ids) and more_ids[i] == d
        ]
        for i in reversed(gone):  # few deletions: cut them out of the arrays
            del more_ids[i]
            del more_weights[i]
    ids.extend(map(add, more_ids, repeat(offset)) if offset else more_ids)
    weights.extend(more_weights)


def _segment_id(leaf) -> str | None:
    """The id of a segment reader's segment (None for the empty reader of an index without segments)."""
    return leaf._segment.segment_id() if isinstance(leaf, SegmentReader) else None


def _block_ids(matcher) -> Iterable[int]:
    """The docnums of the matcher's current block (Whoosh's delta_decode, in C)."""
    if matcher._data is None:
        matcher._read_data()
    return accumulate(matcher._data[0])


def _block_weights(matcher) -> Sequence[float]:
    """The weights of the current block (Whoosh's _read_weights without its per-posting loop)."""
    weights = matcher._data[1]
    if weights is None:
        return array("f", [1.0]) * matcher._blocklength
    if isinstance(weights, float):
        return array("f", [weights]) * matcher._blocklength
    return weights


def _read_blocks(matcher, offset: int, deleted, ids: array, weights: array) -> None:
    while matcher.is_active():
        block_ids = _block_ids(matcher)
        block_weights = _block_weights(matcher)
        if deleted:
            kept = [(d, w) for d, w in zip(block_ids, block_weights, strict=True) if d not in deleted]
            block_ids = [d for d, _ in kept]
            block_weights = [w for _, w in kept]
        if offset:
            block_ids = map(add, block_ids, repeat(offset))
        ids.extend(block_ids)
        weights.extend(block_weights)
        matcher._next_block()


def read_positions(reader, field: str, text: str) -> tuple[array, list[bytes]]:
    """(docnums, encoded positions) of a term in a positional field, deleted documents excluded."""
    ids = array("i")
    values: list[bytes] = []
    for leaf, offset in _leaves(reader):
        opened = _open_postings(leaf, field, text)
        if opened is None:
            continue
        matcher, deleted = opened
        blocks = isinstance(matcher, W3LeafMatcher)
        while matcher.is_active():
            if blocks:
                block_ids = _block_ids(matcher)
                matcher._read_values()
                block = zip(block_ids, matcher._values, strict=True)
                next_block = matcher._next_block
            else:
                block = iter([(matcher.id(), matcher.value())])
                next_block = matcher.next
            for docnum, value in block:
                if not deleted or docnum not in deleted:
                    ids.append(docnum + offset)
                    values.append(value)
            next_block()
    return ids, values


def field_lengths(reader, field: str) -> list[int]:
    """Length (in terms) of ``field`` for every docnum of the reader."""
    out: list[int] = []
    for leaf, _offset in _leaves(reader):
        if not isinstance(leaf, SegmentReader):  # the empty reader of an index without segments
            continue
        count = leaf.doc_count_all()
        column = leaf._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
        if column is None:  # no document of the segment has this field
            out.extend(repeat(0, count))
            continue
        # One byte per document, as Whoosh stores it; the column stops after the last document whose
        # length is not the default (0), so the rest are 0.
        stored = min(count, column._count)
        raw = column._dbfile.get(column._basepos, stored) if stored else b""
        table = _BYTE_TO_LENGTH
        out.extend(table[b] for b in raw)
        out.extend(repeat(0, count - stored))
    return out


def field_length_bytes(reader, field: str) -> bytes:
    """The length of ``field`` for every docnum of the reader as Whoosh stores it, one byte a document
    (its length is ``LENGTH_OF_BYTE[byte]``)."""
    out = bytearray()
    for leaf, _offset in _leaves(reader):
        if not isinstance(leaf, SegmentReader):  # the empty reader of an index without segments
            continue
        count = leaf.doc_count_all()
        column = leaf._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
        stored = 0 if column is None else min(count, column._count)
        if stored:
            out += column._dbfile.get(column._basepos, stored)
        out += bytes(count - stored)  # the column stops after the last document of a length not 0
    return bytes(out)


LENGTH_OF_BYTE: tuple[int, ...] = tuple(_BYTE_TO_LENGTH)


def column_values(reader, field: str) -> list[bytes | None]:
    """Raw column value of every docnum (None for deleted documents)."""
    out: list[bytes | None] = []
    for leaf, _offset in _leaves(reader):
        values = list(leaf.column_reader(field)) if leaf.has_column(field) else [b""] * leaf.doc_count_all()
        if leaf.has_deletions():
            values = [None if leaf.is_deleted(i) else v for i, v in enumerate(values)]
        out.extend(values)
    return out


def segments(reader) -> list[tuple[Any, int, str, frozenset[int]]]:
    """(segment reader, first docnum, segment id, deleted docnums within the segment) of each segment
    of a reader (none for the empty reader of an index without segments)."""
    found = []
    for leaf, offset in _leaves(reader):
        segment_id = _segment_id(leaf)
        if segment_id is not None:
            deleted = frozenset(leaf.deleted_docs_set) if leaf.has_deletions() else frozenset()
            found.append((leaf, offset, segment_id, deleted))
    return found
