"""Validators named by the content generation (kb.api.caching, kb.services.generation): no change of
public content is ever answered with a stale 304 or a stale body, on any app instance sharing the
database; representations never share an ETag; a cached 304 reads nothing but the generation; the
render cache stays within its bytes."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from kb.api.caching import render_cache
from kb.extensions import db
from tests.conftest import NEW_ENTRY, ROOT, make_app
from tests.scheduling.test_schedules import schedule, soon, status
from tests.webhooks.conftest import Headers, publish, work

ADMIN = "/api/v1/admin"
ENTRY = "/api/v1/entries/infection"
ARTICLE = "/api/v1/articles/microneedling-complications"


def _etag(client: FlaskClient, url: str, **headers: str) -> tuple[str, Any]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.headers["ETag"], response.get_json()


def _revalidate(client: FlaskClient, url: str, etag: str) -> Any:
    """The old ETag must now get a 200 with the new body, never a 304."""
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200, f"{url}: a stale 304 after a change"
    assert response.headers["ETag"] != etag
    return response


def _warm(client: FlaskClient, url: str) -> str:
    """Read twice (the second from the render cache) and check the cached 304; return the ETag."""
    etag, _ = _etag(client, url)
    assert _etag(client, url)[0] == etag
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    return etag


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    """The SQL the app's ORM engine runs in the block."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def test_a_cached_304_renders_nothing_and_opens_no_session(app: Flask) -> None:
    client = app.test_client()
    etag = _warm(client, ENTRY)
    with _statements(app) as seen:
        response = client.get(ENTRY, headers={"If-None-Match": etag})
        cached = client.get(ENTRY)
    assert response.status_code == 304
    assert (response.headers["ETag"], response.data) == (etag, b"")
    assert "Accept-Encoding" in response.headers["Vary"]
    assert cached.status_code == 200
    assert cached.headers["ETag"] == etag
    assert seen == []  # the generation comes from its own light connection; no ORM query, no BEGIN


def test_entry_publish_unpublish_and_delete_are_never_answered_stale(
    client: FlaskClient, auth: Headers
) -> None:
    path = f"{ADMIN}/entries/{NEW_ENTRY['slug']}"
    public = f"/api/v1/entries/{NEW_ENTRY['slug']}"
    client.post(f"{ADMIN}/entries", json=NEW_ENTRY, headers=auth["editor"])
    publish(client, auth, path)
    etag = _warm(client, public)
    list_etag = _warm(client, "/api/v1/entries?per_page=100")

    changed = client.get(path, headers=auth["editor"])
    client.patch(
        path, json={"title": "Milia Removal"}, headers={**auth["editor"], "If-Match": changed.headers["ETag"]}
    )
    assert client.get(public, headers={"If-None-Match": etag}).status_code == 304  # a draft is not public
    publish(client, auth, path)
    response = _revalidate(client, public, etag)
    assert response.get_json()["title"] == "Milia Removal"
    assert "Milia Removal" in _revalidate(client, "/api/v1/entries?per_page=100", list_etag).text

    etag = _warm(client, public)
    current = client.get(path, headers=auth["editor"]).headers["ETag"]
    assert (
        client.post(f"{path}/unpublish", headers={**auth["publisher"], "If-Match": current}).status_code
        == 200
    )
    assert client.get(public, headers={"If-None-Match": etag}).status_code == 404

    publish(client, auth, path)
    etag = _warm(client, public)
    current = client.get(path, headers=auth["editor"]).headers["ETag"]
    assert client.delete(path, headers={**auth["admin"], "If-Match": current}).status_code == 204
    assert client.get(public, headers={"If-None-Match": etag}).status_code == 404
    assert client.get(public).status_code == 404


def test_an_embedded_entry_changing_moves_the_article(client: FlaskClient, auth: Headers) -> None:
    url = f"{ARTICLE}?include=entries"
    etag = _warm(client, url)
    path = f"{ADMIN}/entries/infection"
    current = client.get(path, headers=auth["editor"]).headers["ETag"]
    client.patch(path, json={"title": "Infection zqnew"}, headers={**auth["editor"], "If-Match": current})
    publish(client, auth, path)
    assert "Infection zqnew" in _revalidate(client, url, etag).text


def test_a_translation_published_or_withdrawn_moves_its_readers(client: FlaskClient, auth: Headers) -> None:
    url = f"{ENTRY}?locale=es"
    etag, body = _etag(client, url)
    assert body["locale"] == "es"
    _warm(client, url)
    tr = f"{ADMIN}/entries/infection/translations/es"
    assert client.post(f"{tr}/unpublish", headers=auth["publisher"]).status_code == 200
    response = _revalidate(client, url, etag)
    assert response.get_json()["locale"] == "en"  # the chain falls back to the source
    etag = _warm(client, url)
    current = client.get(tr, headers=auth["editor"]).headers["ETag"]
    assert client.post(f"{tr}/publish", headers={**auth["publisher"], "If-Match": current}).status_code == 200
    assert _revalidate(client, url, etag).get_json()["locale"] == "es"


def test_a_scheduled_publish_moves_the_generation_when_it_runs(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    client.post(f"{ADMIN}/entries", json=NEW_ENTRY, headers=auth["editor"])
    etag = _warm(client, "/api/v1/entries?per_page=100")
    created = schedule(client, auth, f"{ADMIN}/entries/{NEW_ENTRY['slug']}", "publish", soon(0.5))
    work(app, lambda: status(client, auth, created["id"])["status"] != "scheduled", timeout=15)
    assert NEW_ENTRY["slug"] in _revalidate(client, "/api/v1/entries?per_page=100", etag).text


def test_an_import_moves_the_generation(app: Flask) -> None:
    """An import publishing a new entry (the export of one, renamed) moves every public read."""
    client = app.test_client()
    etag = _warm(client, "/api/v1/entries?per_page=100")
    runner = app.test_cli_runner()
    exported = json.loads(runner.invoke(args=["export"]).stdout)
    [item] = [i for i in exported["items"] if i.get("draft", {}).get("slug") == "infection"]
    item = {k: v for k, v in item.items() if k not in ("id", "translations")}
    for copy in ("draft", "live"):
        item[copy] = {**item[copy], "slug": "zq-imported", "related": []}
    source = Path(app.config["KB_INSTANCE_PATH"]) / "import.json"
    source.write_text(json.dumps({"items": [item]}), encoding="utf-8")
    result = runner.invoke(args=["import", str(source)])
    assert result.exit_code == 0, result.output
    assert "zq-imported" in _revalidate(client, "/api/v1/entries?per_page=100", etag).text


def test_no_instance_answers_stale_after_a_publish_through_another(
    tmp_path: Path, auth: Headers, app: Flask
) -> None:
    """Two apps on one database (each its own render cache and connections, as two instances)."""
    other = make_app(tmp_path, fresh=False)
    one, two = app.test_client(), other.test_client()
    etags = {name: _warm(c, ENTRY) for name, c in (("one", one), ("two", two))}
    assert etags["one"] == etags["two"]  # the same content and request: the same ETag everywhere
    path = f"{ADMIN}/entries/infection"
    current = one.get(path, headers=auth["editor"]).headers["ETag"]
    one.patch(path, json={"summary": "zqcrossinstance"}, headers={**auth["editor"], "If-Match": current})
    publish(one, auth, path)
    assert "zqcrossinstance" in _revalidate(two, ENTRY, etags["two"]).text
    assert "zqcrossinstance" in two.get(ENTRY).text  # not the cached body


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        (ENTRY, {}),
        (f"{ENTRY}?locale=es", {}),
        (ENTRY, {"Accept-Language": "fr, es;q=0.5"}),
        (f"{ENTRY}?fields=slug,title", {}),
        (f"{ENTRY}?include=related", {}),
        (ARTICLE, {}),
        (f"{ARTICLE}?include=entries", {}),
        (f"{ARTICLE}?include=entries", {"Accept-Encoding": "gzip"}),
        (f"{ARTICLE}?include=entries", {"Accept-Encoding": "br"}),
    ],
)
def test_representations_never_share_an_etag(client: FlaskClient, url: str, headers: dict[str, str]) -> None:
    seen: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
    cases = [
        (ENTRY, {}),
        (f"{ENTRY}?locale=es", {}),
        (f"{ENTRY}?fields=slug,title", {}),
        (f"{ENTRY}?include=related", {}),
        (ARTICLE, {}),
        (f"{ARTICLE}?include=entries", {}),
        (f"{ARTICLE}?include=entries", {"Accept-Encoding": "gzip"}),
        (f"{ARTICLE}?include=entries", {"Accept-Encoding": "br"}),
    ]
    for case_url, case_headers in cases:
        response = client.get(case_url, headers=case_headers)
        assert response.status_code == 200, (case_url, response.get_json())
        etag = response.headers["ETag"]
        assert etag not in seen, (case_url, case_headers, seen.get(etag))
        seen[etag] = (case_url, tuple(case_headers.items()))
    # the asked representation, twice (rendered, then cached), is the same bytes under the same ETag
    first, second = client.get(url, headers=headers), client.get(url, headers=headers)
    assert (first.headers["ETag"], first.data) == (second.headers["ETag"], second.data)
    if headers.get("Accept-Encoding") == "gzip":
        assert second.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(second.data) == client.get(url).data


def test_the_locale_asked_by_header_or_parameter_is_one_representation_with_its_own_vary(
    client: FlaskClient,
) -> None:
    """Issue 11: ``?locale=es`` and ``Accept-Language: es`` share the ETag; only the header's answer
    varies on Accept-Language, rendered or from the render cache."""
    for _ in range(2):
        by_parameter = client.get(f"{ENTRY}?locale=es")
        by_header = client.get(ENTRY, headers={"Accept-Language": "es"})
        assert by_parameter.headers["ETag"] == by_header.headers["ETag"]
        assert by_parameter.data == by_header.data
        assert "Accept-Language" in by_header.headers["Vary"]
        assert "Accept-Language" not in by_parameter.headers["Vary"]
    english = client.get(ENTRY, headers={"Accept-Language": "en"})
    assert english.headers["ETag"] != by_header.headers["ETag"]


def test_the_render_cache_stays_within_its_bytes(tmp_path: Path) -> None:
    app = make_app(tmp_path, KB_RENDER_CACHE_BYTES=64 * 1024)
    with app.app_context():
        from kb.services.seeding import load_seed

        load_seed(ROOT / "seed")
    client = app.test_client()
    cache = render_cache(app)
    for page in range(1, 40):
        assert client.get(
            f"/api/v1/entries?per_page=5&page={page % 8 + 1}&sort=title&x={page}"
        ).status_code in (
            200,
            400,
        )
    for locale in ("en", "es"):
        client.get(f"{ARTICLE}?include=entries&locale={locale}")
    assert 0 < len(cache) < 40
    assert cache.bytes <= cache.max_bytes
