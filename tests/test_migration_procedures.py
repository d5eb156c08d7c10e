"""The procedures migration attaches existing microneedling content and gives warning signs ids and
windows; what it wrote is what the API then serves."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import flask_migrate
import sqlalchemy as sa
from flask import Flask

from kb.extensions import db

OLD_SIGNS = [
    {"sign": "Redness during the first 48 hours after treatment", "action": "self_care"},
    {"sign": "Redness that persists beyond 48 hours", "after_hours": 48, "action": "contact_practitioner"},
    {"sign": "Redness that intensifies significantly", "action": "contact_practitioner"},
]
OTHER_SIGNS = [
    {"sign": "Itching", "after_hours": 12, "action": "self_care"},
    {"sign": "Itching", "action": "contact_practitioner"},
]


def _insert(connection: sa.Connection, slug: str, tags: list[str], signs: list[dict]) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    row_id = uuid.uuid4()
    content = {
        "slug": slug,
        "title": slug.title(),
        "summary": "",
        "body": "",
        "tags": tags,
        "locale": "en",
        "related": [],
        "details": {"severity": "minor", "warning_signs": signs},
        "sources": [],
        "kind": "complication",
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "published_at": now,
    }

    def columns() -> list[sa.ColumnClause]:
        json_columns = ("tags", "related", "details", "sources")
        return [sa.column(name, sa.JSON if name in json_columns else None) for name in content]

    entries = sa.table("entries", sa.column("id", sa.Uuid), sa.column("status"), *columns())
    connection.execute(entries.insert().values(id=row_id, status="published", **content))
    live = sa.table("live_entries", sa.column("entry_id", sa.Uuid), sa.column("body_html"), *columns())
    connection.execute(live.insert().values(entry_id=row_id, body_html="", **content))
    changes = sa.table("changes", *(sa.column(n) for n in ("slug", "kind", "change", "version", "at")))
    connection.execute(
        changes.insert().values(slug=slug, kind="complication", change="upsert", version=1, at=now)
    )


def test_existing_content_is_attached_and_signs_get_ids_and_windows(empty_app: Flask) -> None:
    with empty_app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        flask_migrate.upgrade(revision="5dd6fda61f68")
        with db.engine.begin() as connection:
            _insert(connection, "excessive-redness", ["microneedling", "redness"], OLD_SIGNS)
            _insert(connection, "itching", ["peels"], OTHER_SIGNS)
        flask_migrate.upgrade()
    client = empty_app.test_client()
    assert client.get("/api/v1/procedures/microneedling").status_code == 200
    attached = client.get("/api/v1/entries?procedure=microneedling").get_json()["data"]
    assert [e["slug"] for e in attached] == ["excessive-redness"]
    signs = attached[0]["details"]["warning_signs"]
    assert [(s["id"], s.get("from_hours"), s.get("to_hours")) for s in signs] == [
        ("redness-first-48-hours", None, 48),
        ("redness-beyond-48-hours", 48, None),
        ("redness-intensifying", None, None),
    ]
    other = client.get("/api/v1/entries/itching").get_json()
    assert other["procedures"] == []
    assert [(s["id"], s.get("from_hours")) for s in other["details"]["warning_signs"]] == [
        ("itching", 12),
        ("itching-2", None),
    ]
    feed = client.get("/api/v1/changes?procedure=microneedling").get_json()["data"]
    assert [c["slug"] for c in feed] == ["excessive-redness"]
    body = client.post(
        "/api/v1/procedures/microneedling/check", json={"hours_since": 60, "signs": ["redness"]}
    ).get_json()
    assert [m["id"] for m in body["matches"]] == ["excessive-redness.redness-beyond-48-hours"]
    with empty_app.app_context():
        flask_migrate.downgrade(revision="5dd6fda61f68")
        with db.engine.connect() as connection:
            details = (
                connection.execute(sa.select(sa.table("entries", sa.column("details", sa.JSON)).c.details))
                .scalars()
                .all()
            )
        assert details[0]["warning_signs"] == OLD_SIGNS
        flask_migrate.upgrade()
