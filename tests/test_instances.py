"""Two app instances (separate gunicorn processes on different ports, nothing shared but PostgreSQL):
what is published through one is readable and searchable through the other on the next request."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import NEW_ENTRY as ENTRY
from tests.conftest import TEST_DATABASE_URL, make_app
from tests.server import call, environment, flask, gunicorn

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="KB_TEST_DATABASE_URL is not set: instances share a PostgreSQL database"
)
WORKERS = 2


def _every_worker(base: str, path: str) -> list[tuple[int, object]]:
    """The same GET a few times per worker, so every worker of the instance answers at least once."""
    return [call(base, "GET", path)[::2] for _ in range(WORKERS * 3)]


def _search(base: str, q: str) -> set[tuple[str, ...]]:
    return {
        tuple(hit["slug"] for hit in body["data"]) for _, body in _every_worker(base, f"/api/v1/search?q={q}")
    }


def test_published_through_one_instance_is_served_by_the_other(tmp_path: Path) -> None:
    make_app(tmp_path, KB_SEARCH_BACKEND="postgres")  # a clean database
    env_a = environment(tmp_path / "a", TEST_DATABASE_URL, KB_SEARCH_BACKEND="postgres")
    env_b = environment(tmp_path / "b", TEST_DATABASE_URL, KB_SEARCH_BACKEND="postgres")
    flask(env_a, "init")
    secret = flask(env_a, "token", "create", "--name", "editor", "--role", "publisher").stdout.split()[-1]
    auth = {"Authorization": f"Bearer {secret}"}
    path, admin = f"/api/v1/entries/{ENTRY['slug']}", f"/api/v1/admin/entries/{ENTRY['slug']}"
    with gunicorn(env_a, workers=WORKERS) as a, gunicorn(env_b, workers=WORKERS) as b:
        assert {status for status, _ in _every_worker(b, path)} == {404}  # b's workers have looked
        assert _search(b, "zqmiliaq") == {()}

        status, headers, _ = call(a, "POST", "/api/v1/admin/entries", ENTRY, auth)
        assert status == 201
        status, headers, _ = call(a, "POST", f"{admin}/publish", None, {**auth, "If-Match": headers["ETag"]})
        assert status == 200
        assert {(status, body["title"]) for status, body in _every_worker(b, path)} == {
            (200, "Milia Extraction")
        }
        assert _search(b, "zqmiliaq") == {("milia-extraction",)}
        assert _search(b, "milia") == {("milia-extraction",)}
        suggestions = {
            tuple(s["slug"] for s in body["data"]) for _, body in _every_worker(b, "/api/v1/suggest?q=mili")
        }
        assert suggestions == {("milia-extraction",)}

        # and back: changed and unpublished through b, seen through a
        status, headers, _ = call(b, "GET", f"{admin}", None, auth)
        changed = {**ENTRY, "summary": "Tiny white zqcystq cysts are removed with a sterile lancet."}
        status, headers, _ = call(b, "PUT", f"{admin}", changed, {**auth, "If-Match": headers["ETag"]})
        assert status == 200
        status, _, _ = call(b, "POST", f"{admin}/publish", None, {**auth, "If-Match": headers["ETag"]})
        assert status == 200
        assert _search(a, "zqcystq") == {("milia-extraction",)}
        assert _search(a, "zqmiliaq") == {()}
        status, _, _ = call(b, "POST", f"{admin}/unpublish", None, auth)
        assert status == 200
        assert {status for status, _ in _every_worker(a, path)} == {404}
        assert _search(a, "zqcystq") == {()}
        ready = call(a, "GET", "/readyz")[2]["checks"]["search"]
        assert (ready["backend"], ready["documents"], ready["published"], ready["pending"]) == (
            "postgres",
            22,  # the seed's ten entries and one article in English and Spanish
            22,
            0,
        )
