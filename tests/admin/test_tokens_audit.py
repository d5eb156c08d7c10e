"""Tokens (CLI and API), how they are stored, and the audit log."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from kb.extensions import db
from kb.models import ApiToken

Headers = dict[str, dict[str, str]]
TOKENS = "/api/v1/admin/tokens"


def test_cli_prints_the_secret_once_on_the_last_line(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["token", "create", "--name", "ci-bot", "--role", "editor"])
    assert result.exit_code == 0
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("kb_")
    assert len(secret) >= 40
    response = app.test_client().get("/api/v1/admin/entries", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    duplicate = app.test_cli_runner().invoke(args=["token", "create", "--name", "ci-bot", "--role", "editor"])
    assert duplicate.exit_code != 0


def test_database_dump_holds_no_secret(app: Flask, auth: Headers) -> None:
    secrets = [h["Authorization"].split()[1] for h in auth.values()]
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            dump = io.StringIO()
            for table in db.metadata.sorted_tables:
                cursor = connection.cursor()
                cursor.execute(f"SELECT * FROM {table.name}")
                dump.write(json.dumps(cursor.fetchall(), default=str))
        finally:
            connection.close()
    text = dump.getvalue()
    assert "kb_" in text  # the prefixes are there, so the dump does hold the token table
    for secret in secrets:
        assert secret not in text
        assert secret[10:] not in text


def test_api_creates_lists_and_revokes_tokens(client: FlaskClient, auth: Headers) -> None:
    created = client.post(TOKENS, json={"name": "widget", "role": "editor"}, headers=auth["admin"])
    assert created.status_code == 201
    body = created.get_json()
    secret = body["token"]
    listed = client.get(TOKENS, headers=auth["admin"]).get_json()["data"]
    assert "widget" in {t["name"] for t in listed}
    assert all("token" not in t and "token_hash" not in t for t in listed)
    use = client.get("/api/v1/admin/entries", headers={"Authorization": f"Bearer {secret}"})
    assert use.status_code == 200
    assert client.get(f"{TOKENS}/{body['id']}", headers=auth["admin"]).get_json()["last_used_at"] is not None
    revoked = client.delete(f"{TOKENS}/{body['id']}", headers=auth["admin"])
    assert revoked.get_json()["revoked_at"] is not None
    assert (
        client.get("/api/v1/admin/entries", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_expired_token_is_refused(app: Flask, client: FlaskClient, auth: Headers) -> None:
    created = client.post(
        TOKENS,
        json={"name": "soon", "role": "admin", "expires_at": "2999-01-01T00:00:00Z"},
        headers=auth["admin"],
    )
    secret = created.get_json()["token"]
    assert client.get(TOKENS, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    with app.app_context():  # time passes
        past = datetime(2001, 1, 1, tzinfo=UTC)
        db.session.execute(sa.update(ApiToken).where(ApiToken.name == "soon").values(expires_at=past))
        db.session.commit()
    assert client.get(TOKENS, headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_an_already_expired_token_is_refused_at_creation(client: FlaskClient, auth: Headers) -> None:
    for when in ("2001-01-01T00:00:00Z", "2020-06-01T12:00:00+02:00"):
        created = client.post(
            TOKENS, json={"name": "old", "role": "admin", "expires_at": when}, headers=auth["admin"]
        )
        assert created.status_code == 422
        assert "in the future" in created.get_json()["errors"]["expires_at"][0]
    listed = client.get(TOKENS, headers=auth["admin"]).get_json()["data"]
    assert "old" not in {t["name"] for t in listed}


def test_invalid_token_requests(client: FlaskClient, auth: Headers) -> None:
    for body in (
        {"name": "x", "role": "root"},
        {"name": "", "role": "editor"},
        {"role": "editor"},
        {"name": "x", "role": "editor", "token_hash": "abc"},
    ):
        assert client.post(TOKENS, json=body, headers=auth["admin"]).status_code == 422, body
    assert (
        client.post(TOKENS, json={"name": "test-editor", "role": "editor"}, headers=auth["admin"]).status_code
        == 409
    )


def test_audit_records_writes_and_failed_auth(client: FlaskClient, auth: Headers) -> None:
    client.get("/api/v1/admin/entries", headers={"Authorization": "Bearer kb_wrong"})
    client.get("/api/v1/admin/tokens", headers=auth["editor"])
    etag = client.get("/api/v1/admin/entries/bruising", headers=auth["editor"]).headers["ETag"]
    client.patch(
        "/api/v1/admin/entries/bruising",
        json={"title": "Audited"},
        headers={**auth["editor"], "If-Match": etag},
    )
    events = client.get("/api/v1/admin/audit?per_page=100", headers=auth["admin"]).get_json()["data"]
    actions = [(e["action"], e["actor"]) for e in events]
    assert ("auth.failed", None) in actions
    assert ("auth.forbidden", "test-editor") in actions
    assert ("entry.update", "test-editor") in actions
    update = next(e for e in events if e["action"] == "entry.update")
    assert update["object_key"] == "bruising"
    assert update["remote_addr"] == "127.0.0.1"
    assert update["method"] == "PATCH"
    mine = client.get("/api/v1/admin/audit?actor=test-editor&action=entry.update", headers=auth["admin"])
    assert [e["action"] for e in mine.get_json()["data"]] == ["entry.update"]
    future = client.get("/api/v1/admin/audit?since=2999-01-01T00:00:00Z", headers=auth["admin"])
    assert future.get_json()["data"] == []


def test_rejected_write_is_not_audited_as_done(app: Flask, client: FlaskClient, auth: Headers) -> None:
    client.patch(
        "/api/v1/admin/entries/bruising",
        json={"title": "x"},
        headers={**auth["editor"], "If-Match": '"stale"'},
    )
    with app.app_context():
        from kb.models import AuditEvent

        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "entry.update")
        )
    assert count == 0


def test_token_ids_are_random_public_ids(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    """Admin URLs name tokens by a random id, not a guessable sequence number."""
    listed = client.get("/api/v1/admin/tokens", headers=auth["admin"]).get_json()["data"]
    ids = [token["id"] for token in listed]
    assert len(ids) == len(set(ids)) == 3
    for token_id in ids:
        assert isinstance(token_id, str)
        assert token_id.startswith("tok_")
        assert len(token_id) >= 20
    assert client.get(f"/api/v1/admin/tokens/{ids[0]}", headers=auth["admin"]).get_json()["id"] == ids[0]
    for guess in ("1", "2", "3"):
        assert client.get(f"/api/v1/admin/tokens/{guess}", headers=auth["admin"]).status_code == 404
    revoked = client.delete(f"/api/v1/admin/tokens/{ids[0]}", headers=auth["admin"])
    assert revoked.status_code == 200
    assert revoked.get_json()["revoked_at"]
