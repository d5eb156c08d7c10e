"""The migrations build exactly the schema the models describe (SQLite here, PostgreSQL in CI)."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from kb.database import include_object
from kb.extensions import db
from kb.search.postgres.ddl import TABLES


def _reset() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def test_upgrade_matches_models_and_downgrade_empties(empty_app: Flask) -> None:
    with empty_app.app_context():
        _reset()
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_object}
            )
            assert compare_metadata(context, db.metadata) == []
        tables = set(sa.inspect(db.engine).get_table_names())
        if db.engine.dialect.name == "postgresql":  # the search tables come with their migration
            assert set(TABLES) <= tables
        else:
            assert not set(TABLES) & tables
        flask_migrate.downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        flask_migrate.upgrade()


def test_existing_tokens_get_random_public_ids(empty_app: Flask) -> None:
    with empty_app.app_context():
        _reset()
        flask_migrate.upgrade(revision="5e3a1c9d2b7f")
        with db.engine.begin() as connection:
            for n in (1, 2):
                connection.execute(
                    sa.text(
                        "INSERT INTO api_tokens (id, name, role, prefix, token_hash, created_at) "
                        "VALUES (:id, :name, 'editor', 'kb_x', :hash, CURRENT_TIMESTAMP)"
                    ),
                    {"id": n, "name": f"old-{n}", "hash": f"{n:064d}"},
                )
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            ids = connection.execute(sa.text("SELECT public_id FROM api_tokens ORDER BY id")).scalars().all()
        assert len(set(ids)) == 2
        assert all(i.startswith("tok_") and len(i) == 20 for i in ids)


def test_searchable_articles_queue_every_live_article(empty_app: Flask) -> None:
    """The articles migration adds the search columns (PostgreSQL) and queues each live article."""
    with empty_app.app_context():
        _reset()
        flask_migrate.upgrade(revision="e4a7c2d9b6f1")
        article_id = "0123456789abcdef0123456789abcdef"
        row = {"id": article_id, "slug": "old-article", "title": "Old", "now": "2026-12-01 00:00:00+00:00"}
        content = "title, summary, locale, tags, sources, sections"
        values = ":title, '', 'en', '[]', '[]', '[]'"
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    f"INSERT INTO articles (id, slug, status, version, created_at, updated_at, {content}) "
                    f"VALUES (:id, :slug, 'published', 1, :now, :now, {values})"
                ),
                row,
            )
            connection.execute(
                sa.text(
                    "INSERT INTO live_articles (article_id, slug, version, created_at, updated_at, "
                    f"published_at, {content}) VALUES (:id, :slug, 1, :now, :now, :now, {values})"
                ),
                row,
            )
        flask_migrate.upgrade(revision="f2c6a8e4d1b3")  # later migrations queue content again
        with db.engine.connect() as connection:
            queued = connection.execute(sa.text("SELECT entry_id, action FROM search_outbox")).all()
        assert [(str(entry_id).replace("-", ""), action) for entry_id, action in queued] == [
            (article_id, "upsert")
        ]
        if db.engine.dialect.name == "postgresql":
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("search_documents")}
            assert {"type", "sections"} <= columns
        flask_migrate.downgrade(revision="e4a7c2d9b6f1")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM search_outbox")).scalar() == 0
        if db.engine.dialect.name == "postgresql":
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("search_documents")}
            assert not {"type", "sections"} & columns


def _insert(table: str, **values: object) -> None:
    with db.engine.begin() as connection:
        names = ", ".join(values)
        connection.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES (:{', :'.join(values)})"), values)


def test_search_procedures_queue_every_live_entry_and_article(empty_app: Flask) -> None:
    """The procedure-filter migration adds the procedures column (PostgreSQL) and queues every live entry
    and article, so their documents are rewritten with the procedures they apply to."""
    with empty_app.app_context():
        _reset()
        flask_migrate.upgrade(revision="f2b8d4e6a0c1")
        entry_id, article_id = "0123456789abcdef0123456789abcde0", "0123456789abcdef0123456789abcde1"
        now = "2026-12-01 00:00:00+00:00"
        stamps = {"version": 1, "created_at": now, "updated_at": now}
        entry = {
            "slug": "old-entry",
            "kind": "technique",
            "title": "Old",
            "summary": "",
            "body": "",
            "tags": "[]",
            "locale": "en",
            "related": "[]",
            "procedures": '["microneedling"]',
            "details": "{}",
            "sources": "[]",
            **stamps,
        }
        article = {
            "slug": "old-article",
            "title": "Old",
            "summary": "",
            "locale": "en",
            "tags": "[]",
            "procedures": '["microneedling"]',
            "sources": "[]",
            "sections": "[]",
            **stamps,
        }
        _insert("entries", id=entry_id, status="published", **entry)
        _insert("live_entries", entry_id=entry_id, body_html="", published_at=now, **entry)
        _insert("articles", id=article_id, status="published", **article)
        _insert("live_articles", article_id=article_id, published_at=now, **article)
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            queued = connection.execute(sa.text("SELECT entry_id, action FROM search_outbox")).all()
        assert sorted((str(i).replace("-", ""), action) for i, action in queued) == [
            (entry_id, "upsert"),
            (article_id, "upsert"),
        ]
        if db.engine.dialect.name == "postgresql":
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("search_documents")}
            assert "procedures" in columns
        flask_migrate.downgrade(revision="f2b8d4e6a0c1")
        if db.engine.dialect.name == "postgresql":
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("search_documents")}
            assert "procedures" not in columns
