"""Editing procedures through the admin API: roles, If-Match, problems, audit, and what the public sees."""

from __future__ import annotations

from flask.testing import FlaskClient

A = "/api/v1/admin/procedures"
P = "/api/v1/procedures"
Headers = dict[str, dict[str, str]]
PEEL = {
    "slug": "chemical-peel",
    "title": "Chemical peel",
    "summary": "A chemical solution removes the outer layers of the skin.",
    "translations": {"es": {"title": "Peeling químico", "summary": "Una solución química exfolia la piel."}},
}


def test_create_read_and_serve(client: FlaskClient, auth: Headers) -> None:
    assert client.post(A, json=PEEL, headers=auth["editor"]).status_code == 403
    assert client.post(A, json=PEEL).status_code == 401
    created = client.post(A, json=PEEL, headers=auth["publisher"])
    assert created.status_code == 201, created.get_json()
    assert created.headers["Location"].endswith(f"{A}/chemical-peel")
    assert created.headers["Cache-Control"] == "no-store"
    body = created.get_json()
    assert (body["version"], body["status"], body["locale"]) == (1, "published", "en")
    assert body["translations"] == PEEL["translations"]
    read = client.get(f"{A}/chemical-peel", headers=auth["editor"])
    assert read.headers["ETag"] == created.headers["ETag"]
    assert client.get(f"{P}/chemical-peel").get_json()["title"] == "Chemical peel"
    assert client.get(f"{P}/chemical-peel?locale=es").get_json()["title"] == "Peeling químico"
    listed = client.get(f"{A}?q=peel", headers=auth["editor"]).get_json()
    assert [p["slug"] for p in listed["data"]] == ["chemical-peel"]
    again = client.post(A, json=PEEL, headers=auth["publisher"])
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"


def test_invalid_bodies_are_422_problems(client: FlaskClient, auth: Headers) -> None:
    for body, field in (
        ({**PEEL, "slug": "Chemical Peel"}, "slug"),
        ({**PEEL, "title": ""}, "title"),
        ({**PEEL, "translations": {"es": {"summary": "sin título"}}}, "translations"),
        ({**PEEL, "translations": {"EN!": {"title": "x"}}}, "translations"),
        ({**PEEL, "price": 100}, "price"),
    ):
        response = client.post(A, json=body, headers=auth["publisher"])
        assert response.status_code == 422, body
        assert response.mimetype == "application/problem+json"
        assert field in response.get_json()["errors"]


def test_updates_need_the_current_etag(client: FlaskClient, auth: Headers) -> None:
    first = client.get(f"{A}/microneedling", headers=auth["editor"])
    change = {"summary": "Tiny needles make micro-injuries that the skin heals."}
    assert client.patch(f"{A}/microneedling", json=change, headers=auth["publisher"]).status_code == 428
    assert (
        client.patch(
            f"{A}/microneedling", json=change, headers={**auth["editor"], "If-Match": first.headers["ETag"]}
        ).status_code
        == 403
    )
    patched = client.patch(
        f"{A}/microneedling", json=change, headers={**auth["publisher"], "If-Match": first.headers["ETag"]}
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["version"] == 2
    assert patched.get_json()["title"] == "Microneedling"  # untouched by a PATCH
    assert client.get(f"{P}/microneedling").get_json()["summary"] == change["summary"]
    stale = client.patch(
        f"{A}/microneedling", json=change, headers={**auth["publisher"], "If-Match": first.headers["ETag"]}
    )
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    renamed = client.patch(
        f"{A}/microneedling",
        json={"slug": "needling"},
        headers={**auth["publisher"], "If-Match": patched.headers["ETag"]},
    )
    assert renamed.status_code == 422
    replaced = client.put(
        f"{A}/microneedling",
        json={"title": "Microneedling", "summary": "Collagen induction therapy."},
        headers={**auth["publisher"], "If-Match": patched.headers["ETag"]},
    )
    assert replaced.status_code == 200, replaced.get_json()
    assert replaced.get_json()["translations"] == {}  # a PUT is the whole procedure
    assert client.get(f"{P}/microneedling?locale=es").get_json()["locale"] == "en"


def test_delete_refuses_a_procedure_content_names(client: FlaskClient, auth: Headers) -> None:
    read = client.get(f"{A}/microneedling", headers=auth["editor"])
    etag = {"If-Match": read.headers["ETag"]}
    assert client.delete(f"{A}/microneedling", headers={**auth["publisher"], **etag}).status_code == 403
    refused = client.delete(f"{A}/microneedling", headers={**auth["admin"], **etag})
    assert refused.status_code == 409
    assert "entry:bruising" in refused.get_json()["errors"]["referenced_by"]
    assert "article:microneedling-complications" in refused.get_json()["errors"]["referenced_by"]
    created = client.post(A, json=PEEL, headers=auth["publisher"])
    assert client.delete(f"{A}/chemical-peel", headers=auth["admin"]).status_code == 428
    gone = client.delete(f"{A}/chemical-peel", headers={**auth["admin"], "If-Match": created.headers["ETag"]})
    assert gone.status_code == 204
    assert client.get(f"{P}/chemical-peel").status_code == 404
    assert client.get(f"{A}/chemical-peel", headers=auth["editor"]).status_code == 404


def test_writes_are_audited(client: FlaskClient, auth: Headers) -> None:
    client.post(A, json=PEEL, headers=auth["publisher"])
    events = client.get("/api/v1/admin/audit?action=procedure.create", headers=auth["admin"]).get_json()
    [event] = events["data"]
    assert (event["actor"], event["object_type"], event["object_key"]) == (
        "test-publisher",
        "procedure",
        "chemical-peel",
    )


def test_the_slug_is_documented_read_only_on_changes(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    """Found by the fuzz (seed 1246529856): PATCH and PUT documented `slug` as writable, then refused
    every other value (422). It is readOnly there; sending the procedure's own slug still works."""
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("ProcedurePatch", "ProcedureReplace"):
        assert schemas[name]["properties"]["slug"]["readOnly"] is True
        assert "slug" not in schemas[name].get("required", [])
    assert "readOnly" not in schemas["ProcedureInput"]["properties"]["slug"]
    etag = client.get(f"{A}/microneedling", headers=auth["editor"]).headers["ETag"]
    same = {"slug": "microneedling", "title": "Microneedling"}
    response = client.put(f"{A}/microneedling", json=same, headers={**auth["publisher"], "If-Match": etag})
    assert response.status_code == 200, response.get_json()
