"""Whoosh writers as this backend uses them: a fast rebuild writer and a lock-aware update writer.

:class:`RebuildWriter` writes what Whoosh's own writer writes (the W3 codec's terms, posting blocks,
per-document lengths, stored fields and columns; tests/search/test_rebuild_writer.py compares them),
so every Whoosh reader, query and later incremental writer works on it unchanged; only the way there
differs. Whoosh analyses each field through token objects, pools one tuple per posting, sorts them and
encodes each posting with type checks, about 6 us per posting in pure Python. Here each field is
analysed into plain lists, a term's postings are appended to one array as documents arrive (in
docnum order, so they need no sorting), and at commit each term goes to Whoosh's block encoder a
block at a time. Equal position values share one bytes object, which pickle writes once per block.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Callable
from itertools import chain
from operator import sub
from sys import byteorder

from whoosh.codec.whoosh3 import W3Codec, W3PostingsWriter
from whoosh.formats import Existence, Frequency, Positions
from whoosh.writing import SegmentWriter

from kb.search.common.text import words
from kb.search.whoosh.analysis import StemAnalyzer
from kb.search.whoosh.lowlevel import flat_postings

WordsCallback = Callable[[set[str]], None]


def codec() -> W3Codec:
    """Whoosh's codec tuned for how this backend reads: posting blocks of 512 (not 128) and not
    zlib-compressed, so whole posting lists decode a third faster (the index is twice as big);
    no block length statistics, which cost 40% of a commit and only serve Whoosh's own matchers."""
    w3 = W3Codec(blocklimit=512, compression=0)
    w3.length_stats = False
    return w3


def update_writer(ix, timeout: float):
    """A writer for incremental updates; waits up to ``timeout`` s for Whoosh's lock (LockError)."""
    return ix.writer(timeout=timeout, delay=0.05, codec=codec())


def rebuild_writer(ix, on_words: WordsCallback | None = None) -> RebuildWriter:
    """A writer for a fresh index; ``on_words`` receives each document's distinct folded words."""
    return RebuildWriter(ix, on_words=on_words, codec=codec())


class _Field:
    """The postings of one field so far: per term, docnum and frequency pairs in one array, and for
    positional fields the encoded positions (Whoosh's value bytes) in a list."""

    __slots__ = ("pairs", "values")

    def __init__(self) -> None:
        self.pairs: defaultdict[str, array] = defaultdict(lambda: array("I"))
        self.values: defaultdict[str, list[bytes]] = defaultdict(list)


class RebuildWriter(SegmentWriter):
    """Whoosh's segment writer with a bulk path for the index's fields: TEXT fields analysed by
    :class:`StemAnalyzer` (Frequency or Positions format) and single-term ID fields. Other fields
    are refused. Everything is held in memory until commit (about 12 bytes a posting, plus the
    positions of positional fields): meant for a maintenance rebuild, not for a web worker."""

    def __init__(self, ix, *, on_words: WordsCallback | None = None, **kwargs):
        super().__init__(ix, **kwargs)
        if self.codec.length_stats or self.codec._inlinelimit > 1:
            raise ValueError("RebuildWriter needs a W3 codec without length stats or inlined postings")
        self._on_words = on_words
        self._flat: flat_postings.FlatPostingsWriter | None = None
        self._posts: dict[str, _Field] = {}
        self._plans = {name: _plan(name, field) for name, field in self.schema.items()}

    def add_document(self, **fields) -> None:
        self._check_state()
        docnum = self.docnum
        perdoc = self.perdocwriter
        schema = self.schema
        seen: set[str] = set()
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                plan = self._plans[name]
                length = 0
                if plan is not None:
                    posts = self._posts.get(name) or self._posts.setdefault(name, _Field())
                    length = plan(posts, value, docnum, seen)
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        if self._on_words is not None:
            self._on_words(seen)
        self._added = True
        self.docnum += 1

    def update_document(self, **fields) -> None:
        raise NotImplementedError("RebuildWriter builds a new index: use add_document")

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        w3 = self.codec
        folder = getattr(self.storage, "folder", None)
        if folder is not None:
            path = flat_postings.path_for(folder, self.newsegment.segment_id())
            self._flat = flat_postings.FlatPostingsWriter(path)
        for name in sorted(self._posts):
            field = self.schema[name]
            fieldwriter.start_field(name, field)
            writer = _BulkPostingsWriter(
                fieldwriter._postfile,
                blocklimit=w3._blocklimit,
                compression=w3._compression,
                inlinelimit=w3._inlinelimit,
            )
            fieldwriter._postwriter = writer
            posts = self._posts[name]
            values = posts.values
            for btext, text in sorted((text.encode("utf-8"), text) for text in posts.pairs):
                fieldwriter.start_term(btext)
                pairs = posts.pairs[text]
                ids, freqs = pairs[::2], pairs[1::2]
                writer.add_all(ids, freqs, values.get(text), field.format)
                fieldwriter.finish_term()
                if self._flat is not None:
                    self._flat.add(name, text, ids, array("f", freqs))
            fieldwriter.finish_field()
            self._posts[name] = _Field()
        fieldwriter.close()
        if self._flat is not None:
            self._flat.finish()

    def commit(self, *args, **kwargs) -> None:
        """Commit the segment, then give its flat postings file (see
        :mod:`kb.search.whoosh.lowlevel.flat_postings`) its real name."""
        try:
            super().commit(*args, **kwargs)
        except BaseException:
            self._discard_flat()
            raise
        if self._flat is not None:
            self._flat.publish()

    def cancel(self) -> None:
        self._discard_flat()
        super().cancel()

    def _discard_flat(self) -> None:
        if self._flat is not None:
            self._flat.discard()
            self._flat = None

    def _close_segment(self) -> None:
        self._posts = {}
        super()._close_segment()


def _plan(name: str, field) -> Callable | None:
    """How to index one field: a function (postings, value, docnum, words seen) -> field length,
    or None for fields that are not indexed."""
    if not field.indexed:
        return None
    fmt, analyzer = field.format, getattr(field, "analyzer", None)
    if getattr(fmt, "field_boost", 1.0) != 1.0 or field.vector or field.separate_spelling():
        raise ValueError(f"RebuildWriter cannot index field {name!r} (boost, vectors or spelling)")
    if isinstance(analyzer, StemAnalyzer) and type(fmt) is Frequency:
        return _frequency_plan(analyzer)
    if isinstance(analyzer, StemAnalyzer) and type(fmt) is Positions:
        return _positions_plan(analyzer, fmt)
    if type(fmt) is Existence and not field.scorable:
        return _existence_plan(field)
    raise ValueError(f"RebuildWriter cannot index field {name!r} ({type(fmt).__name__})")


def _frequency_plan(analyzer: StemAnalyzer) -> Callable:
    stems: dict[str, str] = {}  # every indexed word met so far -> its stem
    dropped: set[str] = set()  # stop words and words of other lengths met so far

    def index(posts: _Field, value: str, docnum: int, seen: set[str]) -> int:
        counts = Counter(words(value))
        seen.update(counts)
        kept = set(counts).difference(dropped)  # set.difference(x) looks up each of ours in x
        for word in kept.difference(stems):  # each distinct word is classified once per rebuild
            if analyzer.keeps(word):
                stems[word] = analyzer.stem(word)
            else:
                dropped.add(word)
                kept.discard(word)
        found = list(map(stems.__getitem__, kept))
        freqs = dict(zip(found, map(counts.__getitem__, kept), strict=True))  # kept: same order
        if len(freqs) < len(kept):  # some words share a stem (bruise, bruises): add them up
            freqs = {}
            for text, word in zip(found, kept, strict=True):
                freqs[text] = freqs.get(text, 0) + counts[word]
        pairs = posts.pairs
        for text, freq in freqs.items():
            pairs[text].extend((docnum, freq))
        return sum(freqs.values())

    return index


def _positions_plan(analyzer: StemAnalyzer, fmt: Positions) -> Callable:
    encode = fmt.encode
    singles: dict[int, bytes] = {}  # the encoding of a lone position, which most postings have

    def index(posts: _Field, value: str, docnum: int, seen: set[str]) -> int:
        folded = words(value)
        seen.update(folded)
        stems = analyzer.stem_words(folded)
        positions: dict[str, list[int]] = {}
        for pos, text in enumerate(stems):
            found = positions.get(text)
            if found is None:
                positions[text] = [pos]
            else:
                found.append(pos)
        pairs, values = posts.pairs, posts.values
        for text, found in positions.items():
            pairs[text].extend((docnum, len(found)))
            if len(found) == 1:
                pos = found[0]
                value = singles.get(pos)
                if value is None:
                    value = singles[pos] = encode(found)
            else:
                value = encode(found)
            values[text].append(value)
        return len(stems)

    return index


def _existence_plan(field) -> Callable:
    def index(posts: _Field, value: str, docnum: int, seen: set[str]) -> int:
        for text in {t.text for t in field.analyzer(value, mode="index") if not t.stopped}:
            posts.pairs[text].extend((docnum, 1))
        return 0

    return index


class _BulkPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer fed a whole posting list at once: the same blocks, the same block
    encoding (Whoosh's own ``_write_block``), with its per-posting loops done in C."""

    def add_all(self, ids: array, freqs: array, values: list[bytes] | None, fmt) -> None:
        """Every posting of the current term: docnums (ascending), frequencies, encoded values."""
        count, limit = len(ids), self._blocklimit
        for start in range(0, count, limit):
            end = min(start + limit, count)
            self._ids = ids[start:end]
            self._weights = weights = array("f", freqs[start:end])
            self._maxweight = max(weights)
            if values is not None:
                self._values = values[start:end]
            elif type(fmt) is Frequency:
                self._values = _big_endian_uints(freqs[start:end])
            else:
                self._values = []
            if end < count:  # the last block stays buffered: finish_postings() writes it
                self._write_block()

    def _mini_ids(self) -> tuple[int, ...]:
        ids = self._ids
        return tuple(map(sub, ids, chain((0,), ids)))  # delta_encode(), in C

    def _mini_weights(self):
        weights = self._weights
        if weights.count(1.0) == len(weights):
            return None
        if weights.count(weights[0]) == len(weights):
            return weights[0]
        return tuple(weights)

    def _mini_values(self):
        if isinstance(self._values, bytes):  # Frequency: the block's values, already joined
            return self._values
        return super()._mini_values()


def _big_endian_uints(values: array) -> bytes:
    """``b"".join(pack_uint(v) for v in values)`` (Whoosh's "!I"), in C."""
    out = array("I", values)
    if byteorder == "little":
        out.byteswap()
    return out.tobytes()
