"""Query-time synonyms from an editable text file: one comma-separated group per line, ``#`` comments.

Entries are compared by their analyzed (folded, stemmed) words, so "bruises" finds the group of
"bruise" and "Oedema" the group of "oedema". The file is re-read when it changes on disk.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Stems = tuple[str, ...]


@dataclass
class SynonymMap:
    """Groups of equivalent words or phrases, looked up by their stems."""

    groups: list[list[Stems]] = field(default_factory=list)
    by_stems: dict[Stems, int] = field(default_factory=dict)
    longest: int = 0

    @classmethod
    def parse(cls, text: str, analyze: Callable[[str], list[str]]) -> SynonymMap:
        """Parse the file format; ``analyze`` turns an entry into its list of stems."""
        smap = cls()
        for line in text.splitlines():
            line = line.split("#", 1)[0]
            entries: list[Stems] = []
            for raw in line.split(","):
                stems = tuple(analyze(raw))
                if stems and stems not in entries:
                    entries.append(stems)
            if len(entries) < 2:
                continue
            index = len(smap.groups)
            smap.groups.append(entries)
            for stems in entries:
                smap.by_stems.setdefault(stems, index)
                smap.longest = max(smap.longest, len(stems))
        return smap

    def alternatives(self, stems: Sequence[str]) -> list[Stems]:
        """The other entries of the group holding exactly ``stems`` (empty if none)."""
        key = tuple(stems)
        index = self.by_stems.get(key)
        if index is None:
            return []
        return [entry for entry in self.groups[index] if entry != key]

    def longest_match(self, stems: Sequence[str], start: int) -> int:
        """Length of the longest entry starting at ``stems[start]`` (0 when none)."""
        for size in range(min(self.longest, len(stems) - start), 0, -1):
            if tuple(stems[start : start + size]) in self.by_stems:
                return size
        return 0


class SynonymFile:
    """A :class:`SynonymMap` kept in step with a file; a missing path means no synonyms."""

    def __init__(self, path: str | os.PathLike | None):
        self.path = os.fspath(path) if path else None
        self._stamp: tuple[int, int] | None = None
        self._map = SynonymMap()
        self._lock = threading.Lock()

    def current(self, parse: Callable[[str], SynonymMap]) -> SynonymMap:
        """The map for the file as it is now (one ``stat`` per call); ``parse`` builds it from the
        file's text, only when the file changed."""
        if not self.path:
            return self._map
        try:
            st = os.stat(self.path)
        except OSError:
            self._stamp, self._map = None, SynonymMap()
            return self._map
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._stamp:
            return self._map
        with self._lock:
            if stamp != self._stamp:
                try:
                    with open(self.path, encoding="utf-8") as fh:
                        text = fh.read()
                except (OSError, UnicodeDecodeError):
                    text = ""
                self._map = parse(text)
                self._stamp = stamp
        return self._map
