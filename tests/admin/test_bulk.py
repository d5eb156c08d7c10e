"""Bulk import and export, over HTTP and from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.extensions import db
from kb.services import procedures
from tests.conftest import ROOT, make_app

Headers = dict[str, dict[str, str]]
IMPORT, EXPORT = "/api/v1/admin/import", "/api/v1/admin/export"


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
    return sorted(items, key=lambda item: (item["type"], item["draft"]["slug"]))


def test_export_has_drafts_and_live_copies(client: FlaskClient, auth: Headers) -> None:
    etag = client.get("/api/v1/admin/entries/bruising", headers=auth["editor"]).headers["ETag"]
    client.patch(
        "/api/v1/admin/entries/bruising",
        json={"title": "Draft title"},
        headers={**auth["editor"], "If-Match": etag},
    )
    items = json.loads(export(client, auth["editor"]))["items"]
    assert len(items) == 11
    bruising = next(i for i in items if i["draft"]["slug"] == "bruising")
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
    dumped = export(client, auth["editor"], fmt)
    public_before = client.get("/api/v1/entries?per_page=100").get_json()["data"]
    file = tmp_path / f"export.{fmt}"
    file.write_text(dumped, encoding="utf-8")

    empty_app = make_app(tmp_path / "second")
    with empty_app.app_context():  # procedures come with the migrations or seed/, not with an export
        procedures.load_folder(ROOT / "seed" / "procedures")
        db.session.commit()
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["import", str(file)])
    assert result.exit_code == 0, result.output
    assert "11 created" in result.output
    assert runner.invoke(args=["token", "create", "--name", "x", "--role", "editor"]).exit_code == 0
    secret = runner.invoke(args=["token", "create", "--name", "y", "--role", "editor"]).output.split()[-1]
    other = empty_app.test_client()
    again = other.get(f"{EXPORT}?format={fmt}", headers={"Authorization": f"Bearer {secret}"})
    assert comparable(parse(again.get_data(as_text=True), fmt)) == comparable(parse(dumped, fmt))
    public_after = other.get("/api/v1/entries?per_page=100").get_json()["data"]
    assert public_view(public_after) == public_view(public_before)


def test_import_upserts_dry_run_and_reports(client: FlaskClient, auth: Headers) -> None:
    items = json.loads(export(client, auth["editor"]))["items"]
    bruising = next(i for i in items if i["draft"]["slug"] == "bruising")
    bruising["draft"]["title"] = bruising["live"]["title"] = "Bruising, imported"
    dry = client.post(f"{IMPORT}?dry_run=true", json={"items": items}, headers=auth["admin"])
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json()["updated"] == ["entry:bruising"]
    assert client.get("/api/v1/entries/bruising").get_json()["title"] == "Bruising"
    real = client.post(IMPORT, json={"items": items}, headers=auth["admin"])
    assert real.get_json()["updated"] == ["entry:bruising"]
    assert len(real.get_json()["unchanged"]) == 10
    assert client.get("/api/v1/entries/bruising").get_json()["title"] == "Bruising, imported"


def test_ndjson_over_http(client: FlaskClient, auth: Headers) -> None:
    text = export(client, auth["editor"], "ndjson")
    response = client.post(
        IMPORT, data=text, headers={**auth["admin"], "Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 200
    assert len(response.get_json()["unchanged"]) == 11


def test_import_is_all_or_nothing_with_item_errors(client: FlaskClient, auth: Headers) -> None:
    items = json.loads(export(client, auth["editor"]))["items"]
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
    assert after[0]["draft"]["title"] != "Changed but never saved"


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
    assert len(out.read_text().splitlines()) == 11
    dry = runner.invoke(args=["import", "--dry-run", str(out)])
    assert dry.exit_code == 0, dry.output
    assert "Would import 11 item(s): 0 created, 0 updated, 11 unchanged." in dry.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"items": [{"type": "entry", "draft": {"slug": "x"}}]}')
    failed = runner.invoke(args=["import", str(bad)])
    assert failed.exit_code != 0
    assert "items[0]" in failed.output
