"""Admin CRUD of webhook endpoints: the secret shown once, If-Match on writes, clear 4xx problems, the
SSRF guard at save time, admins only."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import make_app
from tests.webhooks.conftest import HOOKS, Headers


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return make_app(tmp_path)  # KB_WEBHOOK_ALLOW_PRIVATE off, as in production


def test_create_list_update_disable_delete(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    created = client.post(
        HOOKS,
        json={"url": "https://hooks.example.org/kb", "description": "site build", "locales": ["en"]},
        headers=auth["admin"],
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == []
    assert body["enabled"] is True
    assert created.headers["Location"].endswith(body["id"])
    path = f"{HOOKS}/{body['id']}"
    read = client.get(path, headers=auth["admin"])
    assert "secret" not in read.get_json()
    assert all("secret" not in e for e in client.get(HOOKS, headers=auth["admin"]).get_json()["data"])
    assert client.patch(path, json={"enabled": False}, headers=auth["admin"]).status_code == 428
    stale = client.patch(path, json={"enabled": False}, headers={**auth["admin"], "If-Match": '"nope"'})
    assert stale.status_code == 412
    etag = read.headers["ETag"]
    changed = client.patch(
        path,
        json={"enabled": False, "event_types": ["entry.published"]},
        headers={**auth["admin"], "If-Match": etag},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["enabled"] is False
    assert changed.get_json()["disabled_reason"] == "Disabled by test-admin."
    assert changed.headers["ETag"] != etag
    again = client.patch(
        path, json={"enabled": True}, headers={**auth["admin"], "If-Match": changed.headers["ETag"]}
    )
    assert again.get_json()["disabled_reason"] is None
    gone = client.delete(path, headers={**auth["admin"], "If-Match": again.headers["ETag"]})
    assert gone.status_code == 204
    assert client.get(path, headers=auth["admin"]).status_code == 404
    actions = [
        e["action"] for e in client.get("/api/v1/admin/audit", headers=auth["admin"]).get_json()["data"]
    ]
    assert {"webhook.create", "webhook.update", "webhook.delete"} <= set(actions)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.org/", "http or https"),
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:192.168.0.1]/hook", "private"),
        ("http://localhost/hook", "localhost"),
        ("https://user:pw@hooks.example.org/", "credentials"),
        ("https:///nohost", "host"),
        ("http://hooks.example.org:99999/", "valid URL"),
    ],
)
def test_urls_the_ssrf_guard_refuses(app: Flask, auth: Headers, url: str, message: str) -> None:
    response = app.test_client().post(HOOKS, json={"url": url}, headers=auth["admin"])
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert message in response.get_json()["errors"]["url"][0]


@pytest.mark.parametrize(
    "body",
    [
        {"url": "https://hooks.example.org/", "event_types": ["entry.eaten"]},
        {"url": "https://hooks.example.org/", "locales": ["not a locale"]},
        {"url": "https://hooks.example.org/", "enabled": "yes"},
        {"url": "https://hooks.example.org/", "secret": "whsec_mine"},
        {"description": "no url"},
    ],
)
def test_invalid_bodies_are_422(app: Flask, auth: Headers, body: dict[str, object]) -> None:
    response = app.test_client().post(HOOKS, json=body, headers=auth["admin"])
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_admins_only_and_unknown_ids(app: Flask, auth: Headers) -> None:
    client = app.test_client()
    assert client.get(HOOKS).status_code == 401
    assert client.get(HOOKS, headers=auth["publisher"]).status_code == 403
    missing = client.get(f"{HOOKS}/whe_missing", headers=auth["admin"])
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert client.post(f"{HOOKS}/whe_missing/test", headers=auth["admin"]).status_code == 404
    assert client.get(f"{HOOKS}/whe_missing/deliveries", headers=auth["admin"]).status_code == 404
    bad = client.get(f"{HOOKS}/whe_missing/deliveries?status=lost", headers=auth["admin"])
    assert bad.status_code == 400
