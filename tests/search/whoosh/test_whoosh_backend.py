"""Whoosh-specific behaviour: on-disk layout, generation swap, locks across processes, synonyms file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.corpus import generate, to_search_document
from kb.search import IndexBusyError, SearchError
from kb.search.whoosh.backend import WhooshBackend
from tests.search.conftest import ARTICLE, CORPUS, ROOT, SYNONYMS, make_doc

HOLD_LOCK = """
import sys
from pathlib import Path
from whoosh import index
from kb.search.whoosh.storage import Layout
root, which = Path(sys.argv[1]), sys.argv[2]
layout = Layout(root)
if which == "root":
    with layout.write_lock(5):
        print("ready", flush=True)
        sys.stdin.read()
else:
    writer = index.open_dir(str(root / layout.current_name())).writer()
    print("ready", flush=True)
    sys.stdin.read()
    writer.cancel()
"""


def generations(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("gen-"))


@pytest.fixture
def store(tmp_path) -> Path:
    return tmp_path / "index"


def open_backend(store: Path, **options) -> WhooshBackend:
    return WhooshBackend(store, synonyms_path=str(SYNONYMS), **options)


def test_rebuild_swaps_generations_and_removes_the_old_one(store):
    backend = open_backend(store)
    backend.rebuild(CORPUS)
    first = generations(store)
    backend.rebuild(CORPUS[:3])
    second = generations(store)
    assert len(first) == len(second) == 1
    assert first != second
    assert (store / "CURRENT").read_text().strip() == second[0]
    assert backend.health()["documents"] == 3


def test_failed_rebuild_keeps_the_live_index(store):
    backend = open_backend(store)
    backend.rebuild(CORPUS)
    before = generations(store)

    def broken():
        yield CORPUS[0]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(broken())
    assert generations(store) == before
    assert backend.health()["documents"] == len(CORPUS)


@pytest.mark.parametrize("damage", ["garbage", "missing-dir", "empty-dir"])
def test_damaged_index_reports_not_ok_and_rebuild_fixes_it(store, damage):
    open_backend(store).rebuild(CORPUS)
    current = store / (store / "CURRENT").read_text().strip()
    if damage == "garbage":
        (store / "CURRENT").write_text("../../etc\n")
    elif damage == "missing-dir":
        for child in current.iterdir():
            child.unlink()
        current.rmdir()
    else:
        for child in current.iterdir():
            if child.name.endswith(".toc"):
                child.unlink()
    backend = open_backend(store)  # constructing never fails
    health = backend.health()
    assert health["ok"] is False
    assert health["detail"]
    assert backend.exists() is False
    with pytest.raises(SearchError):
        backend.suggest("inf")
    assert backend.rebuild(CORPUS) == len(CORPUS)
    assert backend.exists()
    assert backend.health()["ok"]


@pytest.mark.parametrize("which", ["root", "whoosh"])
def test_writer_lock_held_by_another_process(store, which):
    open_backend(store).rebuild(CORPUS)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(store), which],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        backend = open_backend(store, lock_timeout=0.3)
        t0 = time.monotonic()
        with pytest.raises(IndexBusyError):
            backend.index([make_doc("late", "aftercare", "Late Update")])
        assert time.monotonic() - t0 < 0.3 + 1
        assert backend.search("infection").total >= 1  # reads are never blocked
    finally:
        holder.communicate("", timeout=10)
    backend.index([make_doc("late", "aftercare", "Late Update")])
    assert backend.search("late update").hits[0].slug == "late"


def test_synonyms_file_is_reread_when_edited(store, tmp_path):
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# none yet\n")
    backend = WhooshBackend(store, synonyms_path=str(synonyms))
    backend.rebuild(CORPUS)
    assert backend.search("ecchymosis").total == 0
    synonyms.write_text("bruise, ecchymosis  # lay and clinical\n")
    assert backend.search("ecchymosis").hits[0].slug == "bruising"


def test_missing_synonyms_file_means_no_synonyms(store, tmp_path):
    backend = WhooshBackend(store, synonyms_path=str(tmp_path / "absent.txt"))
    backend.rebuild(CORPUS)
    assert backend.search("ecchymosis").total == 0
    assert backend.search("bruising").total == 1


def test_vocabulary_follows_incremental_updates(store):
    backend = open_backend(store)
    backend.rebuild(CORPUS)
    assert backend.search("keloidd").suggestion is None
    backend.index([make_doc("keloid", "complication", "Keloid Scarring", "Raised scars.")])
    assert backend.search("keloidd").suggestion == "keloid"


FACET_QUERIES = [
    ("treatment", {}),
    ("skin redness", {}),  # every unit: AND
    ("zzzq skin", {}),  # a unit that matches nothing is dropped
    ("bruising infection", {}),  # no document has both: OR
    ('"sun exposure"', {}),
    ("skin", {"kind": "complication"}),
    ("skin", {"tag": "aftercare"}),
    ("skin", {"locale": "en"}),
    ("skin", {"kind": "technique", "tag": "laser", "locale": "en"}),
    ("skin infection", {"type": "article"}),
    ("skin infection", {"type": "entry", "tag": "hygiene"}),
]


def test_facets_count_the_same_on_the_bitmask_path(store):
    """facet_mask_min=0 sends every facet count through the bitmask path (2,000 matches by default)."""
    docs = [*CORPUS, *(to_search_document(e) for e in generate(300, seed=5)), ARTICLE]
    plain = open_backend(store)
    plain.rebuild(docs)
    masked = open_backend(store, facet_mask_min=0)
    for q, filters in FACET_QUERIES:
        expected = plain.search(q, **filters)
        assert expected.total, q
        got = masked.search(q, **filters)
        assert got.facets == expected.facets, (q, filters)
        assert got.hits == expected.hits
    assert masked._require().mask_counts >= 3 * len(FACET_QUERIES)  # kinds, tags and types, every time
    assert plain._require().mask_counts == 0  # the other path indeed
