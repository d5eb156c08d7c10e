"""ETag / 304, Last-Modified, Cache-Control and CORS on public GETs."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

PUBLIC_GETS = [
    "/api/v1/entries",
    "/api/v1/entries?kind=technique",
    "/api/v1/entries/bruising",
    "/api/v1/entries/bruising?include=related",
    "/api/v1/articles",
    "/api/v1/articles/microneedling-complications",
    "/api/v1/tags",
    "/api/v1/openapi.json",
]


@pytest.mark.parametrize("url", PUBLIC_GETS)
def test_etag_and_304(client: FlaskClient, url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    stale = client.get(url, headers={"If-None-Match": '"something-else"'})
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
    response = client.get(url, headers={"Origin": "https://widget.example"})
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
