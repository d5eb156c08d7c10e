"""Raw posting arrays beside the segment a rebuild writes, so reads skip Whoosh's block decoding.

A rebuild writes, next to its segment, ``<segment id>.kbpost``: every term's docnums (int32) and
weights (float32) as plain machine arrays, then the term index (the sorted ``field NUL text`` keys
as one UTF-8 blob and the arrays of their ends, offsets and counts), a small pickled header of where
those are, and a trailer. The term index too is read in place from the map: a lookup bisects it.
Whoosh names it like one of the segment's own files, so Whoosh deletes it with the segment when a
merge retires it. A segment never changes after it is written (deletions are kept apart), so the
file stays valid across commits: readers in every process memory-map it once and share its pages,
and the postings of the rebuilt segment cost a copy instead of unpickling, whatever was committed
since. Segments without one (incremental commits, merges) are decoded by Whoosh as before.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import struct
import threading
import weakref
from array import array
from bisect import bisect_left
from pathlib import Path
from sys import byteorder

from whoosh.reading import SegmentReader

from kb.search.whoosh.lowlevel.array_file import Strings, string_arrays

EXT = ".kbpost"
MAGIC = b"KBP2" + (b"L" if byteorder == "little" else b"B")
_TRAILER = struct.Struct("<Q")  # offset of the pickled header


def path_for(folder: str | os.PathLike, segment_id: str) -> Path:
    return Path(folder) / f"{segment_id}{EXT}"


class FlatPostingsWriter:
    """Writes a flat postings file under a hidden temporary name (which Whoosh neither packs into a compound
    segment nor cleans up); :meth:`publish` gives it its real name once the segment is committed."""

    def __init__(self, path: Path):
        self.path = path
        self._tmp = path.with_name(f".{path.name}.tmp")
        self._fh = open(self._tmp, "wb")  # noqa: SIM115 - closed by finish() or discard()
        self._fh.write(MAGIC)
        self._offset = len(MAGIC)
        self._index: dict[tuple[str, str], tuple[int, int]] = {}

    def add(self, field: str, text: str, ids: array, weights: array) -> None:
        """One term's docnums (4-byte unsigned) and weights (float32), in docnum order."""
        count = len(ids)
        self._index[(field, text)] = (self._offset, count)
        self._fh.write(ids.tobytes())
        self._fh.write(weights.tobytes())
        self._offset += 8 * count

    def finish(self) -> None:
        entries = sorted((f"{field}\0{text}", where) for (field, text), where in self._index.items())
        keys = string_arrays("keys", (key for key, _ in entries))
        columns = {
            "keys.blob": keys["keys.blob"],
            "keys.ends": keys["keys.offsets"],
            "offsets": array("q", [where[0] for _, where in entries]),
            "counts": array("q", [where[1] for _, where in entries]),
        }
        header: dict[str, tuple[str, int, int]] = {}
        for name, values in columns.items():
            pad = -self._offset % 8
            self._fh.write(b"\0" * pad)
            self._offset += pad
            header[name] = (values.typecode, self._offset, len(values))
            self._fh.write(values.tobytes())
            self._offset += len(values) * values.itemsize
        self._fh.write(pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL))
        self._fh.write(_TRAILER.pack(self._offset))
        self._fh.close()

    def publish(self) -> None:
        os.replace(self._tmp, self.path)

    def discard(self) -> None:
        self._fh.close()
        with contextlib.suppress(OSError):
            self._tmp.unlink()


class FlatPostings:
    """One memory-mapped flat postings file, its term index read in place (nothing per term is held
    in the process: the keys are decoded as a bisection reads them)."""

    def __init__(self, path: Path):
        with open(path, "rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[: len(MAGIC)] != MAGIC:
            self._map.close()
            raise ValueError(f"{path.name}: not a flat postings file of this machine's byte order")
        (start,) = _TRAILER.unpack(self._map[-_TRAILER.size :])
        header: dict[str, tuple[str, int, int]] = pickle.loads(self._map[start : -_TRAILER.size])
        view = memoryview(self._map)

        def column(name: str) -> memoryview:
            typecode, offset, length = header[name]
            return view[offset : offset + length * array(typecode).itemsize].cast(typecode)

        self._keys = Strings(column("keys.blob"), column("keys.ends"))
        self._offsets = column("offsets")
        self._counts = column("counts")

    def postings(self, field: str, text: str) -> tuple[array, array] | None:
        """(docnums, weights) of a term, or None when the segment does not hold it."""
        key = f"{field}\0{text}"
        i = bisect_left(self._keys, key)
        if i == len(self._keys) or self._keys[i] != key:
            return None
        offset, count = self._offsets[i], self._counts[i]
        view = memoryview(self._map)
        ids, weights = array("i"), array("f")
        ids.frombytes(view[offset : offset + 4 * count])
        weights.frombytes(view[offset + 4 * count : offset + 8 * count])
        view.release()
        return ids, weights


class OpenFlatPostings:
    """The flat postings files open in this process, by path, held as long as some index snapshot uses
    them (weakly referenced here, so a retired segment's file is unmapped with its last snapshot)."""

    def __init__(self) -> None:
        self._open: weakref.WeakValueDictionary[Path, FlatPostings] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()

    def get(self, path: Path) -> FlatPostings | None:
        """The file at ``path``, or None when it is absent or unusable (Whoosh decodes instead)."""
        with self._lock:
            found = self._open.get(path)
            if found is None and path.exists():
                try:
                    found = self._open[path] = FlatPostings(path)
                except (OSError, ValueError, pickle.UnpicklingError, struct.error, EOFError):
                    return None
            return found


OPEN = OpenFlatPostings()


def for_reader(reader, folder: Path) -> dict[str, FlatPostings]:
    """The flat postings files of a Whoosh reader's segments (an index in ``folder``), by segment id."""
    found = {}
    for leaf, _offset in reader.leaf_readers():
        if isinstance(leaf, SegmentReader):  # not the empty reader of an index without segments
            segment_id = leaf._segment.segment_id()
            file = OPEN.get(path_for(folder, segment_id))
            if file is not None:
                found[segment_id] = file
    return found
