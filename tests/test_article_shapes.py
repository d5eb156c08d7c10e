"""What a client chooses to receive of an article (issue 16, bytes on the wire): with include=entries each
referenced entry comes once under ``included.entries`` while sections keep references; ``fields`` on
articles, ``fields[entries]`` on the included entries and ``body_format`` trim the answer; every shape
is its own representation (its own ETag)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from kb.services.articles import REF_FIELDS

ARTICLE = "/api/v1/articles/microneedling-complications"
ENTRIES = "/api/v1/entries"


def get(client: FlaskClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_json())
    return response.get_json()


def references(article: dict[str, Any]) -> list[str]:
    return [ref["slug"] for section in article["sections"] for ref in section["entries"]]


def test_include_entries_embeds_each_entry_once_in_first_reference_order(client: FlaskClient) -> None:
    article = get(client, f"{ARTICLE}?include=entries")
    refs = references(article)
    assert len(refs) > len(set(refs))  # the seed article names some entries in several sections
    included = article["included"]["entries"]
    assert [e["slug"] for e in included] == list(dict.fromkeys(refs))
    for section in article["sections"]:
        assert all(tuple(ref) == REF_FIELDS for ref in section["entries"])  # references, not copies
    for entry in included:
        assert entry == get(client, f"{ENTRIES}/{entry['slug']}")  # the whole entry, as its own read
    assert article["sections"] == get(client, ARTICLE)["sections"]  # include adds, changes nothing
    raw = client.get(f"{ARTICLE}?include=entries").get_data(as_text=True)
    assert raw.count('"body_html"') == len(article["sections"]) + len(included)


def test_without_include_there_is_no_included(client: FlaskClient) -> None:
    assert "included" not in get(client, ARTICLE)


def test_fields_picks_article_fields_and_keeps_slug_locale_and_included(client: FlaskClient) -> None:
    assert set(get(client, f"{ARTICLE}?fields=title")) == {"slug", "locale", "title"}
    slim = get(client, f"{ARTICLE}?fields=title,sections&include=entries")
    assert set(slim) == {"slug", "locale", "title", "sections", "included"}
    response = client.get(f"{ARTICLE}?fields=title")
    assert response.headers["Content-Language"] == "en"


def test_fields_of_entries_picks_included_entry_fields(client: FlaskClient) -> None:
    article = get(client, f"{ARTICLE}?include=entries&fields[entries]=title,details")
    assert article["included"]["entries"]
    for entry in article["included"]["entries"]:
        assert set(entry) == {"slug", "locale", "title", "details"}
    assert get(client, f"{ARTICLE}?fields[entries]=title") == get(client, ARTICLE)  # nothing to trim


@pytest.mark.parametrize(("body_format", "kept"), [("markdown", "body"), ("html", "body_html")])
def test_body_format_applies_to_sections_included_entries_and_entries(
    client: FlaskClient, body_format: str, kept: str
) -> None:
    dropped = {"body", "body_html"} - {kept}
    article = get(client, f"{ARTICLE}?include=entries&body_format={body_format}")
    both = get(client, f"{ARTICLE}?include=entries&body_format=both")
    for shown, full in zip(
        [*article["sections"], *article["included"]["entries"]],
        [*both["sections"], *both["included"]["entries"]],
        strict=True,
    ):
        assert shown[kept] == full[kept]
        assert not dropped & set(shown)
        assert {k: v for k, v in full.items() if k not in dropped} == shown
    entry = get(client, f"{ENTRIES}/bruising?body_format={body_format}")
    assert kept in entry
    assert not dropped & set(entry)
    listed = get(client, f"{ENTRIES}?body_format={body_format}")["data"]
    assert listed
    assert all(kept in e and not dropped & set(e) for e in listed)


def test_article_list_takes_fields(client: FlaskClient) -> None:
    data = get(client, "/api/v1/articles?fields=slug,title")["data"]
    assert data
    assert all(set(a) == {"slug", "title"} for a in data)


def test_the_slimmest_article_is_much_smaller(client: FlaskClient) -> None:
    full = client.get(f"{ARTICLE}?include=entries").data
    slim = client.get(
        f"{ARTICLE}?include=entries&body_format=html&fields=title,sections"
        "&fields[entries]=kind,title,body_html,details"
    ).data
    assert len(slim) < len(full) * 0.75
    assert json.loads(slim)["included"]["entries"]


@pytest.mark.parametrize(
    ("url", "param"),
    [
        (f"{ARTICLE}?fields=nope", "fields"),
        (f"{ARTICLE}?fields=", "fields"),
        (f"{ARTICLE}?fields=included", "fields"),
        (f"{ARTICLE}?include=entries&fields[entries]=nope", "fields[entries]"),
        (f"{ARTICLE}?include=entries&fields[entries]=", "fields[entries]"),
        (f"{ARTICLE}?body_format=pdf", "body_format"),
        (f"{ARTICLE}?fields=title&fields=slug", "fields"),
        ("/api/v1/articles?fields=sections", "fields"),
        (f"{ENTRIES}?body_format=text", "body_format"),
        (f"{ENTRIES}/bruising?body_format=", "body_format"),
    ],
)
def test_bad_shapes_are_400_problems_naming_the_parameter(client: FlaskClient, url: str, param: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert param in response.get_json()["errors"], response.get_json()


SHAPES = [
    f"{ARTICLE}?include=entries",
    f"{ARTICLE}?include=entries&body_format=html",
    f"{ARTICLE}?include=entries&body_format=markdown",
    f"{ARTICLE}?include=entries&fields[entries]=title",
    f"{ARTICLE}?include=entries&fields[entries]=title,body",
    f"{ARTICLE}?include=entries&fields=title,sections",
    f"{ARTICLE}?fields=title",
    f"{ARTICLE}?fields=title,summary",
    "/api/v1/articles?fields=title",
    f"{ENTRIES}/bruising?body_format=html",
    f"{ENTRIES}?body_format=markdown",
]


def test_every_shape_is_its_own_representation(client: FlaskClient) -> None:
    """Two different answers never share an ETag, and one's ETag never gets the other a 304."""
    seen: dict[str, str] = {}
    bodies: dict[str, bytes] = {}
    for url in SHAPES:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_json())
        etag = response.headers["ETag"]
        assert etag not in seen, (url, seen.get(etag))
        seen[etag], bodies[url] = url, response.data
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
    assert len(set(bodies.values())) == len(SHAPES)  # each a different answer
    for etag, url in seen.items():
        for other in SHAPES:
            if other != url and other.split("?")[0] == url.split("?")[0]:
                response = client.get(other, headers={"If-None-Match": etag})
                assert response.status_code == 200, (other, url)
                assert response.data == bodies[other]
