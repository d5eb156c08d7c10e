"""A read-only Whoosh index whose compound segments are read in place, from their memory map.

Whoosh's ``CompoundStorage`` maps a compound segment (``<segment>.seg``) but hands out each file
inside it as a ``BufferFile``, which wraps the map's bytes in a ``BytesIO``: a copy. Every process
that opens the index so holds a private copy of the term index, posting blocks, stored fields and
columns (about half of a gunicorn worker's memory at 100,000 entries). Here each inner file is a
:class:`MappedFile`, a read-only view of the one map: its pages stay in the page cache, shared by
every process that maps the segment, and only what a read returns is copied.

:func:`open_mapped` opens a generation for reading only; writers keep Whoosh's own classes.
"""

from __future__ import annotations

import os
import time
from array import array

from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage, OverlayStorage, StorageError
from whoosh.filedb.structfile import _SIZEMAP, StructFile
from whoosh.index import _DEF_INDEX_NAME, FileIndex
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.system import IS_LITTLE


class MappedFile(StructFile):
    """A read-only file over ``view`` (a memoryview of a memory map): reads slice it, nothing is
    copied up front. Behaves as Whoosh's ``BufferFile`` (reads past the end return what is left)."""

    def __init__(self, view: memoryview, name: str | None = None, onclose=None):
        self._view = view
        self._length = len(view)
        self._pos = 0
        self._name = name
        self.onclose = onclose
        self.file = self  # StructFile's read_pickle() and raw_file() go through ``file``
        self.is_real = False
        self.is_closed = False

    def __iter__(self):
        while line := self.readline():
            yield line

    def read(self, size: int | None = -1) -> bytes:
        pos = self._pos
        end = self._length if size is None or size < 0 else min(self._length, pos + size)
        if end <= pos:
            return b""
        self._pos = end
        return self._view[pos:end].tobytes()

    def readline(self, size: int | None = -1) -> bytes:
        pos = self._pos
        end = self._length if size is None or size < 0 else min(self._length, pos + size)
        rest = self._view[pos:end].tobytes()
        cut = rest.find(b"\n")
        line = rest if cut < 0 else rest[: cut + 1]
        self._pos = pos + len(line)
        return line

    def seek(self, where: int, whence: int = 0) -> int:
        if whence == os.SEEK_SET:
            pos = where
        elif whence == os.SEEK_CUR:
            pos = self._pos + where
        elif whence == os.SEEK_END:
            pos = self._length + where
        else:
            raise ValueError(f"invalid whence {whence!r}")
        if pos < 0:
            raise ValueError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def write(self, *args, **kwargs):
        raise StorageError(f"{self._name}: a memory-mapped segment file is read-only")

    def truncate(self, *args, **kwargs):
        raise StorageError(f"{self._name}: a memory-mapped segment file is read-only")

    def close(self) -> None:
        if self.is_closed:
            raise Exception("This file is already closed")  # as StructFile.close
        if self.onclose:
            self.onclose(self)
        self.is_closed = True

    def subset(self, position: int, length: int, name: str | None = None) -> MappedFile:
        return MappedFile(self._view[position : position + length], name=name or self._name)

    def get(self, position: int, length: int) -> bytes:
        return self._view[position : position + length].tobytes()

    def get_array(self, position: int, typecode: str, length: int) -> array:
        values = array(typecode)
        values.frombytes(self._view[position : position + length * _SIZEMAP[typecode]])
        if IS_LITTLE:
            values.byteswap()
        return values

    def read_array(self, typecode: str, length: int) -> array:
        values = self.get_array(self._pos, typecode, length)
        self._pos += len(values) * values.itemsize
        return values


class MappedCompoundStorage(CompoundStorage):
    """Whoosh's compound storage, handing out :class:`MappedFile` views of its map instead of copies
    (when the segment could not be mapped, Whoosh's sub-files over the open file, as before)."""

    def open_file(self, name, *args, **kwargs):
        if self._source is None:
            return super().open_file(name, *args, **kwargs)
        if self.is_closed:
            raise StorageError("Storage was closed")
        offset, length = self.range(name)
        return MappedFile(memoryview(self._source)[offset : offset + length], name=name)


class MappedSegmentReader(SegmentReader):
    """Whoosh's segment reader (its ``__init__`` as of whoosh-reloaded 2.7.5), opening a compound
    segment with :class:`MappedCompoundStorage`."""

    def __init__(self, storage, schema, segment, generation=None, codec=None):
        self.schema = schema
        self.is_closed = False
        self._segment = segment
        self._segid = segment.segment_id()
        self._gen = generation
        if segment.is_compound():
            dbfile = storage.open_file(segment.make_filename(segment.COMPOUND_EXT))
            files = MappedCompoundStorage(dbfile, use_mmap=storage.supports_mmap)
            self._storage = OverlayStorage(files, storage)  # as Whoosh: a file may be added later
        else:
            self._storage = storage
        self._codec = codec if codec else segment.codec()
        self._terms = self._codec.terms_reader(self._storage, segment)
        self._perdoc = self._codec.per_document_reader(self._storage, segment)


class MappedIndex(FileIndex):
    """A Whoosh file index whose readers map compound segments in place (reading only)."""

    def reader(self, reuse=None):
        if reuse is not None:  # Searcher.refresh(): not used by kb, left to Whoosh
            return super().reader(reuse)
        for attempt in range(10):  # as Whoosh: a writer may delete a file while the TOC is read
            try:
                info = self._read_toc()
                return _reader(self.storage, info.schema, info.segments, info.generation)
            except OSError:
                if attempt == 9:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")


def _reader(storage, schema, segments, generation):
    if not segments:
        return EmptyReader(schema)
    readers = [MappedSegmentReader(storage, schema, segment, generation=generation) for segment in segments]
    return readers[0] if len(readers) == 1 else MultiReader(readers, generation=generation)


def open_mapped(dirname: str, schema) -> MappedIndex:
    """The index in ``dirname``, for reading, its compound segments mapped and shared (not copied);
    ``schema``: the field set to read it with (as ``whoosh.index.open_dir``)."""
    return MappedIndex(FileStorage(dirname, readonly=True), schema=schema, indexname=_DEF_INDEX_NAME)
