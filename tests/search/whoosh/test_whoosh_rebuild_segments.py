"""A rebuild bounds its memory by committing a segment per ``segment_docs`` documents: the index it
writes answers as the one-segment index does, and takes incremental updates as before."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index

from benchmarks.corpus import generate, to_search_document
from kb.search.whoosh.backend import WhooshBackend
from tests.search.conftest import CORPUS

QUERIES = ["bruising", "swelling ice", "filler", "laser redness", "zzznothing"]


def _docs() -> list:
    return [*CORPUS, *(to_search_document(e) for e in generate(90, seed=3))]


def _answers(backend: WhooshBackend) -> list:
    found = []
    for q in QUERIES:
        result = backend.search(q, per_page=50)
        found.append((q, result.total, [(h.slug, h.score) for h in result.hits], result.facets))
    found.append([s.slug for s in backend.suggest("bru", limit=10)])
    return found


def _segments(backend: WhooshBackend) -> int:
    name = backend.layout.current_name()
    assert name is not None
    return len(whoosh_index.open_dir(str(backend.layout.root / name)).reader().leaf_readers())


def test_a_rebuild_in_several_segments_answers_as_one(tmp_path: Path) -> None:
    docs = _docs()
    whole = WhooshBackend(tmp_path / "whole")
    parts = WhooshBackend(tmp_path / "parts", segment_docs=25)
    assert whole.rebuild(docs) == parts.rebuild(docs) == len(docs)
    assert _segments(whole) == 1
    assert _segments(parts) == -(-len(docs) // 25)
    assert parts.ids() == whole.ids()
    assert _answers(parts) == _answers(whole)


def test_a_segmented_rebuild_takes_updates(tmp_path: Path) -> None:
    docs = _docs()
    parts = WhooshBackend(tmp_path / "parts", segment_docs=25)
    parts.rebuild(docs)
    first, last = docs[0], docs[-1]
    parts.remove([str(first.id)])
    parts.index([last])  # replaced in its segment, not added twice
    assert parts.health()["documents"] == len(docs) - 1
    assert str(first.id) not in parts.ids()
    slugs = [h.slug for h in parts.search(last.title, per_page=50).hits]
    assert slugs.count(last.slug) == 1


def test_an_empty_rebuild_still_makes_an_index(tmp_path: Path) -> None:
    backend = WhooshBackend(tmp_path / "empty", segment_docs=25)
    assert backend.rebuild([]) == 0
    assert backend.health()["ok"] is True
    assert backend.search("bruising").total == 0
