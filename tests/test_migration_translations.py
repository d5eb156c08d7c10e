"""The translations migration on a database the previous revision built, with content in it: every
entry becomes the source translation in its own locale, nothing lost (SQLite; PostgreSQL in CI)."""

from __future__ import annotations

import uuid
from typing import Any

import flask_migrate
import sqlalchemy as sa
from flask import Flask

from kb.extensions import db
from kb.models import LiveEntry, SearchOutbox
from kb.models.types import utcnow
from kb.services import indexing
from kb.services.rendering import render_markdown

PREVIOUS = "5dd6fda61f68"
ENTRIES = {
    "en": {
        "slug": "redness",
        "kind": "complication",
        "title": "Redness",
        "summary": "Normal for up to 48 hours.",
        "body": "Redness usually fades within **48 hours**.",
        "tags": ["redness"],
        "locale": "en",
        "related": [],
        "details": {
            "severity": "minor",
            "signs": ["Redness"],
            "expected_duration_hours": 48,
            "causes": [],
            "prevention": [],
            "warning_signs": [
                {"sign": "Redness after 48 hours", "after_hours": 48, "action": "contact_practitioner"}
            ],
        },
        "sources": [],
        "last_reviewed": None,
        "next_review_due": None,
        "reviewed_by": None,
    },
}
ENTRIES["es"] = ENTRIES["en"] | {"slug": "enrojecimiento", "title": "Enrojecimiento", "locale": "es"}
UPGRADED_DETAILS = ENTRIES["en"]["details"] | {
    "warning_signs": [
        {
            "id": "redness-after-48-hours",
            "sign": "Redness after 48 hours",
            "from_hours": 48,
            "action": "contact_practitioner",
        }
    ]
}


OLD_CHANGE = sa.text("INSERT INTO changes (slug, kind, change, version, at) VALUES (:s, :k, :c, :v, :at)")
NOW = utcnow().replace(tzinfo=None)  # the previous revision's column, written without our type


def _old_database(app: Flask) -> None:
    """The schema of the previous revision, with a published English and a published Spanish entry,
    written with Core as that revision's code wrote them (today's models have columns it lacks)."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    flask_migrate.upgrade(revision=PREVIOUS)
    with db.engine.begin() as connection:
        for data in ENTRIES.values():
            entry_id, now = uuid.uuid4(), utcnow()
            times = {"version": 1, "created_at": now, "updated_at": now, "published_at": now}
            row = {**data, **times}
            connection.execute(_old("entries").insert().values(id=entry_id, status="published", **row))
            body_html = render_markdown(data["body"])
            connection.execute(
                _old("live_entries").insert().values(entry_id=entry_id, body_html=body_html, **row)
            )
            for tag in data["tags"]:
                connection.execute(_old("live_entry_tags").insert().values(entry_id=entry_id, tag=tag))
            connection.execute(
                OLD_CHANGE, {"s": data["slug"], "k": "complication", "c": "upsert", "v": 1, "at": NOW}
            )
        connection.execute(OLD_CHANGE, {"s": "gone", "k": "technique", "c": "remove", "v": 2, "at": NOW})


def _old(name: str) -> sa.TableClause:
    """Table ``name`` with the columns the previous revision had (today's, less the later ones)."""
    later = {"procedures"}
    return sa.table(
        name, *(sa.column(c.name, c.type) for c in db.metadata.tables[name].c if c.name not in later)
    )


def _entries() -> dict[str, dict[str, Any]]:
    """The entries' rows as they are stored, by slug (the columns of the previous revision)."""
    with db.engine.connect() as connection:
        rows = connection.execute(sa.select(_old("entries"))).mappings().all()
    return {row["slug"]: dict(row) for row in rows}


def test_existing_entries_become_source_translations(empty_app: Flask) -> None:
    with empty_app.app_context():
        _old_database(empty_app)
        before = _entries()
        assert set(before) == {"redness", "enrojecimiento"}
        db.session.remove()
        flask_migrate.upgrade()
        after = _entries()
        for slug, row in before.items():  # the later procedures migration gives warning signs ids
            assert after[slug].pop("details") == UPGRADED_DETAILS
            row.pop("details")
        assert after == before
        rows = db.session.execute(sa.text("SELECT slug, locale FROM changes ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("redness", "en"), ("enrojecimiento", "es"), ("gone", "en")]
        # every live entry is queued for reindexing (documents now per language, with a locale key)
        queued = db.session.scalars(sa.select(SearchOutbox.entry_id).where(SearchOutbox.action == "upsert"))
        assert set(queued) == set(db.session.scalars(sa.select(LiveEntry.entry_id)))
        indexing.apply_pending()
    client = empty_app.test_client()
    english = client.get("/api/v1/entries/redness?locale=en")
    assert english.status_code == 200
    assert english.headers["Content-Language"] == "en"
    assert english.get_json()["translations"] == [{"locale": "en", "version": 1, "stale": False}]
    spanish = client.get("/api/v1/entries/enrojecimiento?locale=es&fallback=none")
    assert spanish.status_code == 200
    assert spanish.get_json()["title"] == "Enrojecimiento"
    assert spanish.get_json()["details"] == UPGRADED_DETAILS
    found = client.get("/api/v1/search?q=enrojecimientos&locale=es").get_json()["data"]
    assert [(h["slug"], h["locale"]) for h in found] == [("enrojecimiento", "es")]
    # A Spanish-only entry is not served to an English reader (nothing published along en).
    assert client.get("/api/v1/entries/enrojecimiento?locale=en").status_code == 404
    feed = client.get("/api/v1/changes?locale=es").get_json()["data"]
    assert [(c["slug"], c["locale"]) for c in feed] == [
        ("redness", "en"),
        ("enrojecimiento", "es"),
        ("gone", "en"),
    ]
    with empty_app.app_context():
        db.session.remove()
        flask_migrate.downgrade(revision=PREVIOUS)
        assert "translations" not in sa.inspect(db.engine).get_table_names()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("entries"))) == 2
        db.session.remove()
        flask_migrate.upgrade()
