"""Named machine arrays in one file, memory-mapped and read in place (shared by every process).

A file holds a magic (with this machine's byte order), the arrays one after another (each aligned to
8 bytes), a pickled header (each array's typecode, offset and length, plus a small dict of ``meta``
values) and the header's offset. :class:`ArrayFile` maps it read-only and hands out ``memoryview``
casts of the map: indexing one reads the shared page, nothing is copied into the process.
:class:`Strings` is a sequence of texts kept as one UTF-8 blob and an offsets array.
"""

from __future__ import annotations

import mmap
import os
import pickle
import struct
from array import array
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from sys import byteorder

MAGIC = b"KBA1" + (b"L" if byteorder == "little" else b"B")
_TRAILER = struct.Struct("<Q")  # offset of the pickled header


def write(path: Path, arrays: Mapping[str, array], meta: Mapping[str, object]) -> None:
    """Write ``arrays`` and ``meta`` to ``path`` (under a hidden temporary name, then renamed)."""
    tmp = path.with_name(f".{path.name}.tmp")
    header: dict[str, tuple[str, int, int]] = {}
    try:
        with open(tmp, "wb") as fh:
            fh.write(MAGIC)
            offset = len(MAGIC)
            for name, values in arrays.items():
                pad = -offset % 8
                fh.write(b"\0" * pad)
                offset += pad
                header[name] = (values.typecode, offset, len(values))
                fh.write(values.tobytes())
                offset += len(values) * values.itemsize
            fh.write(pickle.dumps({"arrays": header, "meta": dict(meta)}, protocol=pickle.HIGHEST_PROTOCOL))
            fh.write(_TRAILER.pack(offset))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class ArrayFile:
    """One array file, mapped read-only: ``view(name)`` is a typed view of the map, ``meta`` the
    small values written with it. ValueError when the file is not one of this machine's."""

    def __init__(self, path: Path):
        with open(path, "rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[: len(MAGIC)] != MAGIC:
            self._map.close()
            raise ValueError(f"{path.name}: not an array file of this machine's byte order")
        (start,) = _TRAILER.unpack(self._map[-_TRAILER.size :])
        header = pickle.loads(self._map[start : -_TRAILER.size])
        self._arrays: dict[str, tuple[str, int, int]] = header["arrays"]
        self.meta: dict[str, object] = header["meta"]

    def view(self, name: str) -> memoryview:
        typecode, offset, length = self._arrays[name]
        size = array(typecode).itemsize
        return memoryview(self._map)[offset : offset + length * size].cast(typecode)

    def strings(self, name: str) -> Strings:
        """The :class:`Strings` written by :func:`string_arrays` under ``name``."""
        return Strings(self.view(f"{name}.blob"), self.view(f"{name}.offsets"))


class Strings(Sequence[str]):
    """Texts held as one UTF-8 blob and the offsets of their ends: ``strings[i]`` decodes one."""

    def __init__(self, blob: memoryview | bytes, offsets: Sequence[int]):
        self._blob, self._offsets = blob, offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        offsets = self._offsets
        return bytes(self._blob[offsets[i] : offsets[i + 1]]).decode("utf-8")


def string_arrays(name: str, texts: Iterable[str]) -> dict[str, array]:
    """The arrays of a :class:`Strings` of ``texts``, to :func:`write` (``name.blob``, ``name.offsets``)."""
    blob = bytearray()
    offsets = array("q", [0])
    for text in texts:
        blob += text.encode("utf-8")
        offsets.append(len(blob))
    return {f"{name}.blob": array("B", blob), f"{name}.offsets": offsets}
