"""Who may call what: one table drives every admin route and method for every kind of caller."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.api.auth import protect
from kb.api.base import Blueprint
from kb.extensions import api
from tests.conftest import make_app

E, A = "/api/v1/admin/entries", "/api/v1/admin/articles"
ENTRY, ARTICLE = f"{E}/bruising", f"{A}/microneedling-complications"
HOOKS = "/api/v1/admin/webhooks"
P = "/api/v1/admin/procedures"

# (method, path, least role allowed)
TABLE = [
    ("GET", E, "editor"),
    ("POST", E, "editor"),
    ("GET", ENTRY, "editor"),
    ("PATCH", ENTRY, "editor"),
    ("PUT", ENTRY, "editor"),
    ("DELETE", ENTRY, "admin"),
    ("POST", f"{ENTRY}/publish", "publisher"),
    ("POST", f"{ENTRY}/unpublish", "publisher"),
    ("POST", f"{ENTRY}/archive", "publisher"),
    ("GET", f"{ENTRY}/revisions", "editor"),
    ("GET", f"{ENTRY}/revisions/1", "editor"),
    ("POST", f"{ENTRY}/revisions/1/restore", "editor"),
    ("GET", A, "editor"),
    ("POST", A, "editor"),
    ("GET", ARTICLE, "editor"),
    ("PATCH", ARTICLE, "editor"),
    ("PUT", ARTICLE, "editor"),
    ("DELETE", ARTICLE, "admin"),
    ("POST", f"{ARTICLE}/publish", "publisher"),
    ("POST", f"{ARTICLE}/unpublish", "publisher"),
    ("POST", f"{ARTICLE}/archive", "publisher"),
    ("GET", f"{ARTICLE}/revisions", "editor"),
    ("GET", f"{ARTICLE}/revisions/1", "editor"),
    ("POST", f"{ARTICLE}/revisions/1/restore", "editor"),
    *(
        row
        for base in (ENTRY, ARTICLE)
        for row in (
            ("GET", f"{base}/translations", "editor"),
            ("GET", f"{base}/translations/es", "editor"),
            ("PUT", f"{base}/translations/es", "editor"),
            ("PATCH", f"{base}/translations/es", "editor"),
            ("POST", f"{base}/translations/es/publish", "publisher"),
            ("POST", f"{base}/translations/es/unpublish", "publisher"),
            ("GET", f"{base}/translations/es/revisions", "editor"),
            ("GET", f"{base}/translations/es/revisions/1", "editor"),
            ("POST", f"{base}/translations/es/revisions/1/restore", "editor"),
        )
    ),
    ("GET", "/api/v1/admin/translations", "editor"),
    ("GET", P, "editor"),
    ("POST", P, "publisher"),
    ("GET", f"{P}/microneedling", "editor"),
    ("PATCH", f"{P}/microneedling", "publisher"),
    ("PUT", f"{P}/microneedling", "publisher"),
    ("DELETE", f"{P}/microneedling", "admin"),
    ("GET", "/api/v1/admin/tokens", "admin"),
    ("POST", "/api/v1/admin/tokens", "admin"),
    ("GET", "/api/v1/admin/tokens/1", "admin"),
    ("DELETE", "/api/v1/admin/tokens/1", "admin"),
    ("GET", "/api/v1/admin/audit", "admin"),
    ("GET", "/api/v1/admin/review-due", "editor"),
    ("POST", "/api/v1/admin/import?dry_run=true", "admin"),
    ("GET", "/api/v1/admin/jobs/1", "admin"),
    ("GET", "/api/v1/admin/export", "editor"),
    ("GET", "/api/v1/admin/search/analytics", "admin"),
    ("GET", HOOKS, "admin"),
    ("POST", HOOKS, "admin"),
    ("GET", f"{HOOKS}/whe_x", "admin"),
    ("PATCH", f"{HOOKS}/whe_x", "admin"),
    ("DELETE", f"{HOOKS}/whe_x", "admin"),
    ("POST", f"{HOOKS}/whe_x/rotate-secret", "admin"),
    ("POST", f"{HOOKS}/whe_x/test", "admin"),
    ("GET", f"{HOOKS}/whe_x/deliveries", "admin"),
    ("GET", f"{HOOKS}/whe_x/deliveries/1", "admin"),
    ("POST", f"{HOOKS}/whe_x/deliveries/1/redeliver", "admin"),
    ("GET", f"{ENTRY}/schedule", "publisher"),
    ("POST", f"{ENTRY}/schedule", "publisher"),
    ("GET", f"{ARTICLE}/schedule", "publisher"),
    ("POST", f"{ARTICLE}/schedule", "publisher"),
    ("GET", f"{ENTRY}/translations/es/schedule", "publisher"),
    ("POST", f"{ENTRY}/translations/es/schedule", "publisher"),
    ("GET", f"{ARTICLE}/translations/es/schedule", "publisher"),
    ("POST", f"{ARTICLE}/translations/es/schedule", "publisher"),
    ("GET", "/api/v1/admin/schedules", "publisher"),
    ("GET", "/api/v1/admin/schedules/sch_x", "publisher"),
    ("PATCH", "/api/v1/admin/schedules/sch_x", "publisher"),
    ("POST", "/api/v1/admin/schedules/sch_x/cancel", "publisher"),
    ("POST", f"{ENTRY}/preview", "editor"),
    ("POST", f"{ARTICLE}/preview", "editor"),
    ("POST", f"{ENTRY}/translations/es/preview", "editor"),
    ("POST", f"{ARTICLE}/translations/es/preview", "editor"),
]
RANK = {"anonymous": -1, "editor": 0, "publisher": 1, "admin": 2}


@pytest.mark.parametrize(("method", "path", "least"), TABLE)
def test_role_table(
    client: FlaskClient, auth: dict[str, dict[str, str]], method: str, path: str, least: str
) -> None:
    for caller in ("anonymous", "editor", "publisher", "admin"):
        headers = {} if caller == "anonymous" else auth[caller]
        with client.open(
            path, method=method, headers=headers, json={} if method != "GET" else None
        ) as response:
            status, mimetype, body = response.status_code, response.mimetype, response.get_data(as_text=True)
        if caller == "anonymous":
            expected = 401
        elif RANK[caller] < RANK[least]:
            expected = 403
        else:
            expected = None
        if expected:
            assert status == expected, (caller, body)
            assert mimetype == "application/problem+json"
        else:
            assert status not in (401, 403), (caller, body)


def test_table_covers_every_admin_route(app: Flask) -> None:
    def pattern(path: str) -> str:
        return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "[^/]+", path) + "$"

    table = {(method, path.split("?")[0]) for method, path, _ in TABLE}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/admin"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert any(m == method and re.match(pattern(rule.rule), p) for m, p in table), (method, rule.rule)


def test_unauthenticated_gets_bearer_challenge(client: FlaskClient) -> None:
    response = client.get(E)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer kb_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer", "kb_x"])
def test_bad_tokens_are_401(client: FlaskClient, header: str) -> None:
    assert client.get(E, headers={"Authorization": header}).status_code == 401


def test_token_in_query_string_is_refused(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    secret = auth["admin"]["Authorization"].split()[1]
    response = client.get(f"{E}?access_token={secret}")
    assert response.status_code == 400
    assert client.get(f"{E}?token={secret}", headers=auth["admin"]).status_code == 400


def test_new_admin_route_is_closed_until_a_role_is_granted(tmp_path: Path) -> None:
    blp = Blueprint("extra_admin", __name__, url_prefix="/api/v1/admin/extra")
    protect(blp)

    @blp.route("", methods=["GET"])
    def forgotten() -> dict[str, str]:
        return {"secret": "data"}

    app = make_app(tmp_path)
    api.register_blueprint(blp)
    runner = app.test_cli_runner()
    secret = runner.invoke(args=["token", "create", "--name", "root", "--role", "admin"]).output.split()[-1]
    response = app.test_client().get("/api/v1/admin/extra", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)
