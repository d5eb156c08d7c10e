"""POST /api/v1/search/multi and /search/multi/facet-values: InstantSearch.js requests, Algolia's answers."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

PRE, POST = "__ais-highlight__", "__/ais-highlight__"


def multi(client: FlaskClient, *params: dict[str, Any], status: int = 200, **query: str) -> Any:
    body = {"requests": [{"indexName": "kb", "params": p} for p in params]}
    response = client.post("/api/v1/search/multi", json=body, query_string=query)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def one(client: FlaskClient, **params: Any) -> dict[str, Any]:
    return multi(client, params)["results"][0]


def slugs(result: dict[str, Any]) -> list[str]:
    return [hit["objectID"] for hit in result["hits"]]


def rest_search(client: FlaskClient, q: str, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/search", query_string={"q": q, "per_page": 100, **params})
    assert response.status_code == 200
    return response.get_json()


def test_result_shape_hits_and_highlights(client: FlaskClient) -> None:
    result = one(
        client,
        query="infection",
        hitsPerPage=5,
        facets=["kind", "tags"],
        highlightPreTag=PRE,
        highlightPostTag=POST,
    )
    assert {
        "hits",
        "nbHits",
        "page",
        "nbPages",
        "hitsPerPage",
        "processingTimeMS",
        "query",
        "params",
        "index",
        "exhaustiveNbHits",
        "facets",
        "queryID",
    } <= set(result)
    assert result["index"] == "kb"
    assert result["query"] == "infection"
    assert result["page"] == 0
    assert result["hitsPerPage"] == 5
    hit = result["hits"][0]
    assert hit["objectID"] == hit["slug"] == "infection"
    assert hit["_highlightResult"]["title"] == {
        "value": f"{PRE}Infection{POST}",
        "matchLevel": "full",
        "matchedWords": ["infection"],
    }
    assert "infection" in hit["tags"]
    rest = rest_search(client, "infection")
    assert result["nbHits"] == rest["meta"]["total"]
    assert result["facets"]["kind"] == rest["facets"]["kind"]
    assert result["queryID"] == rest["meta"]["query_id"]


def test_highlights_are_raw_text_between_the_requested_tags(client: FlaskClient) -> None:
    """Algolia sends unescaped text: the page (InstantSearch.js) escapes it, so nothing is escaped twice."""
    hit = one(client, query="infection")["hits"][0]
    value = hit["_highlightResult"]["title"]["value"]
    assert value == "<em>Infection</em>"  # Algolia's default tags
    assert "&lt;" not in hit["_highlightResult"]["summary"]["value"]


def test_pages_are_zero_based_and_cover_every_hit_once(client: FlaskClient) -> None:
    first = one(client, query="skin", hitsPerPage=3)
    total = first["nbHits"]
    assert total > 3
    assert first["nbPages"] == -(-total // 3)
    seen = []
    for page in range(first["nbPages"]):
        seen += slugs(one(client, query="skin", hitsPerPage=3, page=page))
    assert len(seen) == len(set(seen)) == total
    assert seen == [hit["slug"] for hit in rest_search(client, "skin")["data"]]


def test_facet_filters_and_across_facets(client: FlaskClient) -> None:
    result = one(client, query="skin", facetFilters=["kind:aftercare", "tags:sun"], facets=["kind"])
    expected = rest_search(client, "skin", kind="aftercare", tag="sun")
    assert slugs(result) == [hit["slug"] for hit in expected["data"]]
    assert result["facets"] == {"kind": {"aftercare": expected["meta"]["total"]}}


def test_or_inside_a_facet(client: FlaskClient) -> None:
    query = "skin"
    union = [
        hit["slug"]
        for kind in ("aftercare", "technique")
        for hit in rest_search(client, query, kind=kind)["data"]
    ]
    result = one(
        client,
        query=query,
        hitsPerPage=50,
        facetFilters=[["kind:aftercare", "kind:technique"]],
        facets=["kind"],
    )
    assert sorted(slugs(result)) == sorted(union)
    assert result["nbHits"] == len(union)
    assert set(result["facets"]["kind"]) == {"aftercare", "technique"}
    assert result["exhaustiveNbHits"] is True
    # the gathered hits keep the search's order: the order of the unfiltered search, filtered
    everything = [hit["slug"] for hit in rest_search(client, query)["data"]]
    assert slugs(result) == [slug for slug in everything if slug in union]


def test_or_over_tags_counts_each_entry_once(client: FlaskClient) -> None:
    sun = {hit["slug"] for hit in rest_search(client, "skin", tag="sun")["data"]}
    exposure = {hit["slug"] for hit in rest_search(client, "skin", tag="sun-exposure")["data"]}
    assert sun & exposure, "the seed has entries tagged both"
    result = one(client, query="skin", hitsPerPage=50, facetFilters=[["tags:sun", "tags:sun-exposure"]])
    assert set(slugs(result)) == sun | exposure
    assert result["nbHits"] == len(sun | exposure)


@pytest.mark.parametrize("query", ["skin", ""])
def test_tags_anded_keep_entries_with_both(client: FlaskClient, query: str) -> None:
    """Two tags AND'ed (two groups) matched nothing: they were intersected as if an entry had one tag."""
    listed = client.get("/api/v1/entries", query_string={"per_page": 100}).get_json()["data"]
    both = {entry["slug"] for entry in listed if {"sun", "aftercare"} <= set(entry["tags"])}
    if query:
        both &= {hit["slug"] for hit in rest_search(client, query, per_page=50)["data"]}
    assert both, "the seed has entries tagged both"
    result = one(
        client, query=query, hitsPerPage=50, facetFilters=["tags:sun", "tags:aftercare"], facets=["tags"]
    )
    assert set(slugs(result)) == both
    assert result["nbHits"] == len(both)
    assert result["facets"]["tags"]["sun"] == result["facets"]["tags"]["aftercare"] == len(both)


def test_empty_query_lists_published_entries_by_title(client: FlaskClient) -> None:
    total = client.get("/api/v1/entries", query_string={"per_page": 1}).get_json()["meta"]["total"]
    result = one(client, query="", hitsPerPage=100, facets=["kind"])
    assert result["nbHits"] == total
    titles = [hit["title"] for hit in result["hits"]]
    assert titles == sorted(titles)
    assert sum(result["facets"]["kind"].values()) == total
    narrowed = one(client, query="", facetFilters=[["kind:technique"]], hitsPerPage=100)
    assert {hit["kind"] for hit in narrowed["hits"]} == {"technique"}
    assert narrowed["nbHits"] == result["facets"]["kind"]["technique"]


def test_facets_only_request_as_instantsearch_sends_for_disjunctive_facets(client: FlaskClient) -> None:
    assert one(client, query="skin", hitsPerPage=0, facets="tags")["facets"]["tags"]  # a name, not a list
    assert one(client, query="skin", facets="")["facets"] == {}
    result = one(client, query="skin", hitsPerPage=0, facets=["tags"], maxValuesPerFacet=2)
    assert result["hits"] == []
    assert result["nbPages"] == 0
    assert len(result["facets"]["tags"]) == 2
    assert result["nbHits"] == rest_search(client, "skin")["meta"]["total"]


def test_several_requests_answer_in_order(client: FlaskClient) -> None:
    body = multi(client, {"query": "infection"}, {"query": "bruising"}, {"query": "zzzqqq"})
    assert [r["query"] for r in body["results"]] == ["infection", "bruising", "zzzqqq"]
    assert body["results"][0]["hits"][0]["objectID"] == "infection"
    assert body["results"][1]["hits"][0]["objectID"] == "bruising"
    assert body["results"][2]["nbHits"] == 0


def test_did_you_mean_is_passed_on(client: FlaskClient) -> None:
    assert one(client, query="infecton")["suggestion"] == "infection"


def test_search_for_facet_values(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/search/multi/facet-values",
        json={
            "requests": [
                {"indexName": "kb", "params": {"facetName": "tags", "facetQuery": "su", "query": ""}}
            ]
        },
    )
    assert response.status_code == 200
    hits = response.get_json()["results"][0]["facetHits"]
    values = [hit["value"] for hit in hits]
    assert {"sun", "sun-exposure"} <= set(values)
    assert all(any(word.startswith("su") for word in value.split("-")) for value in values)
    sun = next(hit for hit in hits if hit["value"] == "sun")
    assert sun["highlighted"] == "<em>su</em>n"
    assert sun["count"] == one(client, query="", facets=["tags"])["facets"]["tags"]["sun"]
    counts = [hit["count"] for hit in hits]
    assert counts == sorted(counts, reverse=True)


def test_facet_values_follow_the_query_and_filters(client: FlaskClient) -> None:
    params = {"facetName": "kind", "facetQuery": "", "query": "skin", "facetFilters": ["tags:sun"]}
    response = client.post(
        "/api/v1/search/multi/facet-values", json={"requests": [{"indexName": "kb", "params": params}]}
    )
    hits = response.get_json()["results"][0]["facetHits"]
    expected = rest_search(client, "skin", tag="sun")["facets"]["kind"]
    assert {hit["value"]: hit["count"] for hit in hits} == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"facetFilters": ["color:red"]}, "facetFilters"),
        ({"facetFilters": ["kind:-technique"]}, "facetFilters"),
        ({"facetFilters": [{"kind": "technique"}]}, "facetFilters"),
        ({"facets": ["color"]}, "facets"),
        ({"hitsPerPage": 1000}, "hitsPerPage"),
        ({"page": -1}, "page"),
        ({"filters": "kind:technique"}, "filters"),
        ({"query": "x" * 501}, "query"),
        ({"analytics": 0}, "analytics"),
        ({"hitsPerPage": 2.5}, "hitsPerPage"),
    ],
)
def test_bad_requests_are_problem_json(client: FlaskClient, params: dict[str, Any], field: str) -> None:
    response = client.post("/api/v1/search/multi", json={"requests": [{"indexName": "kb", "params": params}]})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in str(response.get_json()["errors"])


def test_body_must_be_json_with_requests(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/search/multi", data="query=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    response = client.post("/api/v1/search/multi", json={"requests": []})
    assert response.status_code == 422
    response = client.post("/api/v1/search/multi", json={"requests": [{"params": {}}]})
    assert response.status_code == 422
    assert "indexName" in str(response.get_json()["errors"])


def test_cors_preflight_and_answer_are_open_to_any_page(client: FlaskClient) -> None:
    origin = {"Origin": "https://clinic.example"}
    preflight = client.options(
        "/api/v1/search/multi",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    answer = client.post("/api/v1/search/multi", json={"requests": [{"indexName": "kb"}]}, headers=origin)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    admin = client.options(
        "/api/v1/admin/search/analytics", headers={**origin, "Access-Control-Request-Method": "GET"}
    )
    assert admin.headers.get("Access-Control-Allow-Origin") is None


def test_locale_parameter_serves_along_the_chain(client: FlaskClient) -> None:
    """As on /search: each hit in its best published translation, saying which; unknown locales are 400."""
    english = one(client, query="infection")
    assert english["nbHits"] > 0
    assert {hit["locale"] for hit in english["hits"]} == {"en"}
    spanish = multi(client, {"query": "infección"}, locale="es")["results"][0]
    assert spanish["nbHits"] > 0
    assert {hit["locale"] for hit in spanish["hits"]} == {"es"}
    assert spanish["hits"][0]["title"] == "Infección"
    browse = multi(client, {"query": ""}, locale="es")["results"][0]
    assert browse["nbHits"] == english_total(client)
    assert {hit["locale"] for hit in browse["hits"]} == {"es"}
    unsupported = multi(client, {"query": "infection"}, status=400, locale="fr")
    assert "en, es" in unsupported["detail"]
    assert multi(client, {"query": "x"}, status=400, locale="not a locale!")["status"] == 400


def english_total(client: FlaskClient) -> int:
    return int(one(client, query="")["nbHits"])


def test_an_unknown_kind_in_facet_filters_matches_nothing(client: FlaskClient) -> None:
    """As on Algolia, a filter on a value nothing has gives no hits (was a 422 on the query)."""
    body = {"requests": [{"indexName": "kb", "params": {"query": "infection", "facetFilters": ["kind:x"]}}]}
    response = client.post("/api/v1/search/multi", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"][0]["nbHits"] == 0


ARTICLE = "microneedling-complications"


def test_articles_are_hits_with_their_section_and_type_is_a_facet(client: FlaskClient) -> None:
    result = one(client, query="hygiene micro-channels", hitsPerPage=50, facets=["*"])
    rest = rest_search(client, "hygiene micro-channels")
    assert result["facets"]["type"] == rest["facets"]["type"]
    assert result["facets"]["type"]["article"] == 1
    article = next(hit for hit in result["hits"] if hit["type"] == "article")
    assert (article["objectID"], article["kind"]) == (ARTICLE, None)
    assert article["section"] == {"heading": "Risk of Infection", "anchor": "risk-of-infection"}
    assert "microneedling" in article["tags"]  # the article's own tags
    entry = next(hit for hit in result["hits"] if hit["type"] == "entry")
    assert "section" not in entry


def test_type_in_facet_filters(client: FlaskClient) -> None:
    only = one(
        client, query="infection", hitsPerPage=50, facetFilters=["type:article"], facets=["type", "kind"]
    )
    assert [(hit["type"], hit["objectID"]) for hit in only["hits"]] == [("article", ARTICLE)]
    assert only["facets"]["kind"] == {}
    entries = one(client, query="infection", hitsPerPage=50, facetFilters=[["type:entry"]])
    assert {hit["type"] for hit in entries["hits"]} == {"entry"}
    assert entries["nbHits"] == rest_search(client, "infection", type="entry")["meta"]["total"]
    # OR across facets: the article, or the aftercare entries
    mixed = one(client, query="infection", hitsPerPage=50, facetFilters=[["type:article", "kind:aftercare"]])
    assert {(hit["type"], hit["kind"]) for hit in mixed["hits"]} == {
        ("article", None),
        ("entry", "aftercare"),
    }
    assert mixed["facets"] == {}
    assert one(client, query="infection", facetFilters=["type:page"])["nbHits"] == 0
    # the empty query lists entries only
    assert one(client, query="", facetFilters=["type:article"])["nbHits"] == 0
    listed = one(client, query="", hitsPerPage=1, facets=["type"])
    assert listed["facets"]["type"] == {"entry": listed["nbHits"]}


def test_search_for_type_values(client: FlaskClient) -> None:
    params = {"facetName": "type", "facetQuery": "art", "query": "infection"}
    response = client.post(
        "/api/v1/search/multi/facet-values", json={"requests": [{"indexName": "kb", "params": params}]}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["results"][0]["facetHits"] == [
        {"value": "article", "highlighted": "<em>art</em>icle", "count": 1}
    ]
