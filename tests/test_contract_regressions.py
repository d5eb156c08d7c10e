"""Cases where the server and its OpenAPI document disagreed (found by schemathesis and by hand), and
error messages that named internals; each is fixed at its cause and pinned here, through HTTP."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema_rs
import pytest
from flask.testing import FlaskClient

from kb.errors import WHAT_TO_SEND
from tests.conftest import NEW_ENTRY

PROBLEM = "application/problem+json"


@pytest.mark.parametrize("q", ["\x02", "\x01\x1f", " ", "\u200b", "\t\n"])
def test_a_q_with_nothing_to_search_finds_nothing(client: FlaskClient, q: str) -> None:
    """The document allows any 1-500 characters; control characters alone are such a q (was 400)."""
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["data"] == []
    assert body["meta"]["total"] == 0
    assert body["facets"] == {"kind": {}, "tags": {}, "type": {}}


def test_search_for_a_word_still_finds_it(client: FlaskClient) -> None:
    assert client.get("/api/v1/search?q=%02infection").get_json()["meta"]["total"] >= 1


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/entries?fields=", "fields"),
        ("/api/v1/entries/bruising?include=", "include"),
        ("/api/v1/articles/microneedling-complications?include=", "include"),
    ],
)
def test_an_empty_list_parameter_is_refused(client: FlaskClient, url: str, name: str) -> None:
    """``fields=`` names no field (the document: at least one item); it was accepted with 200."""
    response = client.get(url)
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    message = response.get_json()["errors"][name][0]
    assert "at least one" in message
    assert "leave the parameter out" in message


def test_list_parameters_still_work(client: FlaskClient) -> None:
    assert list(client.get("/api/v1/entries?fields=slug").get_json()["data"][0]) == ["slug"]
    assert "related_entries" in client.get("/api/v1/entries/bruising?include=related").get_json()
    assert client.get("/api/v1/entries/bruising").status_code == 200


def _create(client: FlaskClient, auth: dict[str, dict[str, str]], body: Any, raw: str | None = None) -> Any:
    data = raw if raw is not None else json.dumps(body)
    return client.post(
        "/api/v1/admin/entries",
        data=data,
        headers={**auth["editor"], "Content-Type": "application/json"},
    )


@pytest.mark.parametrize("accessed", ["9764-82-84", "2024-02-30", "2024-1-1", "yesterday"])
def test_source_accessed_must_be_a_real_date(
    client: FlaskClient, auth: dict[str, dict[str, str]], accessed: str
) -> None:
    body = {**NEW_ENTRY, "sources": [{"title": "A paper", "accessed": accessed}]}
    response = _create(client, auth, body)
    assert response.status_code == 422
    message = response.get_json()["errors"]["sources"]["0"]["accessed"][0]
    assert "YYYY-MM-DD" in message


def test_source_accessed_is_stored_as_given(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    body = {**NEW_ENTRY, "sources": [{"title": "A paper", "accessed": "2024-02-29"}]}
    response = _create(client, auth, body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["sources"][0]["accessed"] == "2024-02-29"


@pytest.mark.parametrize(
    ("raw", "status", "says"),
    [
        ("{bad", 400, "not valid JSON"),
        ("[1, 2]", 422, "got an array"),
        ('"text"', 422, "got a string"),
        ("null", 422, "got null"),
    ],
)
def test_body_errors_name_what_was_sent_never_internals(
    client: FlaskClient, auth: dict[str, dict[str, str]], raw: str, status: int, says: str
) -> None:
    response = _create(client, auth, None, raw=raw)
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    text = response.get_data(as_text=True)
    assert "_schema" not in text
    problem = response.get_json()
    assert says in problem["detail"]
    assert "JSON object" in problem["detail"]
    assert list(problem["errors"]) == ["body"]


def test_a_nested_wrong_type_is_named_by_its_path(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    response = _create(client, auth, {**NEW_ENTRY, "sources": [["not", "an", "object"]]})
    assert response.status_code == 422
    assert "_schema" not in response.get_data(as_text=True)
    assert "got an array" in response.get_json()["errors"]["sources"]["0"][0]


def test_an_array_body_to_token_create_is_explained(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    response = client.post("/api/v1/admin/tokens", json=[], headers=auth["admin"])
    assert response.status_code == 422
    assert "_schema" not in response.get_data(as_text=True)
    assert "got an array" in response.get_json()["detail"]


def test_routing_errors_say_what_was_asked(client: FlaskClient) -> None:
    missing = client.get("/api/v1/nope").get_json()["detail"]
    assert "/api/v1/nope" in missing
    assert "/api/v1/openapi.json" in missing
    wrong = client.delete("/api/v1/entries")
    assert wrong.status_code == 405
    assert wrong.get_json()["detail"].startswith("DELETE is not allowed on /api/v1/entries; use ")
    assert "GET" in wrong.get_json()["detail"]


def test_a_bad_query_parameter_is_quoted_back(client: FlaskClient) -> None:
    detail = client.get("/api/v1/entries?per_page=1000").get_json()["detail"]
    assert "per_page='1000'" in detail
    assert "less than or equal to 100" in detail


def test_a_wrong_content_type_is_named(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    response = client.post(
        "/api/v1/admin/entries", data="a=b", content_type="text/plain", headers=auth["editor"]
    )
    assert response.status_code == 415
    assert response.get_json()["detail"] == "The body is text/plain; send it as application/json."


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/entries?per_page=5&per_page=abc",
        "/api/v1/entries?fields=slug&fields=title",
        "/api/v1/entries/bruising?include=related&include=related",
        "/api/v1/search?q=a&q=b",
    ],
)
def test_a_parameter_given_twice_is_refused(client: FlaskClient, url: str) -> None:
    """It was read as one of its values (the first), and the list's links used the other."""
    response = client.get(url)
    assert response.status_code == 400
    assert "once; got 2 values" in response.get_json()["detail"]


def test_the_admin_query_parameters_refuse_repeats_too(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    response = client.get("/api/v1/admin/review-due?days=1&days=2", headers=auth["editor"])
    assert response.status_code == 400
    assert "days" in response.get_json()["errors"]


@pytest.mark.parametrize("lasts_days", [2.5, 2.589e-42, True, "3"])
def test_whole_numbers_in_bodies_are_whole(
    client: FlaskClient, auth: dict[str, dict[str, str]], lasts_days: object
) -> None:
    """2.5 was cut to 2 (2.6e-42 to 0) and stored: the document says integer."""
    entry = {
        "slug": "cool-compress",
        "kind": "aftercare",
        "title": "Cool compress",
        "details": {
            "timing": {"starts_after_hours": 0, "lasts_days": lasts_days},
            "instructions": [{"type": "do", "text": "Apply a cool compress."}],
        },
    }
    response = _create(client, auth, entry)
    assert response.status_code == 422, response.get_json()
    assert "details" in response.get_json()["errors"]


def test_an_integral_float_is_a_whole_number(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    entry = {
        "slug": "cool-compress",
        "kind": "aftercare",
        "title": "Cool compress",
        "details": {
            "timing": {"starts_after_hours": 0, "lasts_days": 3.0},
            "instructions": [{"type": "do", "text": "Apply a cool compress."}],
        },
    }
    response = _create(client, auth, entry)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["details"]["timing"]["lasts_days"] == 3


def test_if_match_is_documented_as_entity_tags(client: FlaskClient) -> None:
    """An empty or malformed If-Match is no If-Match (428): the document says so with a pattern."""
    pattern = client.get("/api/v1/openapi.json").get_json()["components"]["parameters"]["IfMatch"]
    assert re.fullmatch(pattern["schema"]["pattern"], '"0123abcd"')
    assert re.fullmatch(pattern["schema"]["pattern"], "*")
    for bad in ("", "0", "i:'Z7!L\\2\t@p:y+{"):
        assert not re.fullmatch(pattern["schema"]["pattern"], bad), bad


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_write_without_a_body_is_refused(
    client: FlaskClient, auth: dict[str, dict[str, str]], method: str
) -> None:
    """It was read as ``{}``: a PATCH of nothing went on to the If-Match check (412)."""
    url = "/api/v1/admin/entries/bruising"
    etag = client.get(url, headers=auth["editor"]).headers["ETag"]
    response = client.open(url, method=method, headers={**auth["editor"], "If-Match": etag})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "body": ["The body is empty; send a JSON object with the fields to write."]
    }
    assert client.patch(url, json={}, headers={**auth["editor"], "If-Match": etag}).status_code == 200


def _import(client: FlaskClient, auth: dict[str, dict[str, str]], body: Any) -> Any:
    return client.post("/api/v1/admin/import?dry_run=true", json=body, headers=auth["admin"])


def test_an_import_item_type_that_is_not_a_string_is_refused(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    """``"type": {}`` was a 500 (an unhashable key)."""
    response = _import(client, auth, {"items": [{"type": {}, "draft": NEW_ENTRY}]})
    assert response.status_code == 422
    assert "type" in response.get_json()["errors"]["items[0]"]


def test_an_import_body_with_unknown_fields_is_refused(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    """They were dropped silently; the document says ``{"items": [...]}`` and nothing else."""
    response = _import(client, auth, {"items": [], "dryrun": True})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"dryrun": [WHAT_TO_SEND["Unknown field."]]}


def test_a_patch_keeps_the_rules_of_what_it_replaces(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    """A PATCH's fields are optional, not their insides: a section without a heading is refused at once
    (it went on to the If-Match check, 412, before the draft was validated)."""
    url = "/api/v1/admin/articles/microneedling-complications"
    response = client.patch(
        url, json={"sections": [{"body": "No heading"}]}, headers={**auth["editor"], "If-Match": '"stale"'}
    )
    assert response.status_code == 422
    assert "heading" in response.get_json()["errors"]["sections"]["0"]


# ---- what CI's randomised fuzz found (seed 2067319722), each pinned through HTTP ----------------------


def _document(client: FlaskClient) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").get_json()  # type: ignore[no-any-return]


def _validator(document: dict[str, Any], component: str) -> Any:
    """A JSON Schema validator for ``#/components/schemas/<component>`` of ``document``."""
    return jsonschema_rs.validator_for(
        {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    )


def _resolve(document: dict[str, Any], schema: Any) -> Any:
    if isinstance(schema, dict) and "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        return node
    return schema


def _strings(document: dict[str, Any], schema: Any, where: str, seen: set[str]) -> list[tuple[str, Any]]:
    """Every string schema reachable from ``schema`` (refs followed once), with where it is."""
    if isinstance(schema, dict) and "$ref" in schema:
        if schema["$ref"] in seen:
            return []
        seen.add(schema["$ref"])
        where = schema["$ref"].rsplit("/", 1)[-1]
    schema = _resolve(document, schema)
    if not isinstance(schema, dict):
        return []
    found: list[tuple[str, Any]] = []
    types = schema.get("type")
    if types == "string" or (isinstance(types, list) and "string" in types):
        found.append((where, schema))
    for key in ("items", "additionalProperties", "propertyNames", "then", "else", "if"):
        found += _strings(document, schema.get(key), f"{where}.{key}", seen)
    for key in ("oneOf", "anyOf", "allOf"):
        for n, alternative in enumerate(schema.get(key, [])):
            found += _strings(document, alternative, f"{where}.{key}[{n}]", seen)
    for name, prop in schema.get("properties", {}).items():
        found += _strings(document, prop, f"{where}.{name}", seen)
    return found


def _says_no_nul(schema: dict[str, Any]) -> bool:
    """The schema allows no string with NUL: an enum or const without one, a format, or a pattern."""
    if "enum" in schema or "const" in schema:
        return all("\x00" not in str(value) for value in schema.get("enum", [schema.get("const")]))
    if "format" in schema or schema.get("maxLength") == 0:
        return True
    pattern = schema.get("pattern")
    return pattern is not None and not any(
        jsonschema_rs.is_valid({"type": "string", "pattern": pattern}, text)
        for text in ("\x00", "a\x00", "kind:a\x00", "tags:a\x00b")
    )


def test_the_document_says_no_text_a_client_sends_may_hold_nul(client: FlaskClient) -> None:
    """The server refuses NUL in every path, query parameter and JSON string (kb/api/intake.py,
    kb/services/jsonbody.py); the document allowed it in q, indexName, facetFilters values, params
    keys, token ids... so schemathesis's valid requests were refused (400, 422)."""
    document = _document(client)
    allowed = []
    for path, operations in document["paths"].items():
        shared = operations.get("parameters", [])
        for method, operation in operations.items():
            if method == "parameters":
                continue
            seen: set[str] = set()
            found = []
            for parameter in [*shared, *operation.get("parameters", [])]:
                parameter = _resolve(document, parameter)
                if parameter["in"] in ("path", "query"):
                    found += _strings(document, parameter["schema"], parameter["name"], seen)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                found += _strings(document, media["schema"], "body", seen)
            allowed += [f"{method.upper()} {path} {where}" for where, s in found if not _says_no_nul(s)]
    assert not allowed, allowed


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/suggest?q=bru%00",
        "/api/v1/search?q=%00",
        "/api/v1/entries/bru%00ising",
    ],
)
def test_a_nul_in_a_public_parameter_is_refused_as_the_document_says(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert "NUL" in response.get_json()["detail"]


def test_a_failed_import_job_has_the_shape_the_document_gives(
    client: FlaskClient, app: Any, auth: dict[str, dict[str, str]]
) -> None:
    """A body the job could not read was an error with ``"errors": null``, which JobError does not
    allow: now its error is under ``body``, as a synchronous import's 422 names it."""
    response = client.post(
        "/api/v1/admin/import",
        data="{not json\n",  # starts as JSON would: refused by the job, not up front
        headers={**auth["admin"], "Prefer": "respond-async", "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 202
    assert app.test_cli_runner().invoke(args=["worker", "--until-idle"]).exit_code == 0
    job = client.get(response.headers["Location"], headers=auth["admin"]).get_json()
    assert job["status"] == "failed"
    assert job["error"]["errors"] == {"body": [job["error"]["detail"]]}
    assert job["error"]["error_count"] == 1
    _validator(_document(client), "Job").validate(job)


@pytest.mark.parametrize("prefer", [{"Prefer": "respond-async"}, {}])
@pytest.mark.parametrize("content_type", [{}, {"Content-Type": "application/json"}])
def test_an_import_without_a_body_is_refused_up_front(
    client: FlaskClient, auth: dict[str, dict[str, str]], prefer: dict[str, str], content_type: dict[str, str]
) -> None:
    """With Prefer: respond-async it was accepted (202), and the job failed once it ran."""
    response = client.post("/api/v1/admin/import", headers={**auth["admin"], **prefer, **content_type})
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert "The body is empty" in response.get_json()["errors"]["body"][0]
    assert client.get("/api/v1/admin/jobs/1", headers=auth["admin"]).status_code == 404


@pytest.mark.parametrize("body", [b"\x00", b"  not json", b"\xef\xbb\xbf\x01"])
def test_an_async_import_that_is_not_json_is_refused_up_front(
    client: FlaskClient, auth: dict[str, dict[str, str]], body: bytes
) -> None:
    """Found by the fuzz (seed 1715865916): a NUL byte with Prefer: respond-async was queued (202)."""
    headers = {**auth["admin"], "Prefer": "respond-async", "Content-Type": "application/json"}
    response = client.post("/api/v1/admin/import", data=body, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == PROBLEM
    assert "Not valid JSON or NDJSON" in response.get_json()["detail"]
    assert client.get("/api/v1/admin/jobs/1", headers=auth["admin"]).status_code == 404


def test_an_async_import_with_a_bom_and_whitespace_is_still_queued(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    headers = {**auth["admin"], "Prefer": "respond-async", "Content-Type": "application/json"}
    body = b'\xef\xbb\xbf \n{"items": []}'
    assert client.post("/api/v1/admin/import", data=body, headers=headers).status_code == 202


def test_dict_keys_the_server_validates_are_documented(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    """Found by the fuzz (seed 1715865916): a procedure's translations keyed by a string that is no
    language tag were valid by the document and refused 422."""
    schema = _document(client)["components"]["schemas"]["ProcedureInput"]
    assert schema["properties"]["translations"]["propertyNames"]["pattern"].startswith("^[a-z]{2,3}")
    body = {"slug": "peel", "title": "Peel", "translations": {"not a tag": {"title": "x"}}}
    response = client.post("/api/v1/admin/procedures", json=body, headers=auth["publisher"])
    assert response.status_code == 422
    assert not _validator(_document(client), "ProcedureInput").is_valid(body)
    body["translations"] = {"es": {"title": "Peeling"}}
    assert _validator(_document(client), "ProcedureInput").is_valid(body)
    assert client.post("/api/v1/admin/procedures", json=body, headers=auth["publisher"]).status_code == 201


def test_the_analytics_date_rule_is_documented_and_explained(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    """``start=2000-01-01`` was a 400 "At most 366 days." that the document did not mention."""
    operation = _document(client)["paths"]["/api/v1/admin/search/analytics"]["get"]
    start = next(p for p in operation["parameters"] if p["name"] == "start")
    assert "at most 366 days" in start["description"]
    assert "366 days" in operation["responses"]["400"]["description"]
    url = "/api/v1/admin/search/analytics"
    response = client.get(
        url, query_string={"start": "2000-01-01", "end": "2001-06-01"}, headers=auth["admin"]
    )
    assert response.status_code == 400
    message = response.get_json()["errors"]["start"][0]
    assert "517 days" in message
    assert "at most 366 days" in message
    after = client.get(url, query_string={"start": "2001-06-02", "end": "2001-06-01"}, headers=auth["admin"])
    assert "start (2001-06-02) is after end (2001-06-01)" in after.get_json()["errors"]["start"][0]
    ok = client.get(url, query_string={"start": "2001-01-01", "end": "2001-12-31"}, headers=auth["admin"])
    assert ok.status_code == 200


def test_a_token_expiring_in_the_past_is_refused_as_documented(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    operation = _document(client)["paths"]["/api/v1/admin/tokens"]["post"]
    assert "future" in operation["responses"]["422"]["description"]
    body = _document(client)["components"]["schemas"]["TokenCreate"]["properties"]["expires_at"]
    assert "future" in body["description"]
    response = client.post(
        "/api/v1/admin/tokens",
        json={"name": "late", "role": "editor", "expires_at": "2000-01-01T00:00:00Z"},
        headers=auth["admin"],
    )
    assert response.status_code == 422
    assert "future" in response.get_json()["errors"]["expires_at"][0]


def _multi(client: FlaskClient, params: dict[str, Any], facets: bool = False) -> Any:
    url = "/api/v1/search/multi/facet-values" if facets else "/api/v1/search/multi"
    return client.post(url, json={"requests": [{"indexName": "kb", "params": params}]})


INSTANTSEARCH_PARAMS = {
    "query": "bruising",
    "attributesToSnippet": ["summary:10"],
    "snippetEllipsisText": "…",
    "clickAnalytics": True,
    "userToken": "anonymous-1",
    "optionalFilters": [["kind:aftercare"], "tags:sun"],
    "aroundRadius": 1000,
    "ruleContexts": None,
}


@pytest.mark.parametrize("facets", [False, True])
def test_other_algolia_params_are_accepted_as_the_document_allows(client: FlaskClient, facets: bool) -> None:
    params = {**INSTANTSEARCH_PARAMS, **({"facetName": "kind"} if facets else {})}
    component = "FacetSearchParams" if facets else "SearchParams"
    _validator(_document(client), component).validate(params)
    assert _multi(client, params, facets).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"query": "a", "facetFilters": ["tags:sun\x00"]}, "facetFilters"),
        ({"query": "a", "facetFilters": [["kind:aftercare", "tags:\x00"]]}, "facetFilters"),
        ({"query": "a", "clickAnalytics\x00": True}, "requests.0.params"),  # a key: named by its object
        ({"query": "a", "userToken": "anonymous\x00"}, "userToken"),
        ({"query": "a", "renderingContent": {"facetOrdering": {}}}, "renderingContent"),
        ({"query": "a", "insideBoundingBox": [[[1.0]]]}, "insideBoundingBox"),
    ],
)
@pytest.mark.parametrize("facets", [False, True])
def test_params_the_document_refuses_the_server_refuses(
    client: FlaskClient, params: dict[str, Any], field: str, facets: bool
) -> None:
    """They were schema-valid (any extra key, any value; a filter value with NUL) and refused with 422:
    now the document says what the server takes, and the server refuses what it does not."""
    params = {**params, **({"facetName": "kind"} if facets else {})}
    component = "FacetSearchParams" if facets else "SearchParams"
    assert not _validator(_document(client), component).is_valid(params)
    response = _multi(client, params, facets)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert field in json.dumps(response.get_json()["errors"])


def test_field_errors_say_what_to_send_not_marshmallows_words(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    """They were marshmallow's own ("Missing data for required field.", "Not a valid integer.")."""
    body = {key: value for key, value in NEW_ENTRY.items() if key != "title"}
    response = _create(client, auth, {**body, "colour": "red", "summary": None})
    errors = response.get_json()["errors"]
    assert errors["title"] == ["Required: send this field."]
    assert errors["colour"][0].startswith("Not a field of this object: remove it")
    assert errors["summary"][0].startswith("May not be null: send a value")
    detail = client.get("/api/v1/entries?per_page=abc").get_json()["detail"]
    assert detail == "Invalid query parameter per_page='abc': Not an integer: send a whole number such as 3."
    text = json.dumps(errors) + detail
    assert not [message for message in WHAT_TO_SEND if message in text]
