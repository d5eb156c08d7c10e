"""Procedures as a resource: their endpoints, the content that applies to them and the procedure filters."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

P = "/api/v1/procedures"
E = "/api/v1/admin/entries"
SEED_ENTRIES = 10


def test_procedures_list_and_detail(client: FlaskClient) -> None:
    listed = client.get(P)
    assert listed.status_code == 200
    body = listed.get_json()
    assert [p["slug"] for p in body["data"]] == ["microneedling"]
    assert body["meta"]["total"] == 1
    detail = client.get(f"{P}/microneedling")
    assert detail.status_code == 200
    assert detail.get_json()["title"] == "Microneedling"
    assert (
        client.get(f"{P}/microneedling", headers={"If-None-Match": detail.headers["ETag"]}).status_code == 304
    )
    missing = client.get(f"{P}/chemical-peel")
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert client.get(f"{P}?sort=size").status_code == 400
    assert client.get(f"{P}?locale=xx").status_code == 400


def test_procedures_are_served_in_the_locale_asked_for(client: FlaskClient) -> None:
    spanish = client.get(f"{P}/microneedling?locale=es")
    assert spanish.status_code == 200
    assert spanish.headers["Content-Language"] == "es"
    body = spanish.get_json()
    assert (body["title"], body["locale"], body["source_locale"]) == ("Micropunción", "es", "en")
    assert body["locales"] == ["en", "es"]
    negotiated = client.get(f"{P}/microneedling", headers={"Accept-Language": "es-MX, en;q=0.5"})
    assert negotiated.get_json()["title"] == "Micropunción"
    assert "Accept-Language" in negotiated.headers["Vary"]
    assert client.get(f"{P}/microneedling").headers["Content-Language"] == "en"
    listed = client.get(f"{P}?locale=es").get_json()["data"]
    assert [(p["slug"], p["title"], p["locale"]) for p in listed] == [("microneedling", "Micropunción", "es")]
    # Only the requested locale itself: microneedling has Spanish, nothing has Portuguese.
    assert client.get(f"{P}?locale=es&fallback=none").get_json()["meta"]["total"] == 1


def test_seed_content_applies_to_microneedling(client: FlaskClient) -> None:
    entries = client.get("/api/v1/entries?procedure=microneedling&per_page=100").get_json()
    assert entries["meta"]["total"] == SEED_ENTRIES
    assert all(e["procedures"] == ["microneedling"] for e in entries["data"])
    assert client.get("/api/v1/entries?procedure=chemical-peel").get_json()["meta"]["total"] == 0
    articles = client.get("/api/v1/articles?procedure=microneedling").get_json()
    assert [a["slug"] for a in articles["data"]] == ["microneedling-complications"]
    assert client.get("/api/v1/articles?procedure=chemical-peel").get_json()["data"] == []
    assert client.get("/api/v1/entries?procedure=Not%20A%20Slug").status_code == 400


def _publish(client: FlaskClient, auth: dict[str, dict[str, str]], body: dict[str, Any]) -> None:
    created = client.post(E, json=body, headers=auth["editor"])
    assert created.status_code == 201, created.get_json()
    published = client.post(
        f"{E}/{body['slug']}/publish", headers={**auth["publisher"], "If-Match": created.headers["ETag"]}
    )
    assert published.status_code == 200, published.get_json()


def test_changes_feed_filters_by_procedure(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    everything = client.get("/api/v1/changes?procedure=microneedling").get_json()
    assert len(everything["data"]) == SEED_ENTRIES + 2  # and the article, and the procedure itself
    cursor = client.get("/api/v1/changes").get_json()["next_cursor"]
    technique = {"kind": "technique", "title": "Peel prep", "details": {"phase": "before", "steps": ["one"]}}
    _publish(client, auth, {"slug": "unattached", **technique})
    _publish(client, auth, {"slug": "attached", "procedures": ["microneedling"], **technique})
    client.post(f"{E}/bruising/unpublish", headers=auth["publisher"])
    feed = client.get(f"/api/v1/changes?since={cursor}&procedure=microneedling").get_json()
    assert [(c["slug"], c["change"]) for c in feed["data"]] == [
        ("attached", "upsert"),
        ("bruising", "remove"),
    ]
    unfiltered = client.get(f"/api/v1/changes?since={cursor}").get_json()
    assert [c["slug"] for c in unfiltered["data"]] == ["unattached", "attached", "bruising"]
    assert client.get("/api/v1/changes?procedure=chemical-peel").get_json()["data"] == []
    listed = client.get("/api/v1/entries?procedure=microneedling&fields=slug&per_page=100").get_json()
    slugs = {e["slug"] for e in listed["data"]}
    assert "attached" in slugs
    assert "unattached" not in slugs
    assert "bruising" not in slugs


def test_entries_must_name_existing_procedures(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    body = {
        "slug": "peel-prep",
        "kind": "technique",
        "title": "Peel prep",
        "procedures": ["chemical-peel"],
        "details": {"phase": "before", "steps": ["one"]},
    }
    response = client.post(E, json=body, headers=auth["editor"])
    assert response.status_code == 422
    assert response.get_json()["errors"]["procedures"] == ["Unknown procedure: chemical-peel"]
    bad = client.post(E, json={**body, "procedures": ["Chemical Peel"]}, headers=auth["editor"])
    assert bad.status_code == 422
    assert "procedures" in bad.get_json()["errors"]


def _complication(signs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "slug": "swelling-check",
        "kind": "complication",
        "title": "Swelling",
        "details": {"severity": "minor", "warning_signs": signs},
    }


def test_warning_sign_windows_of_one_group_may_not_overlap(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    overlapping = [
        {"sign": "Swelling in the first day", "group": "swelling", "to_hours": 30, "action": "self_care"},
        {
            "sign": "Swelling after a day",
            "group": "swelling",
            "from_hours": 24,
            "action": "contact_practitioner",
        },
    ]
    response = client.post(E, json=_complication(overlapping), headers=auth["editor"])
    assert response.status_code == 422
    assert "overlaps" in str(response.get_json()["errors"]["details"]["warning_signs"])
    contradictory = [
        {"sign": "Swelling", "group": "swelling", "action": "self_care"},
        {"sign": "Swelling!", "group": "swelling", "action": "emergency"},
    ]
    assert client.post(E, json=_complication(contradictory), headers=auth["editor"]).status_code == 422
    backwards = [{"sign": "Swelling", "from_hours": 48, "to_hours": 24, "action": "self_care"}]
    response = client.post(E, json=_complication(backwards), headers=auth["editor"])
    assert response.status_code == 422
    assert "to_hours" in str(response.get_json()["errors"])
    twice = [{"id": "s", "sign": "A", "action": "self_care"}, {"id": "s", "sign": "B", "action": "self_care"}]
    assert client.post(E, json=_complication(twice), headers=auth["editor"]).status_code == 422
    adjacent = [
        {"sign": "Swelling in the first day", "group": "swelling", "to_hours": 24, "action": "self_care"},
        {"sign": "Swelling after a day", "group": "swelling", "from_hours": 24, "action": "emergency"},
        {"sign": "Fever", "action": "emergency"},
    ]
    created = client.post(E, json=_complication(adjacent), headers=auth["editor"])
    assert created.status_code == 201, created.get_json()
    signs = created.get_json()["details"]["warning_signs"]
    assert [s["id"] for s in signs] == ["swelling-in-the-first-day", "swelling-after-a-day", "fever"]
    assert signs[2]["action"] == "emergency"


def test_after_hours_is_still_read_as_from_hours(
    client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    old = [
        {"sign": "Swelling that grows after 48 hours", "after_hours": 48, "action": "contact_practitioner"}
    ]
    created = client.post(E, json=_complication(old), headers=auth["editor"])
    assert created.status_code == 201, created.get_json()
    (sign,) = created.get_json()["details"]["warning_signs"]
    assert sign["from_hours"] == 48
    assert "after_hours" not in sign
