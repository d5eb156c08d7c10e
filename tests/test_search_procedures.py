"""``procedure=`` on search and suggestions, through HTTP, on both search backends: every document (an
entry's or an article's, in every language) carries the procedures its item applies to, and the filter
keeps only those; publishing a change of an entry's procedures updates its documents (the outbox).

The PostgreSQL runs need KB_TEST_DATABASE_URL (skipped without it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.services.seeding import load_seed
from tests.conftest import ROOT, TEST_DATABASE_URL, make_app
from tests.sync.support import Editor, Headers, technique

SEARCH, SUGGEST = "/api/v1/search", "/api/v1/suggest"
ARTICLE = ("article", "microneedling-complications")


@pytest.fixture(params=["whoosh", "postgres"])
def search_app(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    """The seeded app with search in Whoosh, or in PostgreSQL (KB_TEST_DATABASE_URL)."""
    if request.param == "postgres" and not TEST_DATABASE_URL:
        pytest.skip("KB_TEST_DATABASE_URL is not set: no PostgreSQL to keep the index in")
    app = make_app(tmp_path, KB_SEARCH_BACKEND=request.param)
    with app.app_context():
        load_seed(ROOT / "seed")
    return app


@pytest.fixture
def client(search_app: Flask) -> FlaskClient:
    return search_app.test_client()


@pytest.fixture
def auth(search_app: Flask) -> Headers:
    headers = {}
    for role in ("editor", "publisher", "admin"):
        result = search_app.test_cli_runner().invoke(
            args=["token", "create", "--name", f"t-{role}", "--role", role]
        )
        assert result.exit_code == 0, result.output
        headers[role] = {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}
    return headers


@pytest.fixture
def peel(client: FlaskClient, auth: Headers) -> Editor:
    """A second procedure, with one published entry that applies to it only (and says "redness")."""
    body = {"slug": "chemical-peel", "title": "Chemical peel"}
    assert client.post("/api/v1/admin/procedures", json=body, headers=auth["publisher"]).status_code == 201
    editor = Editor(client, auth)
    editor.create({**technique("peel-redness-check", "Peel redness check"), "procedures": ["chemical-peel"]})
    editor.publish("peel-redness-check")
    return editor


def search(client: FlaskClient, **params: Any) -> dict[str, Any]:
    response = client.get(SEARCH, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def found(client: FlaskClient, **params: Any) -> set[tuple[str, str]]:
    body = search(client, per_page=100, **params)
    assert body["meta"]["total"] == len(body["data"])
    return {(hit["type"], hit["slug"]) for hit in body["data"]}


def suggested(client: FlaskClient, **params: Any) -> list[str]:
    response = client.get(SUGGEST, query_string={"limit": 20, **params})
    assert response.status_code == 200, response.get_json()
    return [s["slug"] for s in response.get_json()["data"]]


def test_search_keeps_what_applies_to_the_procedure(client: FlaskClient, peel: Editor) -> None:
    everything = found(client, q="redness")
    assert ("entry", "peel-redness-check") in everything
    assert ("entry", "excessive-redness") in everything
    assert ARTICLE in everything
    needling = found(client, q="redness", procedure="microneedling")
    assert needling == everything - {("entry", "peel-redness-check")}
    assert found(client, q="redness", procedure="chemical-peel") == {("entry", "peel-redness-check")}
    # The other filters combine with it, and every facet counts within it.
    assert found(client, q="redness", procedure="chemical-peel", type="article") == set()
    assert found(client, q="redness", procedure="microneedling", type="article") == {ARTICLE}
    facets = search(client, q="redness", procedure="chemical-peel")["facets"]
    assert facets["type"] == {"entry": 1}
    assert facets["kind"] == {"technique": 1}
    assert facets["tags"] == {}


def test_an_unknown_procedure_finds_nothing_and_a_malformed_one_is_refused(client: FlaskClient) -> None:
    """As on the lists: a slug that names no procedure finds nothing (200); one that is no slug is 400."""
    body = search(client, q="redness", procedure="fillers")
    assert (body["data"], body["meta"]["total"]) == ([], 0)
    assert client.get("/api/v1/entries?procedure=fillers").get_json()["meta"]["total"] == 0
    assert suggested(client, q="red", procedure="fillers") == []
    for path in (SEARCH, SUGGEST):
        bad = client.get(path, query_string={"q": "redness", "procedure": "Not A Slug"})
        assert bad.status_code == 400
        assert bad.mimetype == "application/problem+json"
        assert "procedure" in bad.get_json()["errors"]


def test_every_translation_carries_its_items_procedures(client: FlaskClient, peel: Editor) -> None:
    spanish = search(client, q="hematomas", locale="es", procedure="microneedling")
    assert [(hit["slug"], hit["locale"]) for hit in spanish["data"]][:1] == [("bruising", "es")]
    assert found(client, q="hematomas", locale="es", procedure="chemical-peel") == set()
    article = found(client, q="complicaciones", locale="es", type="article", procedure="microneedling")
    assert article == {ARTICLE}
    assert found(client, q="complicaciones", locale="es", type="article", procedure="chemical-peel") == set()


def test_suggestions_keep_titles_of_the_procedure(client: FlaskClient, peel: Editor) -> None:
    assert {"peel-redness-check", "excessive-redness"} <= set(suggested(client, q="red"))
    assert suggested(client, q="red", procedure="chemical-peel") == ["peel-redness-check"]
    needling = suggested(client, q="red", procedure="microneedling")
    assert "excessive-redness" in needling
    assert "peel-redness-check" not in needling
    assert suggested(client, q="r", procedure="chemical-peel") == ["peel-redness-check"]  # memoised prefix
    assert "peel-redness-check" not in suggested(client, q="r", procedure="microneedling")


def test_publishing_new_procedures_updates_the_search_documents(client: FlaskClient, peel: Editor) -> None:
    peel.edit("bruising", procedures=["chemical-peel"])  # a draft: search still sees the live copy
    assert ("entry", "bruising") in found(client, q="bruising", procedure="microneedling")
    peel.publish("bruising")
    assert ("entry", "bruising") not in found(client, q="bruising", procedure="microneedling")
    assert ("entry", "bruising") in found(client, q="bruising", procedure="chemical-peel")
    spanish = found(client, q="hematomas", locale="es", procedure="chemical-peel")
    assert ("entry", "bruising") in spanish  # its translation's document follows
    assert suggested(client, q="brui", procedure="microneedling") == []
    peel.edit("peel-redness-check", procedures=["chemical-peel", "microneedling"])
    peel.publish("peel-redness-check")
    assert ("entry", "peel-redness-check") in found(client, q="redness", procedure="microneedling")
    assert ("entry", "peel-redness-check") in found(client, q="redness", procedure="chemical-peel")


def test_the_parameter_is_in_the_openapi_document(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    shared = document["components"].get("parameters", {})
    for path in ("/api/v1/search", "/api/v1/suggest"):
        listed = document["paths"][path]["get"]["parameters"]
        resolved = [shared[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p for p in listed]
        parameters = {p["name"]: p for p in resolved}
        assert "procedure" in parameters, path
        assert parameters["procedure"]["in"] == "query"
        assert parameters["procedure"]["schema"]["type"] == "string"
        assert "procedure" in parameters["procedure"]["description"]


def multi(client: FlaskClient, status: int = 200, **params: Any) -> dict[str, Any]:
    body = {"requests": [{"indexName": "kb", "params": {"hitsPerPage": 100, "facets": ["*"], **params}}]}
    response = client.post("/api/v1/search/multi", json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()["results"][0] if status == 200 else response.get_json()


def objects(result: dict[str, Any]) -> set[str]:
    assert result["nbHits"] == len(result["hits"])
    return {hit["objectID"] for hit in result["hits"]}


def test_instantsearch_filters_by_procedure(client: FlaskClient, peel: Editor) -> None:
    """``procedure:<slug>`` in facetFilters, as ``procedure=`` on /search: alone, with other facets, OR'ed
    with another procedure (gathered), and on the empty query (the entry list)."""
    peel_only = multi(client, query="redness", facetFilters=["procedure:chemical-peel"])
    assert objects(peel_only) == {"peel-redness-check"}
    assert peel_only["facets"]["type"] == {"entry": 1}
    needling = objects(multi(client, query="redness", facetFilters="procedure:microneedling"))
    assert "peel-redness-check" not in needling
    assert {"excessive-redness", "microneedling-complications"} <= needling
    either = multi(
        client, query="redness", facetFilters=[["procedure:microneedling", "procedure:chemical-peel"]]
    )
    assert objects(either) == needling | {"peel-redness-check"}
    both = ["procedure:microneedling", "procedure:chemical-peel"]  # AND: nothing applies to both yet
    assert objects(multi(client, query="redness", facetFilters=both)) == set()
    mixed = [["procedure:chemical-peel", "type:article"]]
    assert objects(multi(client, query="redness", facetFilters=mixed)) == {
        "peel-redness-check",
        "microneedling-complications",
    }
    assert objects(multi(client, query="redness", facetFilters=["procedure:fillers"])) == set()
    listed = multi(client, query="", facetFilters=["procedure:chemical-peel"])
    assert objects(listed) == {"peel-redness-check"}
    assert listed["facets"]["kind"] == {"technique": 1}
    assert objects(multi(client, query="", facetFilters=["procedure:microneedling"])) == {
        e["slug"]
        for e in client.get("/api/v1/entries?procedure=microneedling&per_page=100").get_json()["data"]
    }
    bad = multi(client, status=422, query="redness", facetFilters=["procedures:chemical-peel"])
    assert "facetFilters" in str(bad["errors"])


def test_publishing_an_articles_new_procedures_updates_its_documents(
    client: FlaskClient, auth: Headers, peel: Editor
) -> None:
    path = f"/api/v1/admin/articles/{ARTICLE[1]}"
    edited = client.patch(
        path, json={"procedures": ["chemical-peel"]}, headers={**auth["editor"], "If-Match": "*"}
    )
    assert edited.status_code == 200, edited.get_json()
    published = client.post(f"{path}/publish", headers={**auth["publisher"], "If-Match": "*"})
    assert published.status_code == 200, published.get_json()
    assert found(client, q="complications", type="article", procedure="microneedling") == set()
    assert found(client, q="complications", type="article", procedure="chemical-peel") == {ARTICLE}
    spanish = found(client, q="complicaciones", locale="es", type="article", procedure="chemical-peel")
    assert spanish == {ARTICLE}
