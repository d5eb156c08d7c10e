"""Streamed imports through the CLI and HTTP: one pass, written in chunks, still all or nothing, with
per-item errors (the first ones and a count), and what an import writes besides the content."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from kb.services import bulk
from kb.services.bulk.writer import CHUNK

Headers = dict[str, dict[str, str]]
IMPORT = "/api/v1/admin/import"


def entry(n: int, *, status: str = "published", draft: dict[str, Any] | None = None, **live: Any) -> dict:
    body = {
        "slug": f"stream-{n}",
        "kind": "technique",
        "title": f"Streamed entry {n}",
        "summary": f"Streamed entry number {n} zqstreamq.",
        "body": f"**Step {n}**: clean the skin.",
        "tags": ["stream", "stream"],  # a repeated tag is one tag row
        "details": {"phase": "after", "steps": ["Clean the skin"]},
        **live,
    }
    if status != "published":
        return {"type": "entry", "status": status, "draft": body, "live": None}
    return {"type": "entry", "status": status, "draft": {**body, **(draft or {})}, "live": body}


def write(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def cli_import(app: Flask, path: Path, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["import", *args, str(path)])


def test_an_invalid_item_after_several_written_chunks_leaves_nothing(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    count = 2 * CHUNK + 7
    items = [entry(n) for n in range(count)]
    items[-1]["draft"]["kind"] = "banana"  # found after two chunks were written in the transaction
    changes_before = client.get("/api/v1/changes?limit=1000").get_json()["data"]
    result = cli_import(app, write(tmp_path / "bad.ndjson", items))
    assert result.exit_code != 0
    assert f"items[{count - 1}]" in result.output
    assert "1 item(s) are invalid; nothing was imported." in result.output
    assert client.get("/api/v1/entries/stream-0").status_code == 404
    assert client.get("/api/v1/search?q=zqstreamq").get_json()["meta"]["total"] == 0
    assert client.get("/api/v1/changes?limit=1000").get_json()["data"] == changes_before
    assert client.get("/readyz").status_code == 200  # no outbox row of the rolled-back import


def test_many_invalid_items_report_the_first_and_a_count(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    items = [entry(n) for n in range(60)]
    for n in range(1, 60, 2):
        items[n]["draft"]["title"] = ""  # 30 invalid drafts
    items.append({"type": "entry", "status": "published", "draft": {}, "live": {}})
    result = cli_import(app, write(tmp_path / "bad.ndjson", items))
    assert result.exit_code != 0
    assert "31 item(s) are invalid (the first 20 listed); nothing was imported." in result.output
    listed = json.loads(result.output[result.output.index("{") :])
    assert list(listed) == [f"items[{n}]" for n in range(1, 40, 2)]
    assert "title" in listed["items[1]"]["draft"]
    assert client.get("/api/v1/entries/stream-0").status_code == 404


def test_references_resolve_forward_and_unknown_ones_are_item_errors(
    app: Flask, client: FlaskClient, auth: Headers
) -> None:
    items = [
        entry(0, related=["stream-2"]),  # named before it is imported
        entry(1, related=["bruising"]),  # already in the database
        entry(2),
    ]
    body = "".join(json.dumps(item) + "\n" for item in items)
    ok = client.post(IMPORT, data=body, headers={**auth["admin"], "Content-Type": "application/x-ndjson"})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["items"] == 3  # every item counted, whatever the references
    assert len(ok.get_json()["created"]) == 3
    bad = [entry(3, related=["stream-4-typo"]), entry(4)]
    body = "".join(json.dumps(item) + "\n" for item in bad)
    refused = client.post(
        IMPORT, data=body, headers={**auth["admin"], "Content-Type": "application/x-ndjson"}
    )
    assert refused.status_code == 422
    unknown = {"references": ["Unknown entry: stream-4-typo"]}
    assert refused.get_json()["errors"] == {"items[0]": {"draft": unknown, "live": unknown}}
    assert client.get("/api/v1/entries/stream-4").status_code == 404


def test_what_an_import_writes_besides_the_content(
    app: Flask, client: FlaskClient, auth: Headers, tmp_path: Path
) -> None:
    """A new published item: its live copy's save (revision 1), published (a feed row, indexed), then
    its draft saved when it differs (revision 2); a new draft: one revision, nothing public. An
    existing item is saved and published as an edit would be, in the order of the file."""
    cursor = client.get("/api/v1/changes?limit=1000").get_json()["next_cursor"]
    items = [
        entry(0),
        entry(1, draft={"title": "Streamed entry 1, draft"}),
        entry(2, status="draft"),
        {**entry(3), "id": "6f1c6d52-5b8e-4d5b-9d51-3a1d7b8e9f00"},
    ]
    bruising = next(
        item
        for item in bulk.parse(
            client.get("/api/v1/admin/export?format=ndjson", headers=auth["editor"]).get_data(as_text=True),
            ndjson=True,
        )
        if item["type"] == "entry" and item["draft"]["slug"] == "bruising"
    )
    bruising["draft"]["title"] = bruising["live"]["title"] = "Bruising, streamed"
    items.insert(1, bruising)
    result = cli_import(app, write(tmp_path / "mixed.ndjson", items))
    assert result.exit_code == 0, result.output
    assert "Imported 5 item(s): 4 created, 1 updated, 0 unchanged." in result.output

    def revisions(slug: str) -> list[tuple[int, str]]:
        page = client.get(f"/api/v1/admin/entries/{slug}/revisions", headers=auth["editor"]).get_json()
        return sorted((r["number"], r["message"]) for r in page["data"])

    assert revisions("stream-0") == [(1, "import (live copy)")]
    assert revisions("stream-1") == [(1, "import (live copy)"), (2, "import")]
    assert revisions("stream-2") == [(1, "import")]
    one = client.get("/api/v1/admin/entries/stream-1", headers=auth["editor"]).get_json()
    assert (one["title"], one["version"], one["status"]) == ("Streamed entry 1, draft", 2, "published")
    live = client.get("/api/v1/entries/stream-1").get_json()
    assert (live["title"], live["version"]) == ("Streamed entry 1", 1)
    assert live["body_html"] == "<p><strong>Step 1</strong>: clean the skin.</p>\n"
    assert client.get("/api/v1/entries/stream-3").get_json()["id"] == items[4]["id"]
    assert client.get("/api/v1/entries/stream-2").status_code == 404
    assert client.get("/api/v1/entries/bruising").get_json()["title"] == "Bruising, streamed"
    feed = client.get(f"/api/v1/changes?since={cursor}").get_json()["data"]
    assert [(c["slug"], c["change"], c["version"]) for c in feed] == [
        ("stream-0", "upsert", 1),
        ("bruising", "upsert", feed[1]["version"]),
        ("stream-1", "upsert", 1),
        ("stream-3", "upsert", 1),
    ]
    hits = client.get("/api/v1/search?q=zqstreamq&per_page=50").get_json()
    assert sorted(hit["slug"] for hit in hits["data"]) == ["stream-0", "stream-1", "stream-3"]
    tags = client.get("/api/v1/tags").get_json()["data"]
    assert {"tag": "stream", "count": 3} in tags  # one tag row per live entry, however often it is given
    assert client.get("/readyz").status_code == 200


def test_stdin_is_read_once(app: Flask, client: FlaskClient) -> None:
    text = "".join(json.dumps(entry(n)) + "\n" for n in range(3))
    result = app.test_cli_runner().invoke(args=["import", "-"], input=text)
    assert result.exit_code == 0, result.output
    assert "Imported 3 item(s): 3 created" in result.output
    assert client.get("/api/v1/entries/stream-2").status_code == 200
