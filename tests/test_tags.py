"""GET /api/v1/tags: tags of published entries with counts."""

from __future__ import annotations

from collections import Counter

from flask.testing import FlaskClient


def test_tag_counts_match_entries(client: FlaskClient) -> None:
    entries = client.get("/api/v1/entries?per_page=100").get_json()["data"]
    expected = Counter(tag for e in entries for tag in e["tags"])
    body = client.get("/api/v1/tags?per_page=100").get_json()
    assert {t["tag"]: t["count"] for t in body["data"]} == dict(expected)
    counts = [t["count"] for t in body["data"]]
    assert counts == sorted(counts, reverse=True)


def test_tag_counts_by_kind(client: FlaskClient) -> None:
    entries = client.get("/api/v1/entries?per_page=100&kind=aftercare").get_json()["data"]
    expected = Counter(tag for e in entries for tag in e["tags"])
    body = client.get("/api/v1/tags?per_page=100&kind=aftercare&sort=tag").get_json()
    assert [(t["tag"], t["count"]) for t in body["data"]] == sorted(expected.items())
