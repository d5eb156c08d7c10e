"""GET /api/v1/articles: whole articles in order, with their entries."""

from __future__ import annotations

from flask.testing import FlaskClient

SLUG = "microneedling-complications"


def test_list_articles(client: FlaskClient) -> None:
    body = client.get("/api/v1/articles").get_json()
    assert body["meta"]["total"] == 1
    article = body["data"][0]
    assert article["slug"] == SLUG
    assert "sections" not in article  # the list stays small


def test_article_sections_in_order_with_refs(client: FlaskClient) -> None:
    article = client.get(f"/api/v1/articles/{SLUG}").get_json()
    headings = [s["heading"] for s in article["sections"]]
    assert headings[:3] == [
        "Common Complications Associated with Microneedling",
        "Excessive Redness and Bruising",
        "Risk of Infection",
    ]
    redness = article["sections"][1]
    assert {e["slug"] for e in redness["entries"]} >= {"excessive-redness", "bruising"}
    assert all(set(e) == {"slug", "kind", "title", "summary", "locale"} for e in redness["entries"])
    assert redness["body_html"].startswith("<p>")
    assert "<p>" not in redness["body"]


def test_include_entries_embeds_whole_entries(client: FlaskClient) -> None:
    article = client.get(f"/api/v1/articles/{SLUG}?include=entries").get_json()
    embedded = article["included"]["entries"]
    assert {e["slug"] for e in embedded} == {e["slug"] for s in article["sections"] for e in s["entries"]}
    assert all("details" in e and "body_html" in e for e in embedded)


def test_unknown_article_is_404(client: FlaskClient) -> None:
    assert client.get("/api/v1/articles/nope").status_code == 404
