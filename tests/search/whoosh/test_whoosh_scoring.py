"""The Whoosh backend's own scoring primitives agree with Whoosh: phrase matching, posting reads."""

from __future__ import annotations

import dataclasses
import random
import shutil

import pytest
from whoosh.query import Phrase, Term

from benchmarks.corpus import generate, to_search_document
from kb.search.whoosh import backend as whoosh_backend
from kb.search.whoosh.analysis import stem_analyzer
from kb.search.whoosh.backend import WhooshBackend
from kb.search.whoosh.fields import PHRASE_FIELDS, TEXT_FIELDS
from kb.search.whoosh.lowlevel import flat_postings
from kb.search.whoosh.lowlevel.postings import read_postings
from tests.search.conftest import CORPUS, SYNONYMS


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> WhooshBackend:
    """An index of several segments with deletions: a rebuild, then updates of some documents."""
    docs = [*CORPUS, *(to_search_document(e) for e in generate(300, seed=9))]
    backend = WhooshBackend(tmp_path_factory.mktemp("engine") / "index", synonyms_path=str(SYNONYMS))
    backend.rebuild(docs)
    for start in (0, 40):
        batch = docs[start : start + 7]
        backend.index([dataclasses.replace(d, summary=d.summary + " tram track marks") for d in batch])
    backend.remove([docs[100].id, docs[101].id])
    return backend


def _phrases(backend: WhooshBackend) -> list[tuple[str, ...]]:
    analyzer = stem_analyzer()
    rng = random.Random(3)
    view = backend._require()
    phrases = set()
    for docnum in rng.sample(view.live, 60):
        stored = view.searcher.stored_fields(docnum)
        for field in ("title", "summary", "details"):
            stems = [t.text for t in analyzer(stored.get(field) or "")]
            if len(stems) >= 3:
                i = rng.randrange(len(stems) - 2)
                phrases.add(tuple(stems[i : i + rng.choice([2, 3])]))
    vocabulary = sorted({s for p in phrases for s in p})
    phrases.update(tuple(rng.sample(vocabulary, 2)) for _ in range(30))
    phrases.update([("tram", "track", "mark"), ("mark", "track"), ("skin", "skin")])
    return sorted(phrases)


def test_phrase_docs_match_whoosh_phrase_queries(backend):
    view = backend._require()
    searcher = view.searcher
    for stems in _phrases(backend):
        expected = set()
        for field in PHRASE_FIELDS:
            expected.update(Phrase(field, list(stems)).docs(searcher))
        assert view.scorer.phrase_docs(stems) == expected, stems


@pytest.mark.parametrize("with_flat", [True, False], ids=["flat-postings", "whoosh-blocks"])
def test_read_postings_match_whoosh_matchers(backend, with_flat):
    view = backend._require()
    searcher = view.searcher
    flat = view.scorer.flat if with_flat else None
    assert len(searcher.reader().leaf_readers()) > 1
    if with_flat:  # the rebuilt segment, which has deletions since
        assert len(flat) == 1
    for stem in ("tram", "skin", "infect", "redness", "sun", "mark", "bruis"):
        for field in TEXT_FIELDS:
            matcher = Term(field, stem).matcher(searcher)
            expected = []
            while matcher.is_active():
                expected.append((matcher.id(), matcher.weight()))
                matcher.next()
            ids, weights = read_postings(searcher.reader(), field, stem, flat)
            assert list(zip(ids, weights, strict=True)) == expected, (stem, field)


def _everything(backend: WhooshBackend, q: str) -> tuple:
    result = backend.search(q, per_page=100)
    return result.total, sorted((h.slug, h.score) for h in result.hits), result.facets


def test_rebuilt_segment_is_reused_across_commits_without_stale_results(tmp_path):
    docs = [*CORPUS, *(to_search_document(e) for e in generate(150, seed=11))]
    backend = WhooshBackend(tmp_path / "live", synonyms_path=str(SYNONYMS))
    backend.rebuild(docs)
    queries = ["bruising", "redness swelling", '"sun exposure"', "infecton", "skin"]
    for q in queries:
        backend.search(q)
    kept = dict(backend._require().scorer.flat)
    assert kept  # the rebuilt segment's raw postings
    updated = dataclasses.replace(docs[-1], summary="Bruising and skin redness after sun exposure.")
    backend.index([updated])
    backend.remove([d.id for d in docs if d.slug in ("bruising", "infection")])
    assert backend._require().scorer.flat == kept  # the same files, still open: not reloaded
    slugs = {h.slug for h in backend.search("bruising", per_page=100).hits}
    assert updated.slug in slugs
    assert "bruising" not in slugs
    # The same index state read by Whoosh alone (a copy without the flat postings) gives the same answers.
    without_flat = shutil.ignore_patterns("*" + flat_postings.EXT)
    shutil.copytree(tmp_path / "live", tmp_path / "copy", ignore=without_flat)
    plain = WhooshBackend(tmp_path / "copy", synonyms_path=str(SYNONYMS))
    assert not plain._require().scorer.flat
    for q in queries:
        assert _everything(backend, q) == _everything(plain, q), q


def test_facet_bitmasks_and_top_ranking_agree_with_plain_counting(backend):
    view = backend._require()
    rng = random.Random(4)
    for size in (1, 50, len(view.live)):
        docs = set(rng.sample(view.live, size))
        for facet in ("kind", "tags"):
            by_mask = view.facet_counts(docs, facet, mask_min=0)
            assert by_mask == view.facet_counts(docs, facet, mask_min=10**9)
    scores = {d: float(rng.choice([1, 2, 2.5, 3])) for d in view.live}  # many ties
    expected = sorted(scores, key=lambda d: (-scores[d], d))[:25]
    assert whoosh_backend._top(None, scores, None, 25) == expected
    assert whoosh_backend._top(set(scores), scores, None, 25) == expected
