"""Hostile input gets a problem+json 4xx that says what to send, never a 500 or a logged traceback.

Run against PostgreSQL too (KB_TEST_DATABASE_URL): NUL characters are what PostgreSQL text refuses.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import NEW_ENTRY

ENTRIES = "/api/v1/admin/entries"
JSON = "application/json"


@pytest.fixture(autouse=True)
def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> Any:
    """Client input never reaches the unexpected-error handler (which logs a traceback)."""
    with caplog.at_level(logging.ERROR):
        yield
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], caplog.text


def problem(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def post_raw(client: FlaskClient, headers: dict[str, str], text: str, path: str = ENTRIES) -> TestResponse:
    return client.post(path, data=text.encode("utf-8", "surrogatepass"), content_type=JSON, headers=headers)


# --- item 7: full matches, no trailing newline ----------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slug", "bruising\n"),
        ("slug", "new-entry\n"),
        ("tags", ["redness\n"]),
        ("locale", "en\n"),
        ("related", ["bruising\n"]),
        ("sources", [{"title": "A source", "accessed": "2024-01-01\n"}]),
    ],
)
def test_a_trailing_newline_is_refused_everywhere(
    client: FlaskClient, auth: dict[str, dict[str, str]], field: str, value: Any
) -> None:
    body = problem(client.post(ENTRIES, json={**NEW_ENTRY, field: value}, headers=auth["editor"]), 422)
    assert field in body["errors"]
    assert "Send" in str(body["errors"][field])
    assert client.get(f"{ENTRIES}/{NEW_ENTRY['slug']}", headers=auth["editor"]).status_code == 404


def test_a_token_name_with_a_trailing_newline_is_refused(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    body = problem(
        client.post("/api/v1/admin/tokens", json={"name": "ci\n", "role": "editor"}, headers=auth["admin"]),
        422,
    )
    assert "starting with a letter or digit" in body["errors"]["name"][0]


@pytest.mark.parametrize("since", ["%0A", "12%0A", "%0A12"])
def test_changes_cursor_with_a_newline_is_a_400(client: FlaskClient, since: str) -> None:
    body = problem(client.get(f"/api/v1/changes?since={since}"), 400)
    assert body["errors"] == {"since": ["Not a cursor this feed returned."]}


@pytest.mark.parametrize("query", ["tag=redness%0A", "locale=en%0A"])
def test_public_filters_with_a_newline_are_a_400(client: FlaskClient, query: str) -> None:
    problem(client.get(f"/api/v1/entries?{query}"), 400)


# --- item 9: JSON bodies ----------------------------------------------------------------------------


def test_a_lone_surrogate_is_a_422_naming_the_field(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    text = '{"slug": "x-entry", "kind": "technique", "title": "\\ud800", "details": {}}'
    body = problem(post_raw(client, auth["editor"], text), 422)
    assert "lone surrogate" in body["errors"]["title"][0]


@pytest.mark.parametrize("opening", ["[", '{"a": '])
def test_deeply_nested_json_is_a_400(
    client: FlaskClient, auth: dict[str, dict[str, str]], opening: str
) -> None:
    closing = "]" if opening == "[" else "}"
    for depth in (40, 1000, 100_000):
        body = problem(post_raw(client, auth["editor"], opening * depth + "1" + closing * depth), 400)
        assert "nested too deeply" in body["detail"]


@pytest.mark.parametrize("number", ["9" * 4301, "1" * 50, "1e999", "NaN", "-Infinity"])
def test_numbers_no_database_can_store_are_a_400(
    client: FlaskClient, auth: dict[str, dict[str, str]], number: str
) -> None:
    text = '{"slug": "x-entry", "kind": "aftercare", "title": "T", "details": {"timing": {'
    text += f'"starts_after_hours": {number}, "lasts_days": 1}}}}}}'
    body = problem(post_raw(client, auth["editor"], text), 400)
    assert "send" in body["detail"].lower()


def test_an_integer_out_of_range_is_still_a_field_error(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    details = {"timing": {"starts_after_hours": 10**30, "lasts_days": 1}, "instructions": []}
    entry = {"slug": "x-entry", "kind": "aftercare", "title": "T", "details": details}
    body = problem(client.post(ENTRIES, json=entry, headers=auth["editor"]), 422)
    assert "starts_after_hours" in body["errors"]["details"]["timing"]


def test_a_body_that_is_not_utf8_is_a_400(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    response = client.post(ENTRIES, data=b'{"title": "\xff"}', content_type=JSON, headers=auth["editor"])
    assert "UTF-8" in problem(response, 400)["detail"]


@pytest.mark.parametrize(
    ("path", "data"),
    [
        (ENTRIES, {**NEW_ENTRY, "title": "a\x00b"}),
        (ENTRIES, {**NEW_ENTRY, "body": "text\x00"}),
        (ENTRIES, {**NEW_ENTRY, "details": {"phase": "after", "steps": ["ok", "b\x00d"]}}),
        (ENTRIES, {**NEW_ENTRY, "details": {"phase": "after", "steps": ["x"], "k\x00": 1}}),
        ("/api/v1/admin/tokens", {"name": "n\x00", "role": "editor"}),
    ],
)
def test_nul_in_any_text_field_is_a_422(
    client: FlaskClient, auth: dict[str, dict[str, str]], path: str, data: dict[str, Any]
) -> None:
    body = problem(client.post(path, json=data, headers=auth["admin"]), 422)
    assert "NUL" in str(body["errors"])


def test_nul_in_an_import_is_refused(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    item = {"type": "entry", "status": "draft", "draft": {**NEW_ENTRY, "title": "a\x00"}}
    response = client.post("/api/v1/admin/import", json={"items": [item]}, headers=auth["admin"])
    assert "NUL" in str(problem(response, 422)["errors"])


# --- item 9: paths and query strings ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/entries/a%00b",
        "/api/v1/articles/a%00b",
        "/api/v1/entries?tag=a%00b",
        "/api/v1/search?q=a%00b",
        "/api/v1/suggest?q=a%00b",
    ],
)
def test_nul_in_a_public_url_is_a_400(client: FlaskClient, path: str) -> None:
    assert "NUL" in problem(client.get(path), 400)["detail"]


@pytest.mark.parametrize("path", [f"{ENTRIES}?q=a%00b", f"{ENTRIES}/a%00b", "/api/v1/admin/audit?actor=%00"])
def test_nul_in_an_admin_url_is_a_400(
    client: FlaskClient, auth: dict[str, dict[str, str]], path: str
) -> None:
    assert "NUL" in problem(client.get(path, headers=auth["admin"]), 400)["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/admin/entries/bruising/revisions/99999999999999999999999",
        "/api/v1/admin/articles/microneedling-complications/revisions/2147483648",
    ],
)
def test_path_numbers_too_large_for_any_row_are_a_404(
    client: FlaskClient, auth: dict[str, dict[str, str]], path: str
) -> None:
    assert "run up to 2147483647" in problem(client.get(path, headers=auth["admin"]), 404)["detail"]
    path = path.rsplit("/", 1)[0] + "/2147483647"
    assert client.get(path, headers=auth["admin"]).status_code == 404


@pytest.mark.parametrize("token_id", ["99999999999999999999999", "9" * 5000, "tok_" + "x" * 300])
def test_unknown_token_ids_of_any_length_are_a_404(
    client: FlaskClient, auth: dict[str, dict[str, str]], token_id: str
) -> None:
    """Token ids are random public ids (``tok_...``): anything else names no token."""
    assert (
        "No token"
        in problem(client.get(f"/api/v1/admin/tokens/{token_id}", headers=auth["admin"]), 404)["detail"]
    )


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_times_outside_utc_years_1_to_9999_are_refused(
    client: FlaskClient, auth: dict[str, dict[str, str]], when: str
) -> None:
    for name in ("since", "until"):
        body = problem(
            client.get("/api/v1/admin/audit", query_string={name: when}, headers=auth["admin"]), 400
        )
        assert "between 0001-01-01 and 9999-12-31" in body["errors"][name][0]
    token = {"name": "late", "role": "editor", "expires_at": when}
    body = problem(client.post("/api/v1/admin/tokens", json=token, headers=auth["admin"]), 422)
    assert "between 0001-01-01 and 9999-12-31" in body["errors"]["expires_at"][0]


def test_the_last_utc_second_is_accepted(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    when = "9999-12-31T18:59:59-05:00"  # 23:59:59 UTC
    response = client.get("/api/v1/admin/audit", query_string={"until": when}, headers=auth["admin"])
    assert response.status_code == 200
