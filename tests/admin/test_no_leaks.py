"""Drafts never leak: no public path shows unpublished content, and publishing shows it at once."""

from __future__ import annotations

import json

from flask.testing import FlaskClient

E = "/api/v1/admin/entries"
SECRET = "Zanzibarquux"  # a word that appears only in drafts
Headers = dict[str, dict[str, str]]


def public_text(client: FlaskClient) -> str:
    """Everything a public client can read, concatenated (search results without the echoed query)."""
    pages = [
        "/api/v1/entries?per_page=100",
        "/api/v1/entries/bruising?include=related",
        "/api/v1/entries/infection?include=related",
        "/api/v1/articles/microneedling-complications?include=entries",
        "/api/v1/tags?per_page=100",
        "/api/v1/changes?limit=1000",
    ]
    texts = [client.get(url).get_data(as_text=True) for url in pages]
    for url in (
        f"/api/v1/search?q={SECRET}",
        f"/api/v1/search?q={SECRET.lower()}",
        f"/api/v1/suggest?q={SECRET[:4]}",
    ):
        body = client.get(url).get_json()
        texts.append(json.dumps([body["data"], body.get("facets"), body.get("meta", {}).get("total")]))
    assert client.get(f"/api/v1/entries/{SECRET.lower()}-entry").status_code == 404
    return "\n".join(texts)


def test_drafts_never_leak_and_publish_shows_them_at_once(client: FlaskClient, auth: Headers) -> None:
    feed_before = client.get("/api/v1/changes?limit=1000").get_json()
    new = {
        "slug": f"{SECRET.lower()}-entry",
        "kind": "aftercare",
        "title": f"{SECRET} Aftercare",
        "summary": f"{SECRET} summary",
        "tags": [SECRET.lower()],
        "related": ["bruising"],
        "details": {
            "timing": {"starts_after_hours": 0, "lasts_days": 1},
            "instructions": [{"type": "do", "text": f"{SECRET} instruction"}],
        },
    }
    created = client.post(E, json=new, headers=auth["editor"])
    assert created.status_code == 201
    bruising = client.get(f"{E}/bruising", headers=auth["editor"])
    edited = client.patch(
        f"{E}/bruising",
        json={"summary": f"{SECRET} bruising", "related": [new["slug"]]},
        headers={**auth["editor"], "If-Match": bruising.headers["ETag"]},
    )
    assert edited.status_code == 200
    article = client.get("/api/v1/admin/articles/microneedling-complications", headers=auth["editor"])
    sections = article.get_json()["sections"]
    sections[0] = {
        **sections[0],
        "body": f"{SECRET} intro",
        "entries": [*sections[0]["entries"], new["slug"]],
    }
    assert (
        client.patch(
            "/api/v1/admin/articles/microneedling-complications",
            json={"sections": sections},
            headers={**auth["editor"], "If-Match": article.headers["ETag"]},
        ).status_code
        == 200
    )

    text = public_text(client)
    assert SECRET not in text
    assert SECRET.lower() not in text
    assert client.get("/api/v1/changes?limit=1000").get_json() == feed_before

    for url, etag in (
        (f"{E}/{new['slug']}", created.headers["ETag"]),
        (f"{E}/bruising", edited.headers["ETag"]),
    ):
        assert (
            client.post(f"{url}/publish", headers={**auth["publisher"], "If-Match": etag}).status_code == 200
        )
    assert client.get(f"/api/v1/entries/{new['slug']}").status_code == 200
    assert client.get("/api/v1/entries/bruising").get_json()["summary"] == f"{SECRET} bruising"
    hits = client.get(f"/api/v1/search?q={SECRET}").get_json()["data"]
    assert {h["slug"] for h in hits} == {new["slug"], "bruising"}
    assert client.get(f"/api/v1/suggest?q={SECRET[:4]}").get_json()["data"][0]["slug"] == new["slug"]
    feed = client.get(f"/api/v1/changes?since={feed_before['next_cursor']}").get_json()["data"]
    assert [(c["slug"], c["change"]) for c in feed] == [(new["slug"], "upsert"), ("bruising", "upsert")]
    article_text = client.get("/api/v1/articles/microneedling-complications").get_data(as_text=True)
    assert f"{SECRET} intro" not in article_text  # the article's own draft is still unpublished
