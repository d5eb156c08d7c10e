"""One unit of work for every write: the change and its audit event commit together (or neither does),
and search sees a write as soon as it answers. Driven through the admin API and the CLI."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import NEW_ENTRY

Headers = dict[str, dict[str, str]]
ADMIN = "/api/v1/admin"


def events(client: FlaskClient, auth: Headers, action: str, **filters: str) -> list[dict[str, Any]]:
    query = {"action": action, **filters}
    response = client.get(f"{ADMIN}/audit", query_string=query, headers=auth["admin"])
    assert response.status_code == 200
    return response.get_json()["data"]


def test_token_writes_are_audited_by_their_unit_of_work(client: FlaskClient, auth: Headers) -> None:
    created = client.post(f"{ADMIN}/tokens", json={"name": "widget", "role": "editor"}, headers=auth["admin"])
    assert created.status_code == 201
    [event] = [e for e in events(client, auth, "token.create") if e["object_key"] == "widget"]
    assert (event["actor"], event["status"], event["method"]) == ("test-admin", 201, "POST")
    assert event["object_type"] == "token"
    assert event["detail"] == {"role": "editor"}
    revoked = client.delete(f"{ADMIN}/tokens/{created.get_json()['id']}", headers=auth["admin"])
    assert revoked.status_code == 200
    [event] = events(client, auth, "token.revoke")
    assert (event["actor"], event["object_key"], event["status"]) == ("test-admin", "widget", 200)


def test_a_refused_write_leaves_no_audit_event(client: FlaskClient, auth: Headers) -> None:
    before = len(events(client, auth, "token.create"))
    duplicate = client.post(
        f"{ADMIN}/tokens", json={"name": "test-editor", "role": "admin"}, headers=auth["admin"]
    )
    assert duplicate.status_code == 409
    assert len(events(client, auth, "token.create")) == before
    assert client.delete(f"{ADMIN}/tokens/999999", headers=auth["admin"]).status_code == 404
    assert events(client, auth, "token.revoke") == []


def test_cli_token_is_audited_as_the_cli(app: Flask, client: FlaskClient, auth: Headers) -> None:
    result = app.test_cli_runner().invoke(args=["token", "create", "--name", "ci-bot", "--role", "publisher"])
    assert result.exit_code == 0, result.output
    [event] = [e for e in events(client, auth, "token.create") if e["object_key"] == "ci-bot"]
    assert (event["actor"], event["status"], event["method"]) == ("cli", None, None)
    assert event["detail"] == {"role": "publisher"}


def test_import_is_one_unit_of_work(client: FlaskClient, auth: Headers) -> None:
    item = {"type": "entry", "status": "published", "draft": NEW_ENTRY, "live": NEW_ENTRY}
    dry = client.post(f"{ADMIN}/import?dry_run=true", json={"items": [item]}, headers=auth["admin"])
    assert dry.status_code == 200, dry.get_json()
    assert events(client, auth, "import", actor="test-admin") == []  # rolled back with the dry run's changes
    assert client.get("/api/v1/search?q=zqmiliaq").get_json()["meta"]["total"] == 0
    real = client.post(f"{ADMIN}/import", json={"items": [item]}, headers=auth["admin"])
    assert real.get_json()["created"] == ["entry:milia-extraction"]
    [event] = events(client, auth, "import", actor="test-admin")
    assert (event["actor"], event["status"], event["object_type"]) == ("test-admin", 200, "bulk")
    assert event["detail"] == {"dry_run": False, "items": 1, "created": 1, "updated": 0}
    hits = client.get("/api/v1/search?q=zqmiliaq").get_json()["data"]  # the outbox applied on commit
    assert [hit["slug"] for hit in hits] == ["milia-extraction"]


def test_editing_writes_are_searchable_when_they_answer(client: FlaskClient, auth: Headers) -> None:
    created = client.post(f"{ADMIN}/entries", json=NEW_ENTRY, headers=auth["editor"])
    assert client.get("/api/v1/search?q=zqmiliaq").get_json()["meta"]["total"] == 0  # a draft
    item = f"{ADMIN}/entries/{NEW_ENTRY['slug']}"
    published = client.post(
        f"{item}/publish", headers={**auth["publisher"], "If-Match": created.headers["ETag"]}
    )
    assert client.get("/api/v1/search?q=zqmiliaq").get_json()["meta"]["total"] == 1
    [event] = events(client, auth, "entry.publish")
    assert (event["actor"], event["object_key"], event["detail"]) == (
        "test-publisher",
        NEW_ENTRY["slug"],
        {"version": 1},
    )
    unpublished = client.post(
        f"{item}/unpublish", headers={**auth["publisher"], "If-Match": published.headers["ETag"]}
    )
    assert unpublished.status_code == 200
    assert client.get("/api/v1/search?q=zqmiliaq").get_json()["meta"]["total"] == 0
    assert (
        client.delete(item, headers={**auth["admin"], "If-Match": unpublished.headers["ETag"]}).status_code
        == 204
    )
    assert [e["object_key"] for e in events(client, auth, "entry.delete")] == [NEW_ENTRY["slug"]]
