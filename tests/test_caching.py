"""ETag / 304, Last-Modified, Cache-Control and CORS on public GETs, and the document saying so."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import NEW_ENTRY

PUBLIC_GETS = [
    "/api/v1/entries",
    "/api/v1/entries?kind=technique",
    "/api/v1/entries/bruising",
    "/api/v1/entries/bruising?include=related",
    "/api/v1/articles",
    "/api/v1/articles/microneedling-complications",
    "/api/v1/tags",
    "/api/v1/search?q=infection",
    "/api/v1/search?q=infection&kind=complication&page=1",
    "/api/v1/suggest?q=inf",
    "/api/v1/changes",
    "/api/v1/changes?limit=2",
    "/api/v1/sync",
    "/api/v1/sync?limit=2&locale=es",
    "/api/v1/procedures",
    "/api/v1/procedures/microneedling?locale=es",
    "/api/v1/procedures/microneedling/rules",
    "/api/v1/procedures/microneedling/timeline?start=2026-10-24T10:00:00%2B01:00&tz=Europe/London",
    "/api/v1/procedures/microneedling/calendar.ics?start=2026-10-24T10:00:00Z",
    "/api/v1/entries?procedure=microneedling",
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/docs/assets/swagger-ui.css",
]
PROBES = ("/healthz", "/readyz")


def get(client: FlaskClient, url: str, **kwargs: Any) -> TestResponse:
    """A GET whose body is read and whose file (a docs asset) is closed."""
    with client.get(url, **kwargs) as response:
        response.get_data()
    return response


@pytest.mark.parametrize("url", PUBLIC_GETS)
def test_etag_and_304(client: FlaskClient, url: str) -> None:
    first = get(client, url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert not etag.startswith("W/")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = get(client, url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    stale = get(client, url, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


def test_etag_differs_between_representations(client: FlaskClient) -> None:
    plain = client.get("/api/v1/entries/bruising").headers["ETag"]
    embedded = client.get("/api/v1/entries/bruising?include=related").headers["ETag"]
    assert plain != embedded


def test_last_modified_and_if_modified_since(client: FlaskClient) -> None:
    response = client.get("/api/v1/entries/bruising")
    last_modified = response.headers["Last-Modified"]
    assert (
        client.get("/api/v1/entries/bruising", headers={"If-Modified-Since": last_modified}).status_code
        == 304
    )
    assert "Last-Modified" not in client.get("/api/v1/entries/bruising?include=related").headers


@pytest.mark.parametrize("url", PUBLIC_GETS)
def test_cors_open_to_any_origin_without_credentials(client: FlaskClient, url: str) -> None:
    response = get(client, url, headers={"Origin": "https://widget.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_cors_preflight(client: FlaskClient) -> None:
    response = client.options(
        "/api/v1/entries",
        headers={"Origin": "https://widget.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_probes_are_not_cached(client: FlaskClient) -> None:
    assert client.get("/readyz").headers["Cache-Control"] == "no-store"
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"


def test_every_public_get_documents_and_answers_its_304(client: FlaskClient) -> None:
    """Each public GET of the document takes If-None-Match, documents 304 and ETag, and is tried above."""
    spec = client.get("/api/v1/openapi.json").get_json()
    tried = {re.sub(r"\?.*", "", url) for url in PUBLIC_GETS}
    public = [
        path
        for path, operations in spec["paths"].items()
        if "get" in operations and not path.startswith("/api/v1/admin") and path not in PROBES
    ]
    assert public
    for path in public:
        get = spec["paths"][path]["get"]
        refs = [p.get("$ref") for p in get.get("parameters", [])]
        assert "#/components/parameters/IfNoneMatch" in refs, path
        assert get["responses"]["304"]["headers"]["ETag"] == {"$ref": "#/components/headers/ETag"}, path
        assert "ETag" in get["responses"]["200"]["headers"], path
        pattern = re.sub(r"\{[a-z_]+\}", "[^/]+", path)
        assert any(re.fullmatch(pattern, url) for url in tried), f"{path}: no 304 test in PUBLIC_GETS"
    for path in ("/api/v1/entries/{slug}", "/api/v1/articles/{slug}"):
        assert "Last-Modified" in spec["paths"][path]["get"]["responses"]["200"]["headers"]
    search = spec["paths"]["/api/v1/search"]["get"]["responses"]
    for code in ("200", "304"):
        assert search[code]["headers"]["Server-Timing"] == {"$ref": "#/components/headers/ServerTiming"}
    assert "took_ms" not in spec["components"]["schemas"]["SearchMeta"]["properties"]


def test_search_etag_is_the_body_hash(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    """The search ETag follows the results (not the index's state): a publish that changes them
    changes it, and an unchanged index gives the same ETag again."""
    url = "/api/v1/search?q=zqmiliaq"
    before = client.get(url)
    assert client.get(url).headers["ETag"] == before.headers["ETag"]
    assert before.get_json()["meta"]["total"] == 0
    created = client.post("/api/v1/admin/entries", json=NEW_ENTRY, headers=auth["editor"])
    published = client.post(
        f"/api/v1/admin/entries/{NEW_ENTRY['slug']}/publish",
        headers={**auth["publisher"], "If-Match": created.headers["ETag"]},
    )
    assert published.status_code == 200
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_json()["meta"]["total"] == 1
    assert after.headers["ETag"] != before.headers["ETag"]
