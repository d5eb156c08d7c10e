"""Rendered public responses of this worker, bounded in bytes, least recently used evicted first.

Keys start with the content generation they were rendered at (kb.services.generation): when a newer
generation is stored, every older entry is dropped at once, since no request can ask for it again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from werkzeug.datastructures import Headers


@dataclass(frozen=True)
class Rendered:
    """A response as sent to everyone asking the same (status 200, no per-client headers)."""

    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200  # + bookkeeping

    def to_headers(self) -> Headers:
        return Headers(list(self.headers))


class RenderCache:
    """An LRU of :class:`Rendered` responses holding at most ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.generation = 0
        self._entries: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, generation: int, key: Hashable) -> Rendered | None:
        with self._lock:
            found = self._entries.get((generation, key))
            if found is not None:
                self._entries.move_to_end((generation, key))
            return found

    def put(self, generation: int, key: Hashable, rendered: Rendered) -> None:
        """Keep ``rendered`` unless it is of an older generation or larger than an eighth of the cache."""
        size = rendered.size
        with self._lock:
            if generation < self.generation or size > self.max_bytes // 8:
                return
            if generation > self.generation:
                self._entries.clear()
                self.bytes = 0
                self.generation = generation
            old = self._entries.pop((generation, key), None)
            if old is not None:
                self.bytes -= old.size
            self._entries[(generation, key)] = rendered
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self.bytes -= evicted.size
