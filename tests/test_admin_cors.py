"""The admin API from a browser: CORS for the editor tools' origins (KB_ADMIN_CORS_ORIGINS) only, and
preflights answered by the CORS policy, never authenticated. Through HTTP here; through a real headless
Chromium in tests/test_admin_cors_browser.py."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from kb.extensions import db
from kb.models import AuditEvent
from tests.conftest import make_app

EDITOR = "https://editor.example"
PREFLIGHT = {
    "Origin": EDITOR,
    "Access-Control-Request-Method": "PATCH",
    "Access-Control-Request-Headers": "authorization, content-type, if-match",
}
ADMIN_URL = "/api/v1/admin/entries/bruising"


def _app(tmp_path: Path, origins: list[str]) -> Flask:
    return make_app(tmp_path, KB_ADMIN_CORS_ORIGINS=origins)


def test_admin_is_not_exposed_cross_origin_by_default(tmp_path: Path) -> None:
    client = _app(tmp_path, []).test_client()
    response = client.options(ADMIN_URL, headers=PREFLIGHT)
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.status_code == 200  # answered, not authenticated: no 401, nothing audited
    public = client.get("/api/v1/entries", headers={"Origin": EDITOR})
    assert public.headers["Access-Control-Allow-Origin"] == "*"


def test_a_listed_origin_may_call_the_admin_api(tmp_path: Path) -> None:
    app = _app(tmp_path, [EDITOR, "https://other-tool.example"])
    client = app.test_client()
    response = client.options(ADMIN_URL, headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == EDITOR
    assert "Access-Control-Allow-Credentials" not in response.headers
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed >= {"authorization", "content-type", "if-match"}
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    assert "Origin" in ", ".join(response.headers.getlist("Vary"))
    unauthenticated = client.get(ADMIN_URL, headers={"Origin": EDITOR})
    assert unauthenticated.status_code == 401  # CORS lets the browser read it; the token is still needed
    assert unauthenticated.headers["Access-Control-Allow-Origin"] == EDITOR
    assert "ETag" in unauthenticated.headers["Access-Control-Expose-Headers"]


def test_another_origin_gets_no_cors_headers(tmp_path: Path) -> None:
    client = _app(tmp_path, [EDITOR]).test_client()
    response = client.options(ADMIN_URL, headers={**PREFLIGHT, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflights_are_not_audited(tmp_path: Path) -> None:
    app = _app(tmp_path, [EDITOR])
    client = app.test_client()
    for _ in range(3):
        assert client.options(ADMIN_URL, headers=PREFLIGHT).status_code == 200
        assert client.options("/api/v1/admin/tokens", headers=PREFLIGHT).status_code == 200
    with app.app_context():
        assert db.session.scalars(sa.select(AuditEvent.action)).all() == []
