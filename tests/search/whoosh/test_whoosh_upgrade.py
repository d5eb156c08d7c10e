"""A deployed index survives a new release: index versions it cannot read are rebuilt at start.

``fixtures/whoosh-index-v1`` was written by the code before kb/search/ was split into folders: its
pickled field set names the analyzer ``kb.search.text.StemAnalyzer``, a module that no longer exists;
``fixtures/whoosh-index-v1.json`` holds what that code answered on it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kb.search import SearchError
from kb.search.whoosh import storage
from kb.search.whoosh.backend import WhooshBackend
from kb.search.whoosh.fields import INDEX_VERSION
from kb.services import indexing
from tests.conftest import make_app
from tests.search.conftest import CORPUS, SYNONYMS, make_doc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
V1_INDEX = FIXTURES / "whoosh-index-v1"
V1_ANSWERS = json.loads((FIXTURES / "whoosh-index-v1.json").read_text())


@pytest.fixture
def v1_store(tmp_path) -> Path:
    store = tmp_path / "index"
    shutil.copytree(V1_INDEX, store)
    return store


def generation(store: Path) -> Path:
    return store / (store / "CURRENT").read_text().strip()


def answers(backend: WhooshBackend) -> dict:
    out: dict = {"ids": sorted(backend.ids()), "search": {}, "suggest": {}}
    for q in V1_ANSWERS["search"]:
        r = backend.search(q)
        out["search"][q] = {
            "total": r.total,
            "suggestion": r.suggestion,
            "facets": r.facets,
            "hits": [[h.slug, h.score, h.highlights] for h in r.hits],
        }
    for prefix in V1_ANSWERS["suggest"]:
        out["suggest"][prefix] = [s.slug for s in backend.suggest(prefix)]
    return out


def test_the_fixture_is_an_index_of_the_old_layout():
    toc = next(V1_INDEX.glob("gen-*/_MAIN_*.toc")).read_bytes()
    assert b"kb.search.text" in toc  # the analyzer's old module path, pickled
    assert not (generation(V1_INDEX) / storage.VERSION).exists()
    assert storage.read_version(generation(V1_INDEX)) == 1


def test_an_index_of_an_earlier_version_is_reported_for_a_rebuild(v1_store):
    """Index version 3 has a field set per analysis language: a version 1 or 2 index lacks them, so it
    is reported not ok (the start-up recovery rebuilds it) and never written into."""
    backend = WhooshBackend(v1_store, synonyms_path=str(SYNONYMS), lock_timeout=0.5)
    health = backend.health()
    assert not health["ok"]
    assert "index version 1" in health["detail"]
    with pytest.raises(SearchError, match="index version"):
        backend.index([make_doc("zq-new", "technique", "Zqmiliaq Extraction", "Tiny bumps removed.")])
    backend.rebuild(CORPUS)
    assert backend.health()["ok"]
    assert [h.slug for h in backend.search("infection").hits][:1] == ["infection"]


def test_a_rebuild_records_the_current_version(v1_store):
    backend = WhooshBackend(v1_store, synonyms_path=str(SYNONYMS))
    backend.rebuild(CORPUS)
    assert storage.read_version(generation(v1_store)) == INDEX_VERSION
    assert b"kb.search.whoosh.analysis" in next(generation(v1_store).glob("_MAIN_*.toc")).read_bytes()


@pytest.mark.parametrize("recorded", ["0", str(INDEX_VERSION - 1), str(INDEX_VERSION + 1), "garbage"])
def test_an_unreadable_version_is_reported_and_refuses_updates(v1_store, recorded):
    (generation(v1_store) / storage.VERSION).write_text(recorded + "\n")
    backend = WhooshBackend(v1_store, synonyms_path=str(SYNONYMS), lock_timeout=0.5)
    health = backend.health()
    assert not health["ok"]
    assert "index version" in health["detail"]
    assert "rebuild" in health["detail"]
    with pytest.raises(SearchError, match="index version"):
        backend.index([CORPUS[0]])  # never written into fields it does not know


def test_the_start_up_recovery_rebuilds_an_index_of_another_version(tmp_path):
    app = make_app(tmp_path, KB_SEARCH_BACKEND="whoosh")
    with app.app_context():
        from kb.services.seeding import load_seed

        load_seed(Path(__file__).resolve().parents[3] / "seed")
        assert indexing.backend().health()["ok"]
        store = Path(app.config["KB_SEARCH_INDEX_PATH"])
        old = generation(store)
        (old / storage.VERSION).write_text("0\n")  # as if written with fields this code does not read
        indexing.backend().close()
        assert not indexing.backend().health()["ok"]
        report = indexing.recover()  # what gunicorn's on_starting runs
        assert report.error is None
        assert indexing.backend().health()["ok"]
        assert generation(store) != old
        assert storage.read_version(generation(store)) == INDEX_VERSION
    response = app.test_client().get("/api/v1/search?q=bruising")
    assert response.status_code == 200
    assert response.get_json()["data"][0]["slug"] == "bruising"
