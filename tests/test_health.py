"""/healthz and /readyz."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from kb import create_app
from kb.extensions import db


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_database(client: FlaskClient) -> None:
    body = client.get("/readyz").get_json()
    assert body["ok"] is True
    assert body["checks"]["database"]["ok"] is True


def test_readyz_is_503_problem_when_database_is_unreachable(tmp_path: Path) -> None:
    unopenable = tmp_path / "a-directory"
    unopenable.mkdir()
    app = create_app(
        {"KB_INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{unopenable}"}
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["checks"]["database"] == {"ok": False, "backend": "sqlite", "detail": "OperationalError"}


def test_trusted_proxy_headers(tmp_path: Path) -> None:
    """Behind KB_TRUSTED_PROXIES proxies, links use the forwarded scheme and host, when KB_TRUSTED_HOSTS
    admits it (without a trusted-hosts list or KB_PUBLIC_URL, links are relative: kb/api/security.py)."""
    app = create_app(
        {
            "KB_INSTANCE_PATH": str(tmp_path),
            "KB_TRUSTED_PROXIES": 1,
            "KB_TRUSTED_HOSTS": ["kb.example.org"],
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
            "KB_RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "kb.example.org",
        "X-Forwarded-For": "203.0.113.9",
    }
    links = app.test_client().get("/api/v1/entries", headers=headers).get_json()["links"]
    assert links["self"].startswith("https://kb.example.org/api/v1/entries?")
    direct = create_app(
        {
            "KB_INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
            "KB_RATELIMIT_ENABLED": False,
        }
    )
    assert (
        direct.test_client()
        .get("/api/v1/entries", headers=headers)
        .get_json()["links"]["self"]
        .startswith("/api/v1/entries?")
    )
