"""What a process holds for an open Whoosh index: segments read in place, caches within their byte budget."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tracemalloc

import pytest

from benchmarks.corpus import generate, prefixes, queries, to_search_document
from kb.search.whoosh.backend import WhooshBackend
from kb.search.whoosh.scoring import size_of
from tests.search.conftest import CORPUS, ROOT, SYNONYMS

ENTRIES = list(generate(600, seed=21))


@pytest.fixture(scope="module")
def index_path(tmp_path_factory):
    """An index of several segments with deletions: a rebuild of 600 documents, then updates."""
    docs = [*CORPUS, *map(to_search_document, ENTRIES)]
    path = tmp_path_factory.mktemp("memory") / "index"
    backend = WhooshBackend(path, synonyms_path=str(SYNONYMS))
    backend.rebuild(docs)
    backend.index([dataclasses.replace(d, summary=d.summary + " tram track marks") for d in docs[:9]])
    backend.remove([docs[50].id, docs[51].id])
    backend.close()
    return path


def _requests() -> list[tuple[str, dict]]:
    """Searches (plain, filtered, paged, phrases) and suggestions."""
    tag = ENTRIES[0]["tags"][0]
    asks: list[tuple[str, dict]] = [("search", {"q": q}) for q in queries(120, seed=5)]
    asks += [("search", {"q": q, "kind": "complication", "page": 2}) for q in queries(20, seed=6)]
    asks += [("search", {"q": q, "tag": tag, "locale": "en", "type": "entry"}) for q in queries(10, seed=8)]
    asks += [("search", {"q": '"tram track"'}), ("search", {"q": "tram track marks"})]
    asks += [("suggest", {"prefix": p}) for p in prefixes(60, seed=5)]
    return asks


def _answers(backend: WhooshBackend) -> list:
    return [getattr(backend, method)(**params) for method, params in _requests()] + [
        backend.ids(),
        backend.health()["documents"],
    ]


def _segment_bytes(path) -> int:
    return sum(f.stat().st_size for f in path.glob("gen-*/*.seg"))


def _opened_bytes(backend: WhooshBackend) -> int:
    """Python memory allocated by opening the index and answering one search (held afterwards)."""
    tracemalloc.start()
    try:
        backend.search("filler injection")
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def test_mapped_segments_give_whoosh_stock_results_without_copying_them(index_path):
    mapped = WhooshBackend(index_path, synonyms_path=str(SYNONYMS))
    stock = WhooshBackend(index_path, synonyms_path=str(SYNONYMS), mapped=False)
    segments = _segment_bytes(index_path)
    assert segments > 2_000_000
    # Whoosh's own path copies the compound segment's files into the heap; the mapped one reads in place
    copied, in_place = _opened_bytes(stock), _opened_bytes(mapped)
    print(f"segments {segments}, opened with copies {copied}, in place {in_place}")
    assert copied - in_place > segments / 2
    assert _answers(mapped) == _answers(stock)
    assert mapped.search("tram track marks").total >= 9  # the updated documents, in a later segment


def test_search_caches_stay_within_their_byte_budget(index_path):
    budget = 150_000
    small = WhooshBackend(index_path, synonyms_path=str(SYNONYMS), cache_bytes=budget)
    large = WhooshBackend(index_path, synonyms_path=str(SYNONYMS))
    assert _answers(small) == _answers(large)  # evictions change no result
    scorer = small._require().scorer
    assert 0 < scorer.held <= budget
    assert scorer.held == sum(size_of(value) for value, _ in scorer._cache.values())
    unbounded = large._require().scorer
    assert unbounded.held > 4 * budget  # the same requests would have held more


def test_the_cache_budget_comes_from_the_configuration(tmp_path):
    config = {"KB_SEARCH_INDEX_PATH": str(tmp_path), "KB_SEARCH_CACHE_BYTES": 123_456}
    assert WhooshBackend.from_config(config).cache_bytes == 123_456


_MALLOC_PROBE = """
import ctypes, sys
libc = ctypes.CDLL("libc.so.6")
class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
libc.mallinfo2.restype = Info
if sys.argv[1] == "backend":
    from kb.search.whoosh.backend import WhooshBackend
    WhooshBackend(sys.argv[2])
big = bytearray(8 * 2**20)
del big  # glibc would now raise its mmap threshold to 8 MiB
before = libc.mallinfo2().hblks
blocks = [bytearray(2**20) for _ in range(4)]
print(libc.mallinfo2().hblks - before)
"""


def test_a_whoosh_backend_keeps_large_blocks_mapped_so_freeing_returns_them(tmp_path):
    """After a large free, 1 MiB blocks still get their own mapping (returned when freed), not heap."""

    def mapped_blocks(mode: str) -> int:
        run = subprocess.run(
            [sys.executable, "-c", _MALLOC_PROBE, mode, str(tmp_path / "index")],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        return int(run.stdout.split()[-1])

    assert mapped_blocks("plain") == 0  # glibc's own behaviour: the probe can tell
    assert mapped_blocks("backend") == 4
