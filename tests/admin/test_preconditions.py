"""If-Match on every admin write: one table says which writes need it; the document and the server agree.

Required: no If-Match is 428, a stale one 412, `*` matches any version. Optional (unpublish, archive):
checked if sent. To replace (a translation's PUT): optional to create it, required to replace it. Every
response with an object carries its version ETag, the one a GET then gives.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from kb.schemas.common import READ_ONLY_FIELDS
from tests.conftest import NEW_ENTRY

ADMIN = "/api/v1/admin"
Headers = dict[str, dict[str, str]]
SLUGS = {"entries": "bruising", "articles": "microneedling-complications"}
REQUIRED, OPTIONAL, TO_REPLACE = "required", "optional", "to replace"
# (method, path under /api/v1/admin/<plural>, If-Match): every write of an existing object
WRITES = [
    ("PATCH", "/{slug}", REQUIRED),
    ("PUT", "/{slug}", REQUIRED),
    ("DELETE", "/{slug}", REQUIRED),
    ("POST", "/{slug}/publish", REQUIRED),
    ("POST", "/{slug}/unpublish", OPTIONAL),
    ("POST", "/{slug}/archive", OPTIONAL),
    ("POST", "/{slug}/revisions/{number}/restore", REQUIRED),
    # one translation (the seed's Spanish): the item read is the translation
    ("PATCH", "/{slug}/translations/{locale}", REQUIRED),
    ("PUT", "/{slug}/translations/{locale}", TO_REPLACE),
    ("POST", "/{slug}/translations/{locale}/publish", REQUIRED),
    ("POST", "/{slug}/translations/{locale}/unpublish", OPTIONAL),
    ("POST", "/{slug}/translations/{locale}/revisions/{number}/restore", REQUIRED),
]
PARAMETER = {REQUIRED: "#/components/parameters/IfMatch", OPTIONAL: "#/components/parameters/IfMatchOptional"}
DOCUMENTED = {REQUIRED: REQUIRED, OPTIONAL: OPTIONAL, TO_REPLACE: OPTIONAL}  # the header as documented
CASES = [(plural, method, path, need) for plural in SLUGS for method, path, need in WRITES]
# Writes of webhook endpoints and scheduled actions (tests/webhooks, tests/scheduling try them)
OTHER_WRITES = {
    ("patch", f"{ADMIN}/webhooks/{{endpoint_id}}"): REQUIRED,
    ("delete", f"{ADMIN}/webhooks/{{endpoint_id}}"): REQUIRED,
    ("post", f"{ADMIN}/webhooks/{{endpoint_id}}/rotate-secret"): REQUIRED,
    ("patch", f"{ADMIN}/schedules/{{schedule_id}}"): REQUIRED,
    ("post", f"{ADMIN}/schedules/{{schedule_id}}/cancel"): REQUIRED,
    **{(method, f"{ADMIN}/procedures/{{slug}}"): REQUIRED for method in ("put", "patch", "delete")},
}
LOCALE = "es"
TRANSLATION_READ_ONLY = (
    "type", "slug", "locale", "source_locale", "status", "version", "live_version",
    "has_unpublished_changes", "source_current_version", "stale", "created_at", "updated_at",
    "published_at",
)  # fmt: skip


def item_of(plural: str, path: str) -> str:
    """The object a write changes: the item, or the translation its path names."""
    item = f"{ADMIN}/{plural}/{SLUGS[plural]}"
    return f"{item}/translations/{LOCALE}" if "/translations/" in path else item


def read(client: FlaskClient, headers: dict[str, str], url: str) -> tuple[dict[str, Any], str]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), response.headers["ETag"]


def body_for(client: FlaskClient, auth: Headers, method: str, item: str) -> dict[str, Any] | None:
    if method == "PATCH":
        return {"title": "Changed Title"}
    if method == "PUT":  # the whole draft as it is, so that only the precondition can refuse it
        draft, _ = read(client, auth["editor"], item)
        read_only = TRANSLATION_READ_ONLY if "/translations/" in item else READ_ONLY_FIELDS
        return {name: value for name, value in draft.items() if name not in read_only}
    return None


def test_document_shows_if_match_on_every_write(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    expected = {(method.lower(), f"{ADMIN}/{plural}{path}"): need for plural, method, path, need in CASES}
    expected.update(OTHER_WRITES)
    found = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # the path's own, not an operation
                continue
            refs = [p.get("$ref") for p in operation.get("parameters", [])]
            needs = [need for need, ref in PARAMETER.items() if ref in refs]
            if needs:
                need = expected.get((method, path))
                assert need is not None, (method, path)
                assert DOCUMENTED[need] == needs[0], (method, path)
                found[(method, path)] = need
                codes = set(operation["responses"])
                assert "412" in codes, (method, path)
                assert ("428" in codes) == (need != OPTIONAL), (method, path)
                for code in ("412", "428") if need != OPTIONAL else ("412",):
                    assert set(operation["responses"][code]["content"]) == {"application/problem+json"}
    assert found == expected
    required = spec["components"]["parameters"]["IfMatch"]
    optional = spec["components"]["parameters"]["IfMatchOptional"]
    assert (required["name"], required["in"], required["required"]) == ("If-Match", "header", True)
    assert (optional["name"], optional["in"], optional["required"]) == ("If-Match", "header", False)


def test_document_shows_the_object_etag_on_every_object_response(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    for plural in SLUGS:
        for method, path, code in [
            ("post", "", "201"),
            ("get", "/{slug}", "200"),
            ("get", "/{slug}/translations/{locale}", "200"),
            *((m.lower(), p, "200") for m, p, _ in WRITES if m != "DELETE"),
        ]:
            response = spec["paths"][f"{ADMIN}/{plural}{path}"][method]["responses"][code]
            assert response["headers"]["ETag"] == {"$ref": "#/components/headers/ObjectETag"}, (method, path)


@pytest.mark.parametrize(("plural", "method", "path", "need"), CASES)
def test_missing_and_stale_if_match(
    client: FlaskClient, auth: Headers, plural: str, method: str, path: str, need: str
) -> None:
    item = item_of(plural, path)
    url = f"{ADMIN}/{plural}{path}".format(slug=SLUGS[plural], locale=LOCALE, number=1)
    body = body_for(client, auth, method, item)
    before, etag = read(client, auth["admin"], item)
    stale = client.open(url, method=method, json=body, headers={**auth["admin"], "If-Match": '"stale"'})
    assert stale.status_code == 412, stale.get_json()
    assert stale.mimetype == "application/problem+json"
    missing = client.open(url, method=method, json=body, headers=auth["admin"])
    if need in (REQUIRED, TO_REPLACE):
        assert missing.status_code == 428, missing.get_json()
        assert missing.mimetype == "application/problem+json"
        assert "If-Match" in missing.get_json()["detail"]
        assert read(client, auth["admin"], item) == (before, etag)  # nothing changed
    else:
        assert missing.status_code == 200, missing.get_json()


@pytest.mark.parametrize("plural", SLUGS)
def test_star_matches_any_version(client: FlaskClient, auth: Headers, plural: str) -> None:
    item = f"{ADMIN}/{plural}/{SLUGS[plural]}"
    star = {**auth["admin"], "If-Match": "*"}
    changed = client.patch(item, json={"title": "Starred Title"}, headers=star)
    assert changed.status_code == 200, changed.get_json()
    assert client.post(f"{item}/publish", headers=star).status_code == 200
    assert client.post(f"{item}/revisions/1/restore", headers=star).status_code == 200


def test_every_write_answers_with_the_etag_a_read_gives(client: FlaskClient, auth: Headers) -> None:
    item = f"{ADMIN}/entries/{NEW_ENTRY['slug']}"
    headers = auth["admin"]
    etag = client.post(f"{ADMIN}/entries", json=NEW_ENTRY, headers=headers).headers["ETag"]
    steps = [
        ("PATCH", item, {"title": "Milia Extraction, Revised"}),
        ("POST", f"{item}/publish", None),
        ("POST", f"{item}/unpublish", None),
        ("POST", f"{item}/archive", None),
        ("POST", f"{item}/revisions/1/restore", None),
        ("PUT", item, None),
    ]
    for method, url, body in steps:
        assert read(client, headers, item)[1] == etag, (method, url)
        if method == "PUT":
            body = body_for(client, auth, method, item) | {"summary": "Replaced summary of milia removal."}
        response = client.open(url, method=method, json=body, headers={**headers, "If-Match": etag})
        assert response.status_code == 200, (method, url, response.get_json())
        assert response.headers["ETag"] != etag, (method, url)
        etag = response.headers["ETag"]
    assert read(client, headers, item)[1] == etag
    deleted = client.delete(item, headers={**headers, "If-Match": etag})
    assert deleted.status_code == 204
    assert "ETag" not in deleted.headers
