"""Public reads name only published entries (issue 15, item 6): ``related`` and ``details.prevention``
may point at drafts, whose slugs stay private until they are published."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient

Headers = dict[str, dict[str, str]]
ADMIN = "/api/v1/admin"
SECRET_SLUG = "zq-unreleased-technique"  # a draft; its slug must not appear anywhere public
COMPLICATION = {
    "slug": "zq-new-complication",
    "kind": "complication",
    "title": "A new complication",
    "summary": "Rare.",
    "related": ["bruising", SECRET_SLUG],
    "details": {"severity": "minor", "prevention": [SECRET_SLUG, "avoid-sun-exposure"]},
}
TECHNIQUE = {
    "slug": SECRET_SLUG,
    "kind": "technique",
    "title": "Unreleased technique",
    "details": {"phase": "before", "steps": ["Wait for review"]},
}
ARTICLE = {
    "slug": "zq-article",
    "title": "An article",
    "sections": [{"heading": "One", "body": "Text.", "entries": ["zq-new-complication", "bruising"]}],
}


def create(client: FlaskClient, auth: Headers, plural: str, data: dict[str, Any]) -> str:
    response = client.post(f"{ADMIN}/{plural}", json=data, headers=auth["publisher"])
    assert response.status_code == 201, response.get_json()
    return response.headers["ETag"]


def transition(client: FlaskClient, auth: Headers, plural: str, slug: str, action: str) -> None:
    etag = client.get(f"{ADMIN}/{plural}/{slug}", headers=auth["publisher"]).headers["ETag"]
    headers = {**auth["publisher"], "If-Match": etag}
    response = client.post(f"{ADMIN}/{plural}/{slug}/{action}", headers=headers)
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def published(client: FlaskClient, auth: Headers) -> FlaskClient:
    """A published complication and article naming a technique that is only a draft."""
    create(client, auth, "entries", TECHNIQUE)
    create(client, auth, "entries", COMPLICATION)
    transition(client, auth, "entries", COMPLICATION["slug"], "publish")
    create(client, auth, "articles", ARTICLE)
    transition(client, auth, "articles", ARTICLE["slug"], "publish")
    return client


PUBLIC_READS = [
    "/api/v1/entries/zq-new-complication",
    "/api/v1/entries/zq-new-complication?include=related",
    "/api/v1/entries?per_page=100",
    "/api/v1/entries?per_page=100&fields=slug,related,details",
    "/api/v1/entries?kind=complication&per_page=100",
    "/api/v1/articles/zq-article",
    "/api/v1/articles/zq-article?include=entries",
    "/api/v1/changes?limit=1000",
    "/api/v1/search?q=complication",
    "/api/v1/search?q=unreleased",
    "/api/v1/suggest?q=unrel",
]


@pytest.mark.parametrize("path", PUBLIC_READS)
def test_a_draft_slug_appears_in_no_public_read(published: FlaskClient, path: str) -> None:
    response = published.get(path)
    assert response.status_code == 200, response.get_json()
    assert SECRET_SLUG not in response.get_data(as_text=True)


def test_published_references_are_kept_in_order(published: FlaskClient) -> None:
    entry = published.get("/api/v1/entries/zq-new-complication?include=related").get_json()
    assert entry["related"] == ["bruising"]
    assert entry["details"]["prevention"] == ["avoid-sun-exposure"]
    assert entry["details"]["severity"] == "minor"
    assert [e["slug"] for e in entry["related_entries"]] == ["bruising"]
    article = published.get("/api/v1/articles/zq-article?include=entries").get_json()
    assert [e["slug"] for e in article["sections"][0]["entries"]] == ["zq-new-complication", "bruising"]
    embedded = article["included"]["entries"]
    assert [e["slug"] for e in embedded] == ["zq-new-complication", "bruising"]
    assert embedded[0]["related"] == ["bruising"]


def test_editors_still_see_every_reference(published: FlaskClient, auth: Headers) -> None:
    draft = published.get(f"{ADMIN}/entries/zq-new-complication", headers=auth["editor"]).get_json()
    assert draft["related"] == ["bruising", SECRET_SLUG]
    assert draft["details"]["prevention"] == [SECRET_SLUG, "avoid-sun-exposure"]


def test_publishing_the_named_entry_shows_it_and_moves_last_modified(
    published: FlaskClient, auth: Headers
) -> None:
    path = "/api/v1/entries/zq-new-complication"
    before = published.get(path)
    since = before.headers["Last-Modified"]
    assert published.get(path, headers={"If-Modified-Since": since}).status_code == 304
    time.sleep(1.05)  # Last-Modified counts whole seconds
    transition(published, auth, "entries", SECRET_SLUG, "publish")
    after = published.get(path, headers={"If-Modified-Since": since})
    assert after.status_code == 200  # not a stale 304: the representation changed
    assert after.get_json()["related"] == ["bruising", SECRET_SLUG]
    assert after.get_json()["details"]["prevention"] == [SECRET_SLUG, "avoid-sun-exposure"]
    assert after.headers["ETag"] != before.headers["ETag"]
    article = published.get("/api/v1/articles/zq-article?include=entries").get_json()
    assert article["included"]["entries"][0]["related"] == ["bruising", SECRET_SLUG]

    since = after.headers["Last-Modified"]
    time.sleep(1.05)
    transition(published, auth, "entries", SECRET_SLUG, "unpublish")
    gone = published.get(path, headers={"If-Modified-Since": since})
    assert gone.status_code == 200
    assert gone.get_json()["related"] == ["bruising"]
    assert SECRET_SLUG not in published.get("/api/v1/entries?per_page=100").get_data(as_text=True)
