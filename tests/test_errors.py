"""Every error of every public route is RFC 9457 problem+json, from the one builder."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

LIST_ROUTES = ["/api/v1/entries", "/api/v1/articles", "/api/v1/tags"]

# (method, url, status, parameter the problem must name or None)
ERROR_CASES = [
    *[
        ("GET", f"{route}?{query}", 400, name)
        for route in LIST_ROUTES
        for query, name in [
            ("per_page=0", "per_page"),
            ("per_page=101", "per_page"),
            ("page=abc", "page"),
            ("page=0", "page"),
            ("sort=nonsense", "sort"),
            ("per_page=1e3", "per_page"),
        ]
    ],
    ("GET", "/api/v1/entries?kind=banana", 400, "kind"),
    ("GET", "/api/v1/entries?tag=Not%20A%20Tag", 400, "tag"),
    ("GET", "/api/v1/entries?locale=%3Cscript%3E", 400, "locale"),
    ("GET", "/api/v1/entries?fields=slug,password", 400, "fields"),
    ("GET", "/api/v1/tags?kind=banana", 400, "kind"),
    ("GET", "/api/v1/entries/infection?include=everything", 400, "include"),
    ("GET", "/api/v1/articles/microneedling-complications?include=related", 400, "include"),
    ("GET", "/api/v1/entries/no-such-entry", 404, None),
    ("GET", "/api/v1/articles/no-such-article", 404, None),
    ("GET", "/api/v1/nothing-here", 404, None),
    ("GET", "/nothing-here", 404, None),
    ("GET", "/api/v1/docs/assets/no-such-file.js", 404, None),
    ("GET", "/api/v1/docs/assets/../../../etc/passwd", 404, None),
    *[("POST", route, 405, None) for route in [*LIST_ROUTES, "/api/v1/entries/infection", "/healthz"]],
    ("DELETE", "/api/v1/articles/microneedling-complications", 405, None),
    ("PUT", "/api/v1/tags", 405, None),
]


def assert_problem(response: TestResponse, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) <= {"type", "title", "status", "detail", "errors"}
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["type"].startswith("https://")
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    assert "<html" not in text.lower()
    return body


@pytest.mark.parametrize(("method", "url", "status", "parameter"), ERROR_CASES)
def test_errors_are_problem_json(
    client: FlaskClient, method: str, url: str, status: int, parameter: str | None
) -> None:
    body = assert_problem(client.open(url, method=method), status)
    if parameter:
        assert parameter in body["errors"]
        assert parameter in body["detail"]


def test_405_names_allowed_methods(client: FlaskClient) -> None:
    response = client.post("/api/v1/entries")
    assert_problem(response, 405)
    assert {"GET", "HEAD", "OPTIONS"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_unexpected_errors_are_500_problem_without_trace(app, client: FlaskClient) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    body = assert_problem(client.get("/boom"), 500)
    assert "secret" not in body["detail"]


def test_errors_are_not_cached(client: FlaskClient) -> None:
    assert client.get("/api/v1/entries/nope").headers["Cache-Control"] == "no-store"
