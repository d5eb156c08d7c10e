"""Search analytics through HTTP: query ids, click events, the admin report; nothing personal is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from kb.extensions import db
from tests.conftest import make_app

REPORT = "/api/v1/admin/search/analytics"


@pytest.fixture
def counting(app: Flask) -> Flask:
    """Flush after every counted request, so each one is in the database when its response is closed."""
    app.config["KB_ANALYTICS_FLUSH_SECONDS"] = 0
    return app


def search(client: FlaskClient, q: str, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/search", query_string={"q": q, **params})
    assert response.status_code == 200
    body = response.get_json()
    response.close()  # runs the flush registered on close, as a WSGI server does after sending
    return body


def click(client: FlaskClient, **event: Any) -> Any:
    response = client.post("/api/v1/search/events", json=event)
    response.close()
    return response


def report(client: FlaskClient, auth: dict[str, dict[str, str]], **params: Any) -> dict[str, Any]:
    response = client.get(REPORT, query_string=params, headers=auth["admin"])
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def test_query_id_names_the_normalised_query(client: FlaskClient) -> None:
    first = search(client, "Infection")["meta"]["query_id"]
    assert first == search(client, "  infection ")["meta"]["query_id"]
    assert first == search(client, "infection", page=2)["meta"]["query_id"]
    assert first != search(client, "infection", locale="es")["meta"]["query_id"]
    assert first != search(client, "bruising")["meta"]["query_id"]


def test_top_queries_no_results_and_click_through(
    counting: Flask, client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    for _ in range(3):
        qid = search(client, "Infection")["meta"]["query_id"]
    search(client, "bruising")
    search(client, "infection", page=2)  # paging is not a new search
    empty = search(client, "zzqqxx")
    assert empty["meta"]["total"] == 0
    assert click(client, query_id=qid, slug="infection", position=1).status_code == 204
    assert click(client, query_id=qid, slug="infection", position=1).status_code == 204
    assert click(client, query_id=qid, slug="bruising", position=3).status_code == 204

    body = report(client, auth)
    top = body["top_queries"]
    assert [(q["query"], q["searches"]) for q in top] == [("infection", 3), ("bruising", 1), ("zzqqxx", 1)]
    infection = top[0]
    assert infection["query_id"] == qid
    assert infection["locale"] == "any"
    assert infection["clicks"] == 3
    assert infection["clicks_per_search"] == 1.0
    assert infection["mean_click_position"] == pytest.approx((1 + 1 + 3) / 3, abs=0.01)
    assert infection["clicks_by_position"] == [{"position": 1, "clicks": 2}, {"position": 3, "clicks": 1}]
    assert body["no_result_queries"] == [
        {
            "query": "zzqqxx",
            "query_id": empty["meta"]["query_id"],
            "locale": "any",
            "searches": 1,
            "no_results": 1,
        }
    ]
    assert body["totals"] == {"searches": 5, "no_results": 1, "clicks": 3, "clicks_per_search": 0.6}
    assert body["clicks_by_position"] == [{"position": 1, "clicks": 2}, {"position": 3, "clicks": 1}]


def test_suggest_keystrokes_and_helper_queries_are_not_searches(
    counting: Flask, client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    for prefix in ("i", "in", "inf", "infe"):
        client.get("/api/v1/suggest", query_string={"q": prefix}).close()
    requests = [
        {"indexName": "kb", "params": {"query": "infection"}},
        {"indexName": "kb", "params": {"query": "infection", "hitsPerPage": 0, "facets": ["kind"]}},
        {"indexName": "kb", "params": {"query": "bruising", "analytics": False}},
        {"indexName": "kb", "params": {"query": ""}},
    ]
    response = client.post("/api/v1/search/multi", json={"requests": requests})
    results = response.get_json()["results"]
    response.close()
    assert results[0]["queryID"] == results[1]["queryID"]
    body = report(client, auth)
    assert [(q["query"], q["searches"]) for q in body["top_queries"]] == [("infection", 1)]


def test_report_per_locale_and_date_range(
    counting: Flask, client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    search(client, "infection", locale="en")
    search(client, "infection")
    only_en = report(client, auth, locale="en")
    assert [(q["query"], q["locale"], q["searches"]) for q in only_en["top_queries"]] == [
        ("infection", "en", 1)
    ]
    today = datetime.now(UTC).date()
    assert len(report(client, auth, start=today.isoformat(), end=today.isoformat())["top_queries"]) == 2
    yesterday = (today - timedelta(days=1)).isoformat()
    assert report(client, auth, start=yesterday, end=yesterday)["top_queries"] == []


def test_counts_wait_in_memory_until_the_interval_and_the_report_flushes(
    app: Flask, client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    app.config["KB_ANALYTICS_FLUSH_SECONDS"] = 3600
    search(client, "infection")
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM search_query_counts")) == 0
    assert report(client, auth)["totals"]["searches"] == 1  # this process's counts are written first


def test_nothing_personal_is_stored(counting: Flask, client: FlaskClient) -> None:
    secret_header = {"Authorization": "Bearer kb_not_a_real_token", "User-Agent": "Browser/1.0 (user-42)"}
    client.get(
        "/api/v1/search",
        query_string={"q": "Infection  Risk"},
        headers=secret_header,
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    ).close()
    with counting.app_context():
        rows = [
            tuple(row)
            for table in ("search_query_counts", "search_clicks")
            for row in db.session.execute(sa.text(f"SELECT * FROM {table}"))
        ]
    stored = repr(rows)
    assert "infection risk" in stored
    for personal in ("203.0.113.7", "kb_not_a_real_token", "user-42", "Infection  Risk"):
        assert personal not in stored


def test_counting_can_be_switched_off(
    app: Flask, client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    app.config["KB_ANALYTICS_ENABLED"] = False
    app.config["KB_ANALYTICS_FLUSH_SECONDS"] = 0
    assert search(client, "infection")["meta"]["query_id"]
    assert report(client, auth)["totals"]["searches"] == 0


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"slug": "infection", "position": 1}, "query_id"),
        ({"query_id": "not-hex", "slug": "infection", "position": 1}, "query_id"),
        ({"query_id": "0123456789abcdef", "slug": "Not A Slug", "position": 1}, "slug"),
        ({"query_id": "0123456789abcdef", "slug": "infection", "position": 0}, "position"),
        ({"query_id": "0123456789abcdef", "slug": "infection", "position": "first"}, "position"),
        ({"query_id": "0123456789abcdef", "slug": "infection", "position": 1, "user": "x"}, "user"),
    ],
)
def test_bad_click_events_are_problem_json(client: FlaskClient, event: dict[str, Any], field: str) -> None:
    response = client.post("/api/v1/search/events", json=event)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_report_needs_the_admin_role(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    assert client.get(REPORT).status_code == 401
    assert client.get(REPORT, headers=auth["editor"]).status_code == 403
    assert client.get(REPORT, headers=auth["publisher"]).status_code == 403
    bad = client.get(REPORT, query_string={"start": "2026-05-02", "end": "2026-05-01"}, headers=auth["admin"])
    assert bad.status_code == 400
    assert "start" in bad.get_json()["errors"]


def test_click_events_and_multi_search_are_rate_limited_like_search(tmp_path: Path) -> None:
    app = make_app(tmp_path, KB_RATELIMIT_ENABLED=True, KB_RATELIMIT_SEARCH="2 per minute")
    client = app.test_client()
    event = {"query_id": "0123456789abcdef", "slug": "infection", "position": 1}
    statuses = [client.post("/api/v1/search/events", json=event).status_code for _ in range(3)]
    assert statuses == [204, 204, 429]
    body = {"requests": [{"indexName": "kb"}]}
    answers = [client.post("/api/v1/search/multi", json=body) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[-1].mimetype == "application/problem+json"
