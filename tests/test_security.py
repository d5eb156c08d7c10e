"""Hardening (issue 15, item 12): links never from the Host header, security headers on every response,
a docs page that renders under its Content-Security-Policy, highlights escaped for attributes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from kb.api import security
from kb.services.seeding import load_seed
from tests.conftest import ROOT, make_app

FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
LISTS = ["/api/v1/entries?per_page=2", "/api/v1/articles?per_page=1", "/api/v1/tags?per_page=2"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def links(client: FlaskClient, path: str, **headers: str) -> list[str]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    found = [url for url in body["links"].values() if url]
    found += re.findall(r"<([^>]*)>", response.headers["Link"])
    return found


@pytest.mark.parametrize("path", [*LISTS, "/api/v1/search?q=redness&per_page=1"])
def test_the_host_header_is_never_reflected_into_links(client: FlaskClient, path: str) -> None:
    found = links(client, path, **FORGED)
    assert found
    for url in found:
        assert "evil" not in url
        assert url.startswith(path.split("?")[0] + "?")  # relative: resolved against the request URL


@pytest.mark.parametrize("proxies", [0, 1])
def test_kb_public_url_builds_every_absolute_link(tmp_path: Path, proxies: int) -> None:
    app = make_app(tmp_path, KB_PUBLIC_URL="https://kb.example.org/", KB_TRUSTED_PROXIES=proxies)
    with app.app_context():
        load_seed(ROOT / "seed")
    client = app.test_client()
    for path in LISTS:
        found = links(client, path, **FORGED)
        assert found
        for url in found:
            assert url.startswith("https://kb.example.org" + path.split("?")[0] + "?"), url


def test_trusted_hosts_refuse_any_other_host(tmp_path: Path) -> None:
    app = make_app(tmp_path, KB_TRUSTED_HOSTS=["kb.example.org"])
    client = app.test_client()
    response = client.get("/api/v1/entries", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    for url in links(client, "/api/v1/entries", Host="kb.example.org"):
        assert url.startswith("http://kb.example.org/api/v1/entries?")


def test_a_public_url_that_is_not_a_url_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="KB_PUBLIC_URL"):
        make_app(tmp_path, KB_PUBLIC_URL="kb.example.org")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/entries", 200),
        ("GET", "/api/v1/entries/bruising", 200),
        ("GET", "/api/v1/entries/no-such-entry", 404),
        ("GET", "/api/v1/search?q=bruise", 200),
        ("GET", "/api/v1/openapi.json", 200),
        ("GET", "/api/v1/docs/assets/swagger-ui-bundle.js", 200),
        ("GET", "/healthz", 200),
        ("GET", "/readyz", 200),
        ("GET", "/api/v1/admin/entries", 401),
        ("POST", "/api/v1/entries", 405),
        ("GET", "/nowhere", 404),
    ],
)
def test_security_headers_on_every_response(client: FlaskClient, method: str, path: str, status: int) -> None:
    with client.open(path, method=method) as response:  # closes a streamed file
        pass
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_a_304_carries_the_headers_too(client: FlaskClient) -> None:
    etag = client.get("/api/v1/entries/bruising").headers["ETag"]
    response = client.get("/api/v1/entries/bruising", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_docs_page_allows_exactly_what_it_loads(client: FlaskClient) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["X-Frame-Options"] == "DENY"
    policy = {
        part.split()[0]: part.split()[1:] for part in response.headers["Content-Security-Policy"].split("; ")
    }
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["style-src"] == ["'self'"]  # no inline styles
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    page = response.get_data(as_text=True)
    sources = re.findall(r'<script src="([^"]+)"', page) + re.findall(r'<link href="([^"]+)"', page)
    assert len(sources) == 3
    for source in sources:  # every script and style sheet is ours, served from this origin
        assert source.startswith("/api/v1/docs/assets/")
        with client.get(source) as asset:
            assert asset.status_code == 200
    inline = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert len(inline) == 1
    assert security._hash(inline[0].encode()) in policy["script-src"]


@pytest.fixture
def served(app: Flask) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The app on a loopback port, with the docs page's policy reporting violations to /csp-report."""
    reports: list[dict[str, Any]] = []

    @app.post("/csp-report")
    def csp_report() -> tuple[str, int]:
        reports.append(json.loads(request.get_data(as_text=True)).get("csp-report", {}))
        return "", 204

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", reports
    finally:
        server.shutdown()
        thread.join(10)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium)")
def test_swagger_ui_renders_under_its_policy_in_chromium(
    served: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, reports = served
    monkeypatch.setattr(security, "DOCS_POLICY", security.DOCS_POLICY + "; report-uri /csp-report")
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000"]
    result = subprocess.run(
        [*command, "--dump-dom", f"{base}/api/v1/docs"], capture_output=True, text=True, timeout=120
    )
    dom = result.stdout
    assert dom.count('class="opblock-summary') > 50, result.stderr[-2000:]  # the operations rendered
    assert "kb: clinical-aesthetics knowledge base" in dom
    assert reports == []  # nothing the page loads or runs was blocked


def test_highlights_are_escaped_for_attributes_too(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    entry = {
        "slug": "quoted-advice",
        "kind": "technique",
        "title": "Zqquote \"x\" onmouseover='alert(1)'",
        "summary": "Say \"zqquote\" and 'zqquote' to the patient",
        "details": {"phase": "after", "steps": ["Clean the skin"]},
    }
    created = client.post("/api/v1/admin/entries", json=entry, headers=auth["publisher"])
    assert created.status_code == 201, created.get_json()
    headers = {**auth["publisher"], "If-Match": created.headers["ETag"]}
    assert client.post("/api/v1/admin/entries/quoted-advice/publish", headers=headers).status_code == 200
    hits = client.get("/api/v1/search", query_string={"q": "zqquote"}).get_json()["data"]
    assert [hit["slug"] for hit in hits] == ["quoted-advice"]
    highlights = hits[0]["highlights"]
    assert highlights["title"] == "<mark>Zqquote</mark> &quot;x&quot; onmouseover=&#x27;alert(1)&#x27;"
    # (where a fragment starts differs between the backends; what it escapes does not)
    assert highlights["summary"].endswith(
        "<mark>zqquote</mark>&quot; and &#x27;<mark>zqquote</mark>&#x27; to the patient"
    )
    for value in highlights.values():
        assert '"' not in value
        assert "'" not in value
