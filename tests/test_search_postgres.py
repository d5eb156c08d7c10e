"""KB_SEARCH_BACKEND=postgres in the app: search rows commit with the content, a busy index falls back
to the outbox, the CLI rebuilds, and the backend is refused on a database that is not PostgreSQL.

The rest of the suite runs with this backend too when KB_TEST_SEARCH_BACKEND=postgres (CI does).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from kb import create_app
from kb.extensions import db
from kb.search.postgres.backend import PostgresBackend
from kb.search.postgres.ddl import truncate_sql
from kb.services.seeding import load_seed
from tests.admin.test_import_indexing import entry as bulk_entry
from tests.conftest import NEW_ENTRY as ENTRY
from tests.conftest import ROOT, TEST_DATABASE_URL, make_app

needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="KB_TEST_DATABASE_URL is not set: no PostgreSQL to keep the index in"
)


@pytest.fixture
def pg_app(tmp_path: Path) -> Flask:
    app = make_app(tmp_path, KB_SEARCH_BACKEND="postgres", KB_SEARCH_LOCK_TIMEOUT=0.3)
    with app.app_context():
        load_seed(ROOT / "seed")
    return app


@pytest.fixture
def publisher(pg_app: Flask) -> dict[str, str]:
    result = pg_app.test_cli_runner().invoke(args=["token", "create", "--name", "pub", "--role", "publisher"])
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}


def _publish(client: FlaskClient, auth: dict[str, str]) -> None:
    created = client.post("/api/v1/admin/entries", json=ENTRY, headers=auth)
    assert created.status_code == 201, created.get_json()
    published = client.post(
        f"/api/v1/admin/entries/{ENTRY['slug']}/publish",
        headers={**auth, "If-Match": created.headers["ETag"]},
    )
    assert published.status_code == 200, published.get_json()


def _slugs(client: FlaskClient, q: str) -> list[str]:
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200
    return [hit["slug"] for hit in response.get_json()["data"]]


def _count(app: Flask, table: str) -> int:
    with app.app_context():
        return db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.fixture
def index_lock(pg_app: Flask) -> Iterator[sa.Connection]:
    """Another connection holding the search table's lock, as a rebuild on another machine does."""
    with pg_app.app_context():
        engine = db.engine
    with engine.connect() as holder:
        holder.begin()
        holder.exec_driver_sql("LOCK TABLE search_documents IN SHARE ROW EXCLUSIVE MODE")
        yield holder
        holder.rollback()


@needs_postgres
def test_search_rows_commit_with_the_content(pg_app: Flask, publisher: dict[str, str]) -> None:
    client = pg_app.test_client()
    assert _slugs(client, "zqmiliaq") == []
    _publish(client, publisher)
    assert _slugs(client, "zqmiliaq") == ["milia-extraction"]
    assert _count(pg_app, "search_outbox") == 0  # nothing left to apply after the commit
    search = client.get("/readyz").get_json()["checks"]["search"]
    assert (search["backend"], search["documents"], search["published"], search["pending"]) == (
        "postgres",
        23,  # the seed's ten entries and one article in English and Spanish, and this one
        23,
        0,
    )
    unpublished = client.post("/api/v1/admin/entries/milia-extraction/unpublish", headers=publisher)
    assert unpublished.status_code == 200
    assert _slugs(client, "zqmiliaq") == []


@needs_postgres
def test_a_rolled_back_write_leaves_no_search_row(pg_app: Flask) -> None:
    result = pg_app.test_cli_runner().invoke(args=["token", "create", "--name", "boss", "--role", "admin"])
    admin = {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}
    client = pg_app.test_client()
    item = {"type": "entry", "status": "published", "draft": ENTRY, "live": ENTRY}
    response = client.post("/api/v1/admin/import?dry_run=true", json={"items": [item]}, headers=admin)
    assert response.status_code == 200, response.get_json()  # published, then rolled back
    assert _slugs(client, "zqmiliaq") == []
    assert _count(pg_app, "search_documents") == 22  # the seed (ten entries, one article) in en and es
    response = client.post("/api/v1/admin/import", json={"items": [item]}, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert _slugs(client, "zqmiliaq") == ["milia-extraction"]


@needs_postgres
def test_busy_index_falls_back_to_the_outbox(
    pg_app: Flask, publisher: dict[str, str], index_lock: sa.Connection
) -> None:
    client = pg_app.test_client()
    _publish(client, publisher)  # waits KB_SEARCH_LOCK_TIMEOUT for the lock, then writes an outbox row
    assert client.get("/api/v1/entries/milia-extraction").status_code == 200  # the content committed
    assert _count(pg_app, "search_outbox") == 1
    index_lock.rollback()  # the "rebuild" ends
    result = pg_app.test_cli_runner().invoke(args=["reindex", "--pending"])
    assert result.exit_code == 0, result.output
    assert "Applied 1 pending change(s); 0 still pending." in result.output
    assert _slugs(client, "zqmiliaq") == ["milia-extraction"]


@needs_postgres
def test_reindex_rebuilds_from_the_database(pg_app: Flask, publisher: dict[str, str]) -> None:
    client = pg_app.test_client()
    _publish(client, publisher)
    with pg_app.app_context():  # an index that lost everything
        db.session.execute(sa.text(truncate_sql()))
        db.session.commit()
    assert client.get("/readyz").get_json()["checks"]["search"]["ok"] is False
    result = pg_app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "Index rebuilt: 23 document(s)." in result.output
    assert _slugs(client, "zqmiliaq") == ["milia-extraction"]
    assert _slugs(client, "bruises")[0] == "bruising"


def test_postgres_backend_is_refused_on_another_database(tmp_path: Path) -> None:
    settings = {"KB_INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/kb.db"}
    with pytest.raises(RuntimeError, match="must then be postgresql"):
        create_app({**settings, "KB_SEARCH_BACKEND": "postgres"})
    with pytest.raises(RuntimeError, match="unknown search backend 'elastic'"):
        create_app({**settings, "KB_SEARCH_BACKEND": "elastic"})


@needs_postgres
def test_facets_beyond_the_cap_are_estimates_and_say_so(pg_app: Flask, tmp_path: Path) -> None:
    """Over KB_SEARCH_FACET_CAP matches the facets are counted over a sample and scaled, and the API
    says so (meta.facets_estimated, InstantSearch's exhaustiveFacetsCount); hits and total stay exact."""
    capped = make_app(tmp_path, fresh=False, KB_SEARCH_BACKEND="postgres", KB_SEARCH_FACET_CAP=3)
    query = {"q": "skin", "per_page": 100}
    exact = pg_app.test_client().get("/api/v1/search", query_string=query).get_json()
    estimated = capped.test_client().get("/api/v1/search", query_string=query).get_json()
    total = exact["meta"]["total"]
    assert total > 3  # more matches than the cap
    assert (exact["meta"]["facets_estimated"], estimated["meta"]["facets_estimated"]) == (False, True)
    assert estimated["meta"]["total"] == total
    assert [h["slug"] for h in estimated["data"]] == [h["slug"] for h in exact["data"]]
    assert sum(exact["facets"]["type"].values()) == total
    for facet in ("kind", "tags", "type"):  # values seen in the sample, each at most every match
        assert set(estimated["facets"][facet]) <= set(exact["facets"][facet])
        assert all(1 <= n <= total for n in estimated["facets"][facet].values())
    few = capped.test_client().get("/api/v1/search", query_string={"q": "bruising"}).get_json()
    assert few["meta"]["total"] <= 3  # within the cap: exact
    assert few["meta"]["facets_estimated"] is False

    def multi(app: Flask) -> dict:
        body = {"requests": [{"indexName": "kb", "params": {"query": "skin", "facets": ["kind"]}}]}
        response = app.test_client().post("/api/v1/search/multi", json=body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"][0]

    assert (multi(pg_app)["exhaustiveFacetsCount"], multi(capped)["exhaustiveFacetsCount"]) == (True, False)
    assert multi(capped)["exhaustiveNbHits"] is True
    assert multi(capped)["nbHits"] == total


def test_the_facet_cap_must_be_positive() -> None:
    with pytest.raises(ValueError, match="facet_cap"):
        PostgresBackend("postgresql+psycopg://postgres@127.0.0.1:5432/unused", facet_cap=0)


def _built_at(app: Flask) -> object:
    with app.app_context():
        return db.session.execute(sa.text("SELECT built_at FROM search_state")).scalar_one()


@needs_postgres
def test_a_large_import_is_indexed_by_a_rebuild_in_its_transaction(
    pg_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.services import indexing

    monkeypatch.setattr(indexing, "REBUILD_MIN_PENDING", 50)
    monkeypatch.setattr(indexing, "BATCH", 40)  # several COPYs, documents read between them
    path = tmp_path / "bulk.ndjson"
    path.write_text("".join(json.dumps(bulk_entry(n)) + "\n" for n in range(120)), encoding="utf-8")
    before = _built_at(pg_app)
    result = pg_app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert _built_at(pg_app) != before  # rebuilt, in the import's transaction
    client = pg_app.test_client()
    response = client.get("/api/v1/search", query_string={"q": "zqbulkq", "per_page": 1})
    assert response.get_json()["meta"]["total"] == 120
    assert _slugs(client, "bruises")[0] == "bruising"  # the rest of the index is rebuilt too
    assert _count(pg_app, "search_outbox") == 0
    assert _count(pg_app, "search_documents") == 22 + 120


@needs_postgres
def test_a_large_import_while_the_index_is_held_is_kept_in_the_outbox(
    pg_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index_lock: sa.Connection
) -> None:
    from kb.services import indexing

    monkeypatch.setattr(indexing, "REBUILD_MIN_PENDING", 50)
    path = tmp_path / "bulk.ndjson"
    path.write_text("".join(json.dumps(bulk_entry(n)) + "\n" for n in range(60)), encoding="utf-8")
    result = pg_app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output  # the rebuild and the batches found the index busy
    client = pg_app.test_client()
    assert _count(pg_app, "search_outbox") == 60
    index_lock.rollback()
    ready = client.get("/readyz")  # fresh rows, but a committed import's
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["search"]["detail"] == "60 imported item(s) not yet indexed"
    result = pg_app.test_cli_runner().invoke(args=["reindex", "--pending"])
    assert result.exit_code == 0, result.output
    assert client.get("/readyz").status_code == 200
    response = client.get("/api/v1/search", query_string={"q": "zqbulkq", "per_page": 1})
    assert response.get_json()["meta"]["total"] == 60
