"""Binding the database: the engine, and SQLite settings that make several workers safe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, has_request_context, request

from kb import models  # noqa: F401 (every table on the metadata, for migrations)
from kb.config import ADMIN_PREFIX
from kb.extensions import db, migrate
from kb.search.pg_schema import INDEXES, TABLES

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def init_app(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS),
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", _sqlite_connect)
            sa.event.listen(db.engine, "begin", _sqlite_begin)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Autogenerate compares the models' tables only: the PostgreSQL search tables have a migration
    of their own (kb.search.pg_schema) and no models."""
    if type_ == "table":
        return name not in TABLES
    if type_ == "index":
        return name not in INDEXES
    return True


def _sqlite_connect(connection: Any, _record: Any) -> None:
    """WAL lets readers and one writer work at once; busy_timeout makes writers queue, not fail."""
    connection.isolation_level = None  # pysqlite must not BEGIN on its own: _sqlite_begin does
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    """Transactions that may write take the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes fails at once (SQLITE_BUSY_SNAPSHOT) when
    another connection wrote in between; taking the lock first makes concurrent writers wait in turn.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write() else "BEGIN")


def _may_write() -> bool:
    if not has_request_context():
        return True  # CLI commands and scripts
    return request.method not in ("GET", "HEAD", "OPTIONS") or request.path.startswith(ADMIN_PREFIX)
