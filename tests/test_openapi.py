"""The OpenAPI document covers every route, and the docs UI works with no internet."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_app

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
DOCS_UI = ("/api/v1/docs", "/api/v1/docs/assets/", "/widget/")  # for people, not operations of the API


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_route_is_documented(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {
        (path, method.upper())
        for path, operations in spec["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }
    routes = {
        (openapi_path(rule.rule), method)
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith(DOCS_UI)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes, "the URL map is empty"
    assert routes - documented == set()
    assert documented - routes == set()


def test_documented_errors_are_problem_json(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert set(response["content"]) == {"application/problem+json"}, (path, method, status)


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


def test_docs_page_serves_its_own_assets(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    parser = _Assets()
    parser.feed(page.get_data(as_text=True))
    assert len(parser.urls) >= 3
    for url in parser.urls:
        assert url.startswith("/api/v1/docs/assets/"), f"{url} would need the internet"
        with client.get(url) as asset:
            assert asset.status_code == 200, url
            assert len(asset.data) > 1000, url
    assert "/api/v1/openapi.json" in page.get_data(as_text=True)


def _operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method in HTTP_METHODS
    ]


def test_every_operation_has_a_unique_meaningful_id(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    ids = [operation.get("operationId") for _, _, operation in _operations(spec)]
    assert None not in ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(re.fullmatch(r"[a-z]+[A-Za-z]*", i) for i in ids), ids
    by_route = {(path, method): operation["operationId"] for path, method, operation in _operations(spec)}
    assert by_route["/api/v1/entries", "get"] == "listEntries"
    assert by_route["/api/v1/entries/{slug}", "get"] == "getEntry"
    assert by_route["/api/v1/admin/entries", "post"] == "createEntry"
    assert by_route["/api/v1/admin/entries/{slug}/publish", "post"] == "publishEntry"
    assert by_route["/api/v1/admin/articles/{slug}/revisions/{number}/restore", "post"] == (
        "restoreArticleRevision"
    )


PREVIEWABLE = ("/api/v1/entries/{slug}", "/api/v1/articles/{slug}")


def test_admin_operations_need_the_bearer_token_and_public_ones_do_not(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "security" not in spec
    for path, method, operation in _operations(spec):
        if path.startswith("/api/v1/admin/"):
            assert operation["security"] == [{"bearerAuth": []}], (path, method)
            assert {"401", "403"} <= set(operation["responses"]), (path, method)
        elif path in PREVIEWABLE:  # optionally a draft preview's token (tests/previews)
            assert operation["security"] == [{}, {"previewToken": []}], (path, method)
        else:
            assert operation["security"] == [], (path, method)  # explicitly none


def test_docs_ui_is_served_but_not_an_operation(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert not [path for path in spec["paths"] if path.startswith(DOCS_UI)]
    assert "/api/v1/openapi.json" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_the_contact_is_the_deployments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_API_CONTACT_EMAIL", "content-api@clinic.example.org")
    info = make_app(tmp_path).test_client().get("/api/v1/openapi.json").get_json()["info"]
    assert info["contact"] == {"name": "kb maintainers", "email": "content-api@clinic.example.org"}


def test_info_servers_and_standard_formats(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    info = spec["info"]
    assert info["description"]
    assert info["contact"]["name"]
    assert info["license"]["name"]
    assert info["license"]["identifier"].startswith("LicenseRef-")  # SPDX: a license of its own
    assert "kb.example" not in json.dumps(info)  # no placeholder addresses
    assert spec["servers"][0]["url"].startswith("http")
    formats = set(re.findall(r'"format": "([^"]+)"', json.dumps(spec)))
    assert formats <= {"uri", "date", "date-time", "uuid", "int32", "int64", "float", "double", "email"}
    source = spec["components"]["schemas"]["Source"]["properties"]
    assert source["url"]["format"] == "uri"
    assert source["accessed"]["format"] == "date"


def test_shared_enums_are_named_components(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    for name, values in (
        ("Kind", ["complication", "technique", "aftercare"]),
        ("Status", ["draft", "published", "archived"]),
        ("Role", ["editor", "publisher", "admin"]),
        ("Severity", ["minor", "moderate", "serious"]),
        ("Phase", ["before", "during", "after"]),
        ("WarningAction", ["self_care", "contact_practitioner", "seek_care_promptly", "emergency"]),
    ):
        assert schemas[name] == {"type": "string", "enum": values}
    text = json.dumps(spec)
    assert '"complication", "technique", "aftercare"' not in text.replace(json.dumps(schemas["Kind"]), "")


def test_details_are_typed_per_kind(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    kinds = ["ComplicationDetails", "TechniqueDetails", "AftercareDetails"]
    refs = [f"#/components/schemas/{name}" for name in kinds]
    for name in ("Entry", "AdminEntry", "EntryInput", "EntryPatch"):
        assert [alt["$ref"] for alt in schemas[name]["properties"]["details"]["oneOf"]] == refs, name
    rules = {
        rule["if"]["properties"]["kind"]["const"]: rule["then"]["properties"]["details"]["$ref"]
        for rule in schemas["EntryInput"]["allOf"]
    }
    assert rules == dict(zip(["complication", "technique", "aftercare"], refs, strict=True))
    assert schemas["TechniqueDetails"]["additionalProperties"] is False


def test_import_items_are_typed(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["paths"]["/api/v1/admin/import"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/ImportBody"}
    assert "application/x-ndjson" in body
    items = spec["components"]["schemas"]["ImportBody"]["properties"]["items"]["items"]
    assert items["discriminator"]["propertyName"] == "type"
    entry_item = spec["components"]["schemas"]["EntryImportItem"]["properties"]
    assert entry_item["draft"] == {"$ref": "#/components/schemas/EntryInput"}


def test_response_headers_are_documented(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    listing = spec["paths"]["/api/v1/entries"]["get"]["responses"]
    assert set(listing["200"]["headers"]) >= {"Link", "X-RateLimit-Limit", "X-RateLimit-Remaining"}
    assert "Retry-After" in listing["429"]["headers"]
    assert "headers" not in spec["paths"]["/healthz"]["get"]["responses"]["200"]


def test_patch_bodies_document_no_defaults(client: FlaskClient) -> None:
    """A field left out of a PATCH is left as it is: a documented default made generated clients send
    it, wiping the summary, body and tags of every entry they patched."""
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("EntryPatch", "ArticlePatch"):
        assert not [p for p, prop in schemas[name]["properties"].items() if "default" in prop], name
    assert schemas["EntryInput"]["properties"]["summary"]["default"] == ""
