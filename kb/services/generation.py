"""The content generation: a counter that moves, in the same transaction, with every change of what the
public API shows (each changes-feed row: publish, unpublish, delete, a translation's publish or
withdrawal, scheduled actions, imports and the seed), so that a public representation is named by
(generation, request) on any worker of any instance (kb.api.caching).

The per-request read is one primary-key lookup on a small pool of its own, in autocommit mode: no
BEGIN, no rollback, no ping at checkout, no ORM session.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from kb.database import DatabaseStalled, deadline, engine_options
from kb.extensions import db
from kb.models import ContentGeneration

log = logging.getLogger(__name__)
ROW = 1
_READ = "SELECT value FROM content_generation WHERE id = 1"
_ENGINE = "kb.generation.engine"  # app.extensions key: (pid, engine)


def bump() -> None:
    """Move the generation in the caller's transaction (callers hold the changes feed's lock)."""
    row = sa.update(ContentGeneration).where(ContentGeneration.id == ROW)
    moved = db.session.execute(row.values(value=ContentGeneration.value + 1))
    if not moved.rowcount:  # a database made by create_all, without the migration's row
        db.session.add(ContentGeneration(id=ROW, value=2))
        db.session.flush()


def current(app: Flask | None = None) -> int | None:
    """The committed generation, or None when it cannot be read (the caller then works without it).

    Raises ``DatabaseStalled`` (answered 503) when the database does not answer within
    ``KB_DATABASE_TIMEOUT``: the TCP timeouts do not end a wait on a server that keeps the connection
    open and says nothing."""
    app = app or current_app
    try:
        engine = _engine(app)
        remote = engine.dialect.name != "sqlite"  # a server may stall; a local file does not
        with deadline(app.config["KB_DATABASE_TIMEOUT"] if remote else 0):  # stalled: 503, not never
            connection = engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute(_READ)
                row = cursor.fetchone()
                cursor.close()
            except BaseException:
                connection.invalidate()  # interrupted mid-statement: never back into the pool
                raise
            connection.close()
    except DatabaseStalled:
        raise
    except Exception as exc:  # a missing table or an unreachable database: no generation, no shortcut
        log.debug("content generation unreadable: %s", type(exc).__name__)
        return None
    return int(row[0]) if row else 0


def _engine(app: Flask) -> sa.Engine:
    """This process's engine for the read (made after a fork, never inherited from the parent)."""
    made: tuple[int, sa.Engine] | None = app.extensions.get(_ENGINE)
    if made is not None and made[0] == os.getpid():
        return made[1]
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options: dict[str, Any] = engine_options(url, {}, app.config["KB_DATABASE_TIMEOUT"])
    options.update(isolation_level="AUTOCOMMIT", pool_reset_on_return=None, pool_size=4)
    if sa.make_url(url).get_backend_name() == "sqlite":
        options.pop("pool_size")
    engine = sa.create_engine(url, **options)
    app.extensions[_ENGINE] = (os.getpid(), engine)
    return engine


def dispose(app: Flask) -> None:
    """Close this process's read connections (tests and shutdown)."""
    made = app.extensions.pop(_ENGINE, None)
    if made is not None and made[0] == os.getpid():
        made[1].dispose()
