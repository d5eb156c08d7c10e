"""Articles are searchable (issue 13): typed hits, the best matching section, the type facet and filter,
article titles in suggest, translations, and the index following every publish, unpublish and delete.
Runs on the backend KB_TEST_SEARCH_BACKEND names (whoosh by default; postgres in CI)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

A = "/api/v1/admin/articles"
SEED = "microneedling-complications"
Headers = dict[str, dict[str, str]]
# A word no seed content holds.
WORD = "Quorbelline"
ARTICLE: dict[str, Any] = {
    "slug": "quorbelline-guide",
    "title": f"The {WORD} Guide",
    "summary": "A guide to a made-up serum.",
    "tags": ["aftercare"],
    "sections": [
        {"heading": "Before You Start", "body": "Read the leaflet.", "entries": []},
        {"heading": "Applying It", "body": f"Apply **{WORD}** twice a day.", "entries": ["bruising"]},
        {"heading": "Applying It", "body": "Wash your hands first.", "entries": []},
    ],
}
ARTICLE_ES: dict[str, Any] = {
    "title": f"La guía de {WORD}",
    "summary": "Una guía de un sérum inventado.",
    "sections": [
        {"heading": "Antes de empezar", "body": "Lea el prospecto."},
        {"heading": "Cómo aplicarlo", "body": f"Aplique **{WORD}** dos veces al día."},
        {"heading": "Cómo aplicarlo", "body": "Lávese las manos antes."},
    ],
}


def search(client: FlaskClient, query: str, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/search", query_string={"q": query, "per_page": 50, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def articles(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [hit for hit in body["data"] if hit["type"] == "article"]


def anchors(client: FlaskClient, slug: str, lang: str = "en") -> dict[str, str]:
    response = client.get(f"/api/v1/articles/{slug}", headers={"Accept-Language": lang})
    assert response.status_code == 200
    return {section["anchor"]: section["heading"] for section in response.get_json()["sections"]}


def test_the_article_view_names_each_section_by_a_unique_anchor(client: FlaskClient) -> None:
    named = anchors(client, SEED)
    assert list(named)[:3] == [
        "common-complications-associated-with-microneedling",
        "excessive-redness-and-bruising",
        "risk-of-infection",
    ]
    assert named["when-to-seek-professional-help"] == "When to Seek Professional Help"
    assert "riesgo-de-infeccion" in anchors(client, SEED, "es")  # the served heading, folded to ASCII


def test_article_hit_points_to_the_best_section(client: FlaskClient) -> None:
    body = search(client, "hygiene micro-channels")
    [hit] = articles(body)
    assert hit["slug"] == SEED
    assert (hit["kind"], hit["locale"], hit["urgent"]) == (None, "en", False)
    assert hit["section"] == {"heading": "Risk of Infection", "anchor": "risk-of-infection"}
    assert hit["section"]["anchor"] in anchors(client, SEED)
    assert "<mark>hygiene</mark>" in hit["highlights"]["body"]
    assert set(hit) == {
        "type", "slug", "kind", "title", "summary", "locale", "score", "highlights", "urgent", "action",
        "section",
    }  # fmt: skip
    entry = next(hit for hit in body["data"] if hit["type"] == "entry")
    assert "section" not in entry


def test_type_is_a_facet_and_a_filter(client: FlaskClient) -> None:
    both = search(client, "infection")
    assert both["facets"]["type"]["article"] == 1
    assert both["facets"]["type"]["entry"] == both["meta"]["total"] - 1
    assert sum(both["facets"]["kind"].values()) == both["facets"]["type"]["entry"]
    only = search(client, "infection", type="article")
    assert [(h["type"], h["slug"]) for h in only["data"]] == [("article", SEED)]
    assert only["facets"]["type"] == both["facets"]["type"]  # the facet ignores its own filter
    assert only["facets"]["kind"] == {}
    entries = search(client, "infection", type="entry")
    assert {h["type"] for h in entries["data"]} == {"entry"}
    assert entries["meta"]["total"] == both["meta"]["total"] - 1
    assert "type=entry" in entries["links"]["self"]


def test_a_kind_filter_keeps_entries_only(client: FlaskClient) -> None:
    result = search(client, "infection", kind="complication")
    assert {h["type"] for h in result["data"]} == {"entry"}
    assert result["facets"]["type"] == {"entry": result["meta"]["total"]}
    assert search(client, "infection", kind="complication", type="article")["meta"]["total"] == 0


def test_an_unknown_type_is_a_bad_request(client: FlaskClient) -> None:
    response = client.get("/api/v1/search?q=infection&type=page")
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert "type" in response.get_json()["errors"]


def test_suggest_covers_article_titles(client: FlaskClient) -> None:
    data = client.get("/api/v1/suggest", query_string={"q": "microneedling compl"}).get_json()["data"]
    assert {"type": "article", "slug": SEED, "kind": None, "locale": "en"}.items() <= data[0].items()
    assert data[0]["title"].startswith("Microneedling Complications")
    infection = client.get("/api/v1/suggest", query_string={"q": "infe"}).get_json()["data"]
    assert infection[0]["type"] == "entry"


def test_spanish_readers_find_the_spanish_article_and_its_section(client: FlaskClient) -> None:
    body = search(client, "higiene bacterias", locale="es")
    [hit] = articles(body)
    assert (hit["slug"], hit["locale"]) == (SEED, "es")
    assert hit["title"].startswith("Complicaciones de la micropunción")
    assert hit["section"] == {"heading": "Riesgo de infección", "anchor": "riesgo-de-infeccion"}
    assert hit["section"]["anchor"] in anchors(client, SEED, "es")


def test_drafts_never_show_and_the_index_follows_publishing(client: FlaskClient, auth: Headers) -> None:
    def found(lang: str = "en") -> list[dict[str, Any]]:
        return articles(search(client, WORD.lower(), locale=lang))

    created = client.post(A, json=ARTICLE, headers=auth["editor"])
    assert created.status_code == 201, created.get_json()
    assert found() == []
    assert client.get("/api/v1/suggest", query_string={"q": WORD[:5]}).get_json()["data"] == []

    published = client.post(
        f"{A}/{ARTICLE['slug']}/publish", headers=auth["publisher"] | {"If-Match": created.headers["ETag"]}
    )
    assert published.status_code == 200, published.get_json()
    [hit] = found()
    assert hit["section"] == {"heading": "Applying It", "anchor": "applying-it"}  # the first of two
    assert list(anchors(client, ARTICLE["slug"])) == ["before-you-start", "applying-it", "applying-it-2"]
    suggested = client.get("/api/v1/suggest", query_string={"q": WORD[:5]}).get_json()["data"]
    assert [(s["type"], s["slug"]) for s in suggested] == [("article", ARTICLE["slug"])]

    # A translation is indexed in its own language when published, and leaves the index when withdrawn.
    tr = f"{A}/{ARTICLE['slug']}/translations/es"
    draft = client.put(tr, json=ARTICLE_ES, headers=auth["editor"])
    assert draft.status_code == 201, draft.get_json()
    assert found("es")[0]["locale"] == "en"  # Spanish readers fall back to the English article
    assert (
        client.post(
            f"{tr}/publish", headers=auth["publisher"] | {"If-Match": draft.headers["ETag"]}
        ).status_code
        == 200
    )
    [hit] = found("es")
    assert (hit["locale"], hit["title"]) == ("es", ARTICLE_ES["title"])
    assert hit["section"] == {"heading": "Cómo aplicarlo", "anchor": "como-aplicarlo"}
    assert client.post(f"{tr}/unpublish", headers=auth["publisher"]).status_code == 200
    assert [h["locale"] for h in found("es")] == ["en"]

    # A draft edit changes nothing until it is published.
    current = client.get(f"{A}/{ARTICLE['slug']}", headers=auth["editor"])
    sections = [{**s, "body": "Nothing here."} for s in ARTICLE["sections"]]
    edited = client.patch(
        f"{A}/{ARTICLE['slug']}",
        json={"sections": sections},
        headers=auth["editor"] | {"If-Match": current.headers["ETag"]},
    )
    assert edited.status_code == 200, edited.get_json()
    assert found()[0]["section"]["anchor"] == "applying-it"

    assert client.post(f"{A}/{ARTICLE['slug']}/unpublish", headers=auth["publisher"]).status_code == 200
    assert found() == []
    assert client.get("/api/v1/suggest", query_string={"q": WORD[:5]}).get_json()["data"] == []

    again = client.get(f"{A}/{ARTICLE['slug']}", headers=auth["editor"])
    republished = client.post(
        f"{A}/{ARTICLE['slug']}/publish", headers=auth["publisher"] | {"If-Match": again.headers["ETag"]}
    )
    assert republished.status_code == 200
    [hit] = found()  # the published sections no longer hold the word, only the title does
    assert (hit["section"], hit["highlights"]["title"]) == (None, f"The <mark>{WORD}</mark> Guide")
    etag = client.get(f"{A}/{ARTICLE['slug']}", headers=auth["editor"]).headers["ETag"]
    assert (
        client.delete(f"{A}/{ARTICLE['slug']}", headers=auth["admin"] | {"If-Match": etag}).status_code == 204
    )
    assert found() == []
    ready = client.get("/readyz").get_json()["checks"]["search"]
    assert ready["documents"] == ready["published"]


def test_reindex_rebuilds_articles_too(app, client: FlaskClient) -> None:
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    [hit] = articles(search(client, "hygiene micro-channels"))
    assert hit["section"]["anchor"] == "risk-of-infection"
