"""Indexing after a large import (Whoosh): a large backlog is applied as a rebuild aside, read from the
database in batches, which keeps pending the writes made while it runs; /readyz is not ready while a
committed import's rows are not indexed, however fresh they are."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.search.whoosh.backend import WhooshBackend
from kb.services import indexing
from kb.services.seeding import load_seed
from tests.conftest import ROOT, make_app

Headers = dict[str, str]


def entry(n: int, prefix: str = "bulk") -> dict[str, Any]:
    body = {
        "slug": f"{prefix}-{n}",
        "kind": "technique",
        "title": f"Bulk entry {n}",
        "summary": f"Bulk entry number {n}, zq{prefix}q.",
        "body": f"Step {n}: clean the skin.",
        "tags": ["bulk"],
        "details": {"phase": "after", "steps": ["Clean the skin"]},
    }
    return {"type": "entry", "status": "published", "draft": body, "live": body}


def write(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    """Whoosh whatever the suite's backend (its index lives beside the database: the outbox applies
    to it), with a short lock timeout so a held index fails fast."""
    app = make_app(tmp_path, KB_SEARCH_BACKEND="whoosh", KB_SEARCH_LOCK_TIMEOUT=0.2)
    with app.app_context():
        load_seed(ROOT / "seed")
    return app


@pytest.fixture
def admin(app: Flask) -> Headers:
    result = app.test_cli_runner().invoke(args=["token", "create", "--name", "admin", "--role", "admin"])
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}


def total(client: FlaskClient, word: str) -> int:
    return client.get(f"/api/v1/search?q={word}").get_json()["meta"]["total"]


def generation(app: Flask) -> str | None:
    with app.app_context():
        backend = indexing.backend()
        assert isinstance(backend, WhooshBackend)
        return backend.layout.current_name()


def test_a_large_import_is_applied_as_a_rebuild(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexing, "REBUILD_MIN_PENDING", 100)
    client = app.test_client()
    small = app.test_cli_runner().invoke(args=["import", str(write(tmp_path / "a.ndjson", [entry(0)]))])
    assert small.exit_code == 0, small.output
    before = generation(app)  # a small import updates the index in place
    result = app.test_cli_runner().invoke(
        args=["import", str(write(tmp_path / "b.ndjson", [entry(n) for n in range(1, 251)]))]
    )
    assert result.exit_code == 0, result.output
    assert generation(app) != before  # rebuilt aside and swapped in
    assert total(client, "zqbulkq") == 251
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        assert indexing.pending_count() == 0


def test_a_rebuild_keeps_pending_what_is_written_while_it_runs(
    app: Flask, admin: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexing, "BATCH", 20)  # several batches, each a read of its own
    client = app.test_client()
    written: list[int] = []

    def write_meanwhile(done: int) -> None:
        if not written:  # another session, as another worker: its index update finds the index busy
            body = "\n".join(json.dumps(entry(n, "late")) for n in range(12))
            response = client.post(
                "/api/v1/admin/import", data=body, headers={**admin, "Content-Type": "application/x-ndjson"}
            )
            written.append(response.status_code)

    with app.app_context():
        indexing.rebuild(progress=write_meanwhile)
        assert written == [200]
        assert indexing.pending_count() == 12  # the rows of the import made meanwhile stay
    assert client.get("/readyz").status_code == 503  # fresh rows, but more than single writes leave
    with app.app_context():
        assert indexing.apply_pending().pending == 0
    assert total(client, "zqlateq") == 12
    assert client.get("/readyz").status_code == 200


def test_readyz_is_not_ready_while_a_committed_import_is_not_indexed(app: Flask, tmp_path: Path) -> None:
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    path = write(tmp_path / "c.ndjson", [entry(n) for n in range(30)])
    with app.app_context():
        backend = indexing.backend()
        assert isinstance(backend, WhooshBackend)
        with backend.layout.write_lock(1.0):  # the index is held: the import commits, its rows stay
            result = app.test_cli_runner().invoke(args=["import", str(path)])
            assert result.exit_code == 0, result.output
            ready = client.get("/readyz")
    assert ready.status_code == 503  # the rows are seconds old, within the grace of a single write
    assert ready.get_json()["checks"]["search"]["pending"] == 30
    assert total(client, "zqbulkq") == 0
    assert app.test_cli_runner().invoke(args=["reindex", "--pending"]).exit_code == 0
    assert client.get("/readyz").status_code == 200
    assert total(client, "zqbulkq") == 30


def test_readyz_waits_for_a_small_import_however_fresh_its_rows(app: Flask, admin: Headers) -> None:
    """Three imported items left unindexed are not ready at once (their outbox rows are marked as an
    import's), while one edit's row, as fresh, is within the grace."""
    client = app.test_client()
    body = "".join(json.dumps(entry(n)) + "\n" for n in range(3))
    with app.app_context():
        backend = indexing.backend()
        assert isinstance(backend, WhooshBackend)
        with backend.layout.write_lock(1.0):
            edited = client.post(
                "/api/v1/admin/entries/bruising/unpublish",
                headers={
                    **admin,
                    "If-Match": client.get("/api/v1/admin/entries/bruising", headers=admin).headers["ETag"],
                },
            )
            assert edited.status_code == 200, edited.get_json()
            single = client.get("/readyz")
            imported = client.post(
                "/api/v1/admin/import", data=body, headers={**admin, "Content-Type": "application/x-ndjson"}
            )
            assert imported.status_code == 200, imported.get_json()
            ready = client.get("/readyz")
    assert single.status_code == 200, single.get_json()  # one edit pending, seconds old: the grace
    assert ready.status_code == 503
    search = ready.get_json()["checks"]["search"]
    pending = single.get_json()["checks"]["search"]["pending"]
    assert (search["pending"], search["detail"]) == (pending + 3, "3 imported item(s) not yet indexed")
    assert app.test_cli_runner().invoke(args=["reindex", "--pending"]).exit_code == 0
    assert client.get("/readyz").status_code == 200
    assert total(client, "zqbulkq") == 3
