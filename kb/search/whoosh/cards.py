"""Per-document cards of one index state, and the card file a rebuild writes beside its segment.

A card (:func:`kb.search.whoosh.fields.pack_card`) is what hits, filters, facets and suggestions read
of a document without its stored fields. A rebuild writes, next to its segment,
``<segment id>.kbcard`` (:mod:`kb.search.whoosh.lowlevel.array_file`): every packed card in one blob,
each repeated value (kind, locale, tags, language, action, type, procedures) as an int32 code into a
small table, and the title suggester's arrays (:class:`kb.search.whoosh.titles.TitleArrays`). Like the
flat postings file it is named as one of the segment's files (Whoosh deletes it with the segment) and
never changes; every worker maps it and reads it in place, so a card is decoded only when a hit or a
suggestion shows it. Segments without one (incremental commits, merges) are read from the ``card``
column into memory, as they are small.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import compress, repeat
from operator import add
from pathlib import Path

from kb.search.whoosh.fields import CardValues, unpack_card
from kb.search.whoosh.lowlevel import array_file
from kb.search.whoosh.lowlevel.postings import segments
from kb.search.whoosh.titles import Card, TitleArrays, TitlePart, TitleSuggester, title_arrays, title_words

EXT = ".kbcard"
# The repeated values of a card: its position in CardValues, by name; MANY: those holding several
# values (tags, procedures), kept as the codes of each value rather than a code per combination.
COLUMNS = {"kind": 2, "locale": 3, "language": 6, "action": 7, "type": 8}
MANY = {"tags": 4, "procedures": 9}
_TITLE_ARRAYS = ("docs", "starts", "inner_ranks", "inner_starts", "counts")


def path_for(folder: str | Path, segment_id: str) -> Path:
    return Path(folder) / f"{segment_id}{EXT}"


def write_card_files(ix, folder: Path) -> None:
    """Write the card file of each segment of ``ix`` (a rebuild's index, just committed, no deletions)."""
    reader = ix.reader()
    try:
        for leaf, _offset, segment_id, deleted in segments(reader):
            if deleted or not leaf.has_column("card"):
                continue
            raws = list(leaf.column_reader("card"))
            if all(raws):
                arrays, meta = _file_arrays(raws)
                array_file.write(path_for(folder, segment_id), arrays, meta)
    finally:
        reader.close()


def _file_arrays(raws: list[bytes]) -> tuple[dict[str, array], dict]:
    cards = [unpack_card(raw) for raw in raws]
    arrays: dict[str, array] = {"cards.offsets": array("q", [0])}
    blob = bytearray()
    for raw in raws:
        blob += raw
        arrays["cards.offsets"].append(len(blob))
    arrays["cards.blob"] = array("B", blob)
    tables: dict[str, list] = {}
    for name, position in COLUMNS.items():
        codes: dict = {}
        arrays[f"code.{name}"] = array("i", (codes.setdefault(c[position], len(codes)) for c in cards))
        tables[name] = list(codes)
    for name, position in MANY.items():
        codes = {}
        many = _many_arrays((codes.setdefault(v, len(codes)) for v in c[position]) for c in cards)
        arrays |= {f"many.{name}.{part}": values for part, values in many.items()}
        tables[name] = list(codes)
    titles = title_arrays([(c[0], c[1]) for c in cards])
    for name in _TITLE_ARRAYS:
        arrays[f"titles.{name}"] = array("i", getattr(titles, name))
    arrays |= array_file.string_arrays("titles.norms", titles.norms)
    arrays |= array_file.string_arrays("titles.words", titles.words)
    return arrays, {"tables": tables}


def _many_arrays(rows: Iterable[Iterable[int]], first_doc: int = 0) -> dict[str, array]:
    """The value codes of each document in one array (``values``), where each document's end
    (``ends``) and whose each value is (``owners``)."""
    values, ends, owners = array("i"), array("q", [0]), array("i")
    for doc, row in enumerate(rows, first_doc):
        values.extend(row)
        owners.extend(repeat(doc, len(values) - ends[-1]))
        ends.append(len(values))
    return {"values": values, "ends": ends, "owners": owners}


class Many:
    """A many-valued card column (tags, procedures): per document, codes into ``table``."""

    def __init__(self, values: Sequence[int], ends: Sequence[int], owners: Sequence[int], table: list):
        self.values, self.ends, self.owners, self.table = values, ends, owners, table

    def codes_of(self, d: int) -> Sequence[int]:
        return self.values[self.ends[d] : self.ends[d + 1]]

    def __getitem__(self, d: int) -> tuple[str, ...]:
        return tuple(map(self.table.__getitem__, self.codes_of(d)))

    def docs_with(self, value: str) -> set[int]:
        """The documents (deleted ones too) holding ``value``."""
        codes = [c for c, v in enumerate(self.table) if v == value]
        if not codes:
            return set()
        return set(compress(self.owners, map(codes[0].__eq__, self.values)))

    def groups(self) -> dict[str, list[int]]:
        """Per value, the documents (deleted ones too) holding it."""
        by_code: dict[int, list[int]] = {}
        for code, doc in zip(self.values, self.owners, strict=True):
            by_code.setdefault(code, []).append(doc)
        return {self.table[c]: docs for c, docs in by_code.items()}


class _Column(Sequence):
    """A card column's values by docnum: its table at each document's code."""

    def __init__(self, codes: Sequence[int], table: list):
        self.codes, self.table = codes, table

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, d):  # type: ignore[override]
        return self.table[self.codes[d]]


class _Segment:
    """One segment's cards: from its card file (mapped), else its column's packed cards (in memory)."""

    def __init__(self, leaf, offset: int, segment_id: str, deleted: frozenset[int], folder: Path):
        self.offset, self.count = offset, leaf.doc_count_all()
        self.deleted = frozenset(offset + d for d in deleted)
        self.file: array_file.ArrayFile | None = None
        self.raws: list[bytes] = []
        path = path_for(folder, segment_id)
        if path.exists():
            try:
                self.file = array_file.ArrayFile(path)
            except (OSError, ValueError, EOFError, KeyError):
                self.file = None
        if self.file is None:
            self.raws = list(leaf.column_reader("card")) if leaf.has_column("card") else [b""] * self.count
            self.blob: memoryview | None = None
        else:
            self.blob, self.offsets = self.file.view("cards.blob"), self.file.view("cards.offsets")

    def raw(self, i: int) -> bytes:
        if self.blob is None:
            return self.raws[i]
        return bytes(self.blob[self.offsets[i] : self.offsets[i + 1]])


class Cards:
    """The cards of every docnum of a Whoosh reader (``folder``: the index's directory).

    ``cards[d]`` unpacks one (None: deleted); :meth:`column` gives a repeated value by docnum (codes
    and tables, shared from the card file when the rebuilt segment is all there is); :attr:`live`:
    the docnums not deleted."""

    def __init__(self, reader, folder: Path):
        self._segments = [_Segment(*found, folder) for found in segments(reader)]
        self._starts = [s.offset for s in self._segments]
        self.size = sum(s.count for s in self._segments)
        self.deleted = frozenset().union(*(s.deleted for s in self._segments))
        self.live: Sequence[int] = (
            [d for d in range(self.size) if d not in self.deleted] if self.deleted else range(self.size)
        )
        self.codes: dict[str, Sequence[int]] = {}
        self.tables: dict[str, list] = {}
        self.many: dict[str, Many] = {}
        files = [s.file for s in self._segments if s.file is not None]
        if len(self._segments) == 1 and files:
            f = files[0]
            for name in COLUMNS:
                self.codes[name] = f.view(f"code.{name}")
                self.tables[name] = f.meta["tables"][name]  # type: ignore[index]
            for name in MANY:
                parts = (f.view(f"many.{name}.{part}") for part in ("values", "ends", "owners"))
                self.many[name] = Many(*parts, f.meta["tables"][name])  # type: ignore[index]
        else:
            self._merge_codes()

    def _merge_codes(self) -> None:
        """The codes of several segments, into one table per column (an array of 4 bytes a document)."""
        for name, position in COLUMNS.items():
            index: dict = {}
            codes = array("i")
            for segment in self._segments:
                if segment.file is not None:
                    table = segment.file.meta["tables"][name]  # type: ignore[index]
                    remap = [index.setdefault(value, len(index)) for value in table]
                    codes.extend(map(remap.__getitem__, segment.file.view(f"code.{name}")))
                else:
                    for raw in segment.raws:
                        value = unpack_card(raw)[position] if raw else None
                        codes.append(index.setdefault(value, len(index)))
            self.codes[name], self.tables[name] = codes, list(index)
        for name, position in MANY.items():  # each segment's values, ends and owners, in C
            index = {}
            values, ends, owners = array("i"), array("q", [0]), array("i")
            for segment in self._segments:
                if segment.file is not None:
                    table = segment.file.meta["tables"][name]  # type: ignore[index]
                    remap = [index.setdefault(value, len(index)) for value in table]
                    base = len(values)
                    view = segment.file.view
                    values.extend(map(remap.__getitem__, view(f"many.{name}.values")))
                    ends.extend(map(add, view(f"many.{name}.ends")[1:], repeat(base)))
                    owners.extend(map(add, view(f"many.{name}.owners"), repeat(segment.offset)))
                else:
                    for i, raw in enumerate(segment.raws):
                        found = unpack_card(raw)[position] if raw else ()
                        values.extend([index.setdefault(v, len(index)) for v in found])
                        owners.extend(repeat(segment.offset + i, len(found)))
                        ends.append(len(values))
            self.many[name] = Many(values, ends, owners, list(index))

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, d: int) -> CardValues | None:
        if d in self.deleted or not 0 <= d < self.size:
            return None
        segment = self._segments[bisect_right(self._starts, d) - 1]
        raw = segment.raw(d - segment.offset)
        return unpack_card(raw) if raw else None

    def column(self, name: str) -> _Column:
        return _Column(self.codes[name], self.tables[name])

    def card(self, d: int) -> Card:
        """What the suggester shows of document ``d``."""
        c = self[d]
        assert c is not None, d
        return Card(title=c[0], slug=c[1], kind=c[2], locale=c[3], type=c[8], procedures=c[9])

    def suggester(self) -> TitleSuggester:
        """The title suggester over the live documents: the card files' arrays, mapped, and one part
        built in memory for the documents of the other segments."""
        locales, procedures = self.column("locale"), self.many["procedures"]
        parts: list[TitlePart] = []
        others: list[int] = []
        for segment in self._segments:
            if segment.file is None:
                others.extend(d for d in range(segment.offset, segment.offset + segment.count) if self[d])
                continue
            f = segment.file
            arrays = TitleArrays(
                docs=f.view("titles.docs"),
                norms=f.strings("titles.norms"),
                starts=f.view("titles.starts"),
                inner_ranks=f.view("titles.inner_ranks"),
                inner_starts=f.view("titles.inner_starts"),
                words=f.strings("titles.words"),
                counts=f.view("titles.counts"),
            )
            delta: Counter[str] = Counter()
            for d in segment.deleted:
                delta.subtract(title_words(unpack_card(segment.raw(d - segment.offset))[0]))
            parts.append(
                TitlePart(
                    arrays, self.card, locales, procedures, segment.deleted, dict(delta), segment.offset
                )
            )
        if others or not parts:
            cards = [self[d] for d in others]
            arrays = title_arrays([(c[0], c[1]) for c in cards], others)  # type: ignore[index]
            parts.append(TitlePart(arrays, self.card, locales, procedures))
        return TitleSuggester.of_parts(parts)
