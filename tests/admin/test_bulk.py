"""Bulk import and export, over HTTP and from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import NEW_ENTRY, make_app

Headers = dict[str, dict[str, str]]
IMPORT, EXPORT = "/api/v1/admin/import", "/api/v1/admin/export"
ADMIN_PROCEDURES = "/api/v1/admin/procedures"


def export(client: FlaskClient, headers: dict[str, str], fmt: str = "json") -> str:
    response = client.get(f"{EXPORT}?format={fmt}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def parse(text: str, fmt: str) -> list[dict[str, Any]]:
    if fmt == "ndjson":
        return [json.loads(line) for line in text.splitlines()]
    return json.loads(text)["items"]


def public_view(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Public entries without what an import may legitimately renumber or re-time."""
    return [
        {k: v for k, v in row.items() if k not in ("created_at", "updated_at", "published_at", "version")}
        for row in rows
    ]


def comparable(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: (item["type"], slug_of(item)))


def slug_of(item: dict[str, Any]) -> str:
    return str((item.get("draft") or item.get("procedure"))["slug"])


def test_export_has_drafts_and_live_copies(client: FlaskClient, auth: Headers) -> None:
    etag = client.get("/api/v1/admin/entries/bruising", headers=auth["editor"]).headers["ETag"]
    client.patch(
        "/api/v1/admin/entries/bruising",
        json={"title": "Draft title"},
        headers={**auth["editor"], "If-Match": etag},
    )
    items = json.loads(export(client, auth["editor"]))["items"]
    assert len(items) == 12
    assert items[0] == {
        "type": "procedure",
        "id": client.get("/api/v1/procedures/microneedling").get_json()["id"],
        "procedure": {
            k: v
            for k, v in client.get(f"{ADMIN_PROCEDURES}/microneedling", headers=auth["editor"])
            .get_json()
            .items()
            if k in ("slug", "title", "summary", "locale", "translations")
        },
    }  # procedures first: content names them
    bruising = next(i for i in items if slug_of(i) == "bruising")
    assert bruising["draft"]["title"] == "Draft title"
    assert bruising["live"]["title"] == "Bruising"
    assert bruising["status"] == "published"


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_round_trip_into_an_empty_database(
    client: FlaskClient, auth: Headers, tmp_path: Path, fmt: str
) -> None:
    etag = client.get("/api/v1/admin/entries/bruising", headers=auth["editor"]).headers["ETag"]
    client.patch(
        "/api/v1/admin/entries/bruising",
        json={"title": "Draft title"},
        headers={**auth["editor"], "If-Match": etag},
    )
    client.post("/api/v1/admin/entries/infection/archive", headers=auth["publisher"])
    peel = {"slug": "chemical-peel", "title": "Chemical peel", "translations": {"es": {"title": "Peeling"}}}
    assert client.post(ADMIN_PROCEDURES, json=peel, headers=auth["publisher"]).status_code == 201
    dumped = export(client, auth["editor"], fmt)
    public_before = client.get("/api/v1/entries?per_page=100").get_json()["data"]
    procedures_before = public_procedures(client)
    file = tmp_path / f"export.{fmt}"
    file.write_text(dumped, encoding="utf-8")

    empty_app = make_app(tmp_path / "second")  # no procedures: the export brings them
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["import", str(file)])
    assert result.exit_code == 0, result.output
    assert "13 created" in result.output
    assert runner.invoke(args=["token", "create", "--name", "x", "--role", "editor"]).exit_code == 0
    secret = runner.invoke(args=["token", "create", "--name", "y", "--role", "editor"]).output.split()[-1]
    other = empty_app.test_client()
    again = other.get(f"{EXPORT}?format={fmt}", headers={"Authorization": f"Bearer {secret}"})
    assert comparable(parse(again.get_data(as_text=True), fmt)) == comparable(parse(dumped, fmt))
    public_after = other.get("/api/v1/entries?per_page=100").get_json()["data"]
    assert public_view(public_after) == public_view(public_before)
    assert public_procedures(other) == procedures_before  # ids kept; rules from the imported entries
    feed = other.get("/api/v1/changes", query_string={"procedure": "chemical-peel", "locale": "es"})
    assert [(c["kind"], c["change"], c["locale"]) for c in feed.get_json()["data"]] == [
        ("procedure", "upsert", "en"),
        ("procedure", "upsert", "es"),
    ]


def public_procedures(client: FlaskClient) -> list[dict[str, Any]]:
    """Every public procedure in English and Spanish with its rules, without what an import re-times."""
    found = []
    for locale in ("en", "es"):
        listed = client.get("/api/v1/procedures", query_string={"locale": locale}).get_json()["data"]
        for procedure in listed:
            path = f"/api/v1/procedures/{procedure['slug']}"
            rules = client.get(f"{path}/rules", query_string={"locale": locale}).get_json()
            found.append({**public_view([procedure])[0], "rules": rules})
    assert found
    return found


def test_an_import_creates_procedures_before_the_content_naming_them(
    client: FlaskClient, auth: Headers
) -> None:
    peel = {"type": "procedure", "procedure": {"slug": "chemical-peel", "title": "Chemical peel"}}
    entry = {
        "type": "entry",
        "status": "published",
        "draft": {**NEW_ENTRY, "procedures": ["chemical-peel"]},
        "live": {**NEW_ENTRY, "procedures": ["chemical-peel"]},
    }
    late = client.post(IMPORT, json={"items": [entry, peel]}, headers=auth["admin"])
    assert late.status_code == 422
    assert late.mimetype == "application/problem+json"
    assert "procedures" in late.get_json()["errors"]["items[0]"]["draft"]
    assert client.get("/api/v1/procedures/chemical-peel").status_code == 404
    for bad, field in (
        ({**peel, "procedure": {"slug": "Chemical Peel", "title": "x"}}, "procedure"),
        ({"type": "procedure"}, "procedure"),
        ({**peel, "draft": {}}, "draft"),
        ({**peel, "id": "not-a-uuid"}, "id"),
    ):
        refused = client.post(IMPORT, json={"items": [bad]}, headers=auth["admin"])
        assert refused.status_code == 422, bad
        assert field in refused.get_json()["errors"]["items[0]"], bad
    twice = client.post(IMPORT, json={"items": [peel, peel]}, headers=auth["admin"])
    assert twice.status_code == 422
    report = client.post(IMPORT, json={"items": [peel, entry]}, headers=auth["admin"])
    assert report.status_code == 200, report.get_json()
    assert report.get_json()["created"] == ["procedure:chemical-peel", f"entry:{NEW_ENTRY['slug']}"]
    assert client.get("/api/v1/procedures/chemical-peel").get_json()["title"] == "Chemical peel"
    listed = client.get("/api/v1/entries?procedure=chemical-peel").get_json()["data"]
    assert [e["slug"] for e in listed] == [NEW_ENTRY["slug"]]
    again = client.post(
        IMPORT,
        json={"items": [{**peel, "procedure": {**peel["procedure"], "title": "Peel"}}]},
        headers=auth["admin"],
    )
    assert again.get_json()["updated"] == ["procedure:chemical-peel"]
    assert client.get("/api/v1/procedures/chemical-peel").get_json()["title"] == "Peel"


def test_import_upserts_dry_run_and_reports(client: FlaskClient, auth: Headers) -> None:
    items = json.loads(export(client, auth["editor"]))["items"]
    bruising = next(i for i in items if slug_of(i) == "bruising")
    bruising["draft"]["title"] = bruising["live"]["title"] = "Bruising, imported"
    dry = client.post(f"{IMPORT}?dry_run=true", json={"items": items}, headers=auth["admin"])
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json()["updated"] == ["entry:bruising"]
    assert client.get("/api/v1/entries/bruising").get_json()["title"] == "Bruising"
    real = client.post(IMPORT, json={"items": items}, headers=auth["admin"])
    assert real.get_json()["updated"] == ["entry:bruising"]
    assert len(real.get_json()["unchanged"]) == 11
    assert client.get("/api/v1/entries/bruising").get_json()["title"] == "Bruising, imported"


def test_ndjson_over_http(client: FlaskClient, auth: Headers) -> None:
    text = export(client, auth["editor"], "ndjson")
    response = client.post(
        IMPORT, data=text, headers={**auth["admin"], "Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 200
    assert len(response.get_json()["unchanged"]) == 12


def test_import_is_all_or_nothing_with_item_errors(client: FlaskClient, auth: Headers) -> None:
    items = [i for i in json.loads(export(client, auth["editor"]))["items"] if i["type"] != "procedure"]
    items[0]["draft"]["title"] = "Changed but never saved"
    items[3]["draft"]["kind"] = "banana"
    items[5]["draft"]["related"] = ["does-not-exist"]
    items.append({"type": "recipe", "draft": {}})
    response = client.post(IMPORT, json={"items": items}, headers=auth["admin"])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"items[3]", "items[5]", f"items[{len(items) - 1}]"}
    assert "kind" in errors["items[3]"]["draft"]
    after = json.loads(export(client, auth["editor"]))["items"]
    assert after[1]["draft"]["title"] != "Changed but never saved"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('{"items": 3}', "application/json"),
        ("[1, 2]", "application/json"),
        ('{"type": "entry"}\nnot json', "application/x-ndjson"),
    ],
)
def test_bad_import_bodies_are_problems(
    client: FlaskClient, auth: Headers, body: str, content_type: str
) -> None:
    response = client.post(IMPORT, data=body, headers={**auth["admin"], "Content-Type": content_type})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_cli_export_and_dry_run_import(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    out = tmp_path / "all.ndjson"
    result = runner.invoke(args=["export", "--format", "ndjson", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 12
    dry = runner.invoke(args=["import", "--dry-run", str(out)])
    assert dry.exit_code == 0, dry.output
    assert "Would import 12 item(s): 0 created, 0 updated, 12 unchanged." in dry.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"items": [{"type": "entry", "draft": {"slug": "x"}}]}')
    failed = runner.invoke(args=["import", str(bad)])
    assert failed.exit_code != 0
    assert "items[0]" in failed.output
