"""Compressed responses through HTTP: gzip, brotli when asked, Vary, an ETag per representation, 304s
for whichever ETag the client holds, small bodies as they are, If-Match across encodings."""

from __future__ import annotations

import gzip
import json

import brotli
import pytest
from flask.testing import FlaskClient

ARTICLE = "/api/v1/articles/microneedling-complications?include=entries"
GZIP = {"Accept-Encoding": "gzip"}
BR = {"Accept-Encoding": "br, gzip;q=0.5"}


def test_json_is_gzipped_and_decodes_to_the_same_body(client: FlaskClient) -> None:
    plain = client.get(ARTICLE)
    zipped = client.get(ARTICLE, headers=GZIP)
    assert plain.headers.get("Content-Encoding") is None
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert len(zipped.data) * 4 < len(plain.data)
    assert json.loads(gzip.decompress(zipped.data)) == plain.get_json()
    for response in (plain, zipped):
        assert "Accept-Encoding" in response.headers["Vary"]


def test_brotli_when_the_client_asks_for_it(client: FlaskClient) -> None:
    response = client.get("/api/v1/entries?per_page=100", headers=BR)
    assert response.headers["Content-Encoding"] == "br"
    assert json.loads(brotli.decompress(response.data))["meta"]["total"] >= 10


def test_the_document_and_the_docs_assets_are_compressed(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json", headers=GZIP)
    assert spec.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(spec.data))["openapi"].startswith("3.1")
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js", headers=GZIP) as asset:
        assert asset.headers["Content-Encoding"] == "gzip"
        assert b"SwaggerUI" in gzip.decompress(asset.data)


def test_small_bodies_stay_uncompressed(client: FlaskClient) -> None:
    response = client.get("/healthz", headers=GZIP)
    assert response.headers.get("Content-Encoding") is None
    assert response.get_json() == {"status": "ok"}
    assert "Accept-Encoding" in response.headers["Vary"]


@pytest.mark.parametrize("url", [ARTICLE, "/api/v1/entries?per_page=50", "/api/v1/search?q=infection"])
def test_each_representation_has_its_own_strong_etag_and_304s_still_work(
    client: FlaskClient, url: str
) -> None:
    identity = client.get(url).headers["ETag"]
    zipped = client.get(url, headers=GZIP).headers["ETag"]
    brotlied = client.get(url, headers=BR).headers["ETag"]
    assert len({identity, zipped, brotlied}) == 3
    assert not any(tag.startswith("W/") for tag in (identity, zipped, brotlied))
    for tag, headers in ((identity, {}), (zipped, GZIP), (brotlied, BR)):
        again = client.get(url, headers={**headers, "If-None-Match": tag})
        assert again.status_code == 304, (tag, headers)
        assert again.data == b""
    stale = client.get(url, headers={**GZIP, "If-None-Match": '"stale"'})
    assert stale.status_code == 200
    assert stale.headers["Content-Encoding"] == "gzip"


def test_if_match_with_an_etag_read_compressed(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    """An editor's client that reads gzip gets the gzip ETag; it is still the draft's state for If-Match."""
    url = "/api/v1/admin/entries/bruising"
    read = client.get(url, headers={**auth["editor"], **GZIP})
    assert read.headers["Content-Encoding"] == "gzip"
    assert read.headers["ETag"].endswith(':gzip"')
    saved = client.patch(
        url, json={"title": "Bruising (edited)"}, headers={**auth["editor"], "If-Match": read.headers["ETag"]}
    )
    assert saved.status_code == 200, saved.get_json()
    stale = client.patch(
        url, json={"title": "Again"}, headers={**auth["editor"], "If-Match": read.headers["ETag"]}
    )
    assert stale.status_code == 412


def test_the_streamed_export_is_compressed_too(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    url = "/api/v1/admin/export?format=ndjson"
    plain = client.get(url, headers=auth["editor"]).get_data()  # read to its end: one stream at a time
    with client.get(url, headers={**auth["editor"], **GZIP}) as zipped:
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.data) == plain
    assert len(plain.splitlines()) >= 11
