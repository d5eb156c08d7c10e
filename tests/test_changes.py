"""The public changes feed: apps store the cursor and get exactly what changed since."""

from __future__ import annotations

from flask.testing import FlaskClient

E = "/api/v1/admin/entries"


def test_feed_from_the_start_holds_the_seed(client: FlaskClient) -> None:
    body = client.get("/api/v1/changes").get_json()
    assert len(body["data"]) == 12  # 10 entries, the article, the procedure (in the chain's locale)
    assert body["has_more"] is False
    assert {c["change"] for c in body["data"]} == {"upsert"}
    kinds = {"complication", "technique", "aftercare", "article", "procedure"}
    assert {c["kind"] for c in body["data"]} == kinds


def test_cursor_pages_and_then_only_new_changes(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    first = client.get("/api/v1/changes?limit=4").get_json()
    assert len(first["data"]) == 4
    assert first["has_more"] is True
    rest = client.get(f"/api/v1/changes?since={first['next_cursor']}&limit=100").get_json()
    assert len(rest["data"]) == 8
    cursor = rest["next_cursor"]
    assert client.get(f"/api/v1/changes?since={cursor}").get_json()["data"] == []

    client.post(f"{E}/bruising/unpublish", headers=auth["publisher"])
    new = {
        "slug": "short-lived",
        "kind": "technique",
        "title": "Short-lived",
        "details": {"phase": "before", "steps": ["one"]},
    }
    created = client.post(E, json=new, headers=auth["editor"])
    published = client.post(
        f"{E}/short-lived/publish", headers={**auth["publisher"], "If-Match": created.headers["ETag"]}
    )
    client.delete(f"{E}/short-lived", headers={**auth["admin"], "If-Match": published.headers["ETag"]})
    etag = client.get(f"{E}/infection", headers=auth["editor"]).headers["ETag"]
    again = client.post(f"{E}/infection/publish", headers={**auth["publisher"], "If-Match": etag})
    assert again.status_code == 200  # nothing new to publish: no feed row
    patched = client.patch(
        f"{E}/infection", json={"title": "Infection!"}, headers={**auth["editor"], "If-Match": etag}
    )
    client.post(f"{E}/infection/publish", headers={**auth["publisher"], "If-Match": patched.headers["ETag"]})
    changes = client.get(f"/api/v1/changes?since={cursor}").get_json()["data"]
    assert [(c["slug"], c["change"], c["version"]) for c in changes] == [
        ("bruising", "remove", 1),
        ("short-lived", "upsert", 1),
        ("short-lived", "remove", 1),
        ("infection", "upsert", 2),
    ]
    assert all(c["at"].endswith("+00:00") for c in changes)


def test_bad_cursor_is_400(client: FlaskClient) -> None:
    for cursor in ("abc", "-1", "1.5", "9" * 30):
        response = client.get(f"/api/v1/changes?since={cursor}")
        assert response.status_code == 400, cursor
        assert "since" in response.get_json()["errors"]
