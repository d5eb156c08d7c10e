"""Binding the database: the engine, SQLite settings that make several workers safe, and bounded waits.

Workers are cooperative (gunicorn's gevent workers, see gunicorn.conf.py): one process serves many
requests, switching between them whenever one waits on a socket or sleeps. Nothing here may block the
process while another request of it could make progress, so SQLite's write lock is waited for in
Python (``time.sleep`` yields) rather than in SQLite's C busy handler, and a PostgreSQL statement
that does not answer within ``KB_DATABASE_TIMEOUT`` is abandoned (``deadline``) and answered 503.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, has_app_context, has_request_context, request

from kb import models  # noqa: F401 (every table on the metadata, for migrations)
from kb.errors import problem
from kb.extensions import db, migrate
from kb.search.postgres.ddl import INDEXES, TABLES

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_WRITE_WAIT = 10.0  # seconds a writer queues for SQLite's write lock before the request fails
SQLITE_BUSY_MS = 20  # SQLite's own (blocking) busy wait, for the rare busy read in WAL mode
RETRY_AFTER = "5"  # seconds, on a 503 while the database is unavailable
log = logging.getLogger(__name__)


class DatabaseStalled(TimeoutError):
    """The database did not answer within the deadline. A TimeoutError, so SQLAlchemy invalidates the
    connection it was waiting on instead of returning it to the pool."""


def init_app(app: Flask) -> None:
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {},
        app.config["KB_DATABASE_TIMEOUT"],
    )
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
        else:
            sa.event.listen(db.engine, "checkout", _ping)
            sa.event.listen(db.engine, "before_cursor_execute", _start_deadline)
            sa.event.listen(db.engine, "after_cursor_execute", _end_deadline)
            sa.event.listen(db.engine, "handle_error", _end_deadline_on_error)
    app.register_error_handler(sa.exc.OperationalError, _unavailable)
    app.register_error_handler(sa.exc.InterfaceError, _unavailable)
    app.register_error_handler(DatabaseStalled, _unavailable)
    app.register_error_handler(sa.exc.TimeoutError, _unavailable)  # no pooled connection came free
    app.register_error_handler(sa.exc.IntegrityError, _conflict)


def engine_options(url: str, options: dict[str, Any], timeout: float) -> dict[str, Any]:
    """PostgreSQL: connect timeout, TCP keepalives and, in served requests, statement and lock timeouts;
    the pool's ping is ours (``_ping``), under the deadline."""
    if sa.make_url(url).get_backend_name() != "postgresql":
        return options
    millis = int(timeout * 1000)
    connect_args: dict[str, Any] = {
        "connect_timeout": max(1, round(timeout)),
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": millis,
        **options.get("connect_args", {}),
    }
    if _cooperative():  # serving: no statement may outlast a request (commands and jobs may run long)
        connect_args.setdefault("options", f"-c statement_timeout={millis} -c lock_timeout={millis}")
    return {**options, "pool_pre_ping": False, "pool_timeout": timeout, "connect_args": connect_args}


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Autogenerate compares the models' tables only: the PostgreSQL search tables have a migration
    of their own (kb.search.postgres.ddl) and no models."""
    if type_ == "table":
        return name not in TABLES
    if type_ == "index":
        return name not in INDEXES
    return True


# SQLite


def _sqlite_connect(connection: Any, _record: Any) -> None:
    """WAL lets readers and one writer work at once; writers queue in ``_sqlite_begin``."""
    connection.isolation_level = None  # pysqlite must not BEGIN on its own: _sqlite_begin does
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    """Transactions that may write take the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes fails at once (SQLITE_BUSY_SNAPSHOT) when
    another connection wrote in between; taking the lock first makes concurrent writers wait in turn.
    The wait is a loop of short sleeps, which in a cooperative worker let its other requests run (one
    of which may hold the lock); after ``SQLITE_WRITE_WAIT`` seconds the request fails with 503.
    """
    if not _may_write():
        connection.exec_driver_sql("BEGIN")
        return
    raw = connection.connection.dbapi_connection
    deadline = time.monotonic() + SQLITE_WRITE_WAIT
    pause = 0.002
    while True:
        try:
            raw.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() + pause > deadline:
                raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, exc) from exc
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


_READ_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("kb_read_only", default=False)


@contextlib.contextmanager
def read_only() -> Iterator[None]:
    """A transaction begun in this block is a read (on SQLite: no write lock, whoever runs it); the
    caller ends it before writing."""
    token = _READ_ONLY.set(True)
    try:
        yield
    finally:
        _READ_ONLY.reset(token)


def _may_write() -> bool:
    """Requests that change something (and commands, scripts, the job worker) take the write lock.

    Reads, admin reads and exports included, read a snapshot and never hold writers up; a read request
    that writes a row of its own (a token's last use, an audit event) begins that write's transaction
    at the flush, with the rows pending, and takes the lock then.
    """
    if _READ_ONLY.get():
        return False
    if not has_request_context() or request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    session = db.session()
    return bool(session.new or session.dirty or session.deleted)


# PostgreSQL: bounded waits


def _timeout() -> float:
    return current_app.config["KB_DATABASE_TIMEOUT"] if has_app_context() else 0.0


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise ``DatabaseStalled`` in this request if the block runs longer than ``seconds``.

    Effective in cooperative workers (gevent), where a wait on the database socket can be interrupted;
    elsewhere (CLI, tests' threads) the server-side statement timeout and TCP timeouts bound the waits.
    """
    timer = _timer(seconds, DatabaseStalled(f"no answer from the database within {seconds:g} s"))
    if timer is None:
        yield
        return
    timer.start()
    try:
        yield
    finally:
        timer.close()


def _timer(seconds: float, exc: DatabaseStalled) -> Any:
    """A gevent timer raising ``exc`` in this greenlet (None when not cooperative)."""
    if seconds <= 0 or not _cooperative():
        return None
    import gevent

    return gevent.Timeout(seconds, exc)


def _cooperative() -> bool:
    try:
        from gevent import monkey
    except ImportError:
        return False
    return monkey.is_module_patched("socket")


def _ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """At checkout, a ``SELECT 1`` under the deadline; a dead or stalled connection is replaced (the
    pool retries with a new one, whose connect is bounded by connect_timeout)."""
    stalled = DatabaseStalled("no answer to the ping")
    timer = _timer(_timeout(), stalled)
    if timer is not None:
        timer.start()
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()  # leave no transaction open: the checkout may set its isolation
    except DatabaseStalled as exc:
        if exc is not stalled:
            raise  # an outer deadline (e.g. /readyz's): no time left to try another connection
        raise sa.exc.DisconnectionError("ping timed out") from exc
    except Exception as exc:  # the driver's error on a dead connection
        raise sa.exc.DisconnectionError(f"ping failed: {type(exc).__name__}") from exc
    finally:
        if timer is not None:
            timer.close()


_TIMER = "kb.deadline"


def _start_deadline(conn: sa.Connection, *_args: Any) -> None:
    seconds = _timeout()
    timer = _timer(seconds, DatabaseStalled(f"no answer from the database within {seconds:g} s"))
    if timer is not None:
        timer.start()
        conn.info[_TIMER] = timer


def _end_deadline(conn: sa.Connection, *_args: Any) -> None:
    timer = conn.info.pop(_TIMER, None)
    if timer is not None:
        timer.close()


def _end_deadline_on_error(context: sa.engine.ExceptionContext) -> None:
    if context.connection is not None:
        _end_deadline(context.connection)


def _unavailable(error: Exception) -> Response:
    """The database is down, stalled or locked for too long: 503, retry later (never a 500)."""
    log.warning("database unavailable: %s", type(error.__cause__ or error).__name__)
    with contextlib.suppress(Exception):
        db.session.rollback()
    return problem(
        503,
        "The database is unavailable or busy; retry shortly.",
        headers={"Retry-After": RETRY_AFTER},
    )


def _conflict(error: sa.exc.IntegrityError) -> Response:
    """A unique key taken by a concurrent write (two creates of one slug): 409, never a 500."""
    log.info("integrity conflict: %s", type(error.orig).__name__)
    with contextlib.suppress(Exception):
        db.session.rollback()
    return problem(409, "A concurrent change took the same key (e.g. the slug): read again and retry.")
