"""Test fixtures: the app on a temporary SQLite database (or KB_TEST_DATABASE_URL), seeded from seed/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from kb import create_app
from kb.extensions import db
from kb.services import generation, indexing
from kb.services.seeding import load_seed
from tests.server import TEST_SEARCH_BACKEND

ROOT = Path(__file__).resolve().parent.parent
# `make test` gives the same result on every run: hypothesis draws the same cases each time (derandomize)
# and replays nothing from a local example database. .ci/run adds a randomised schemathesis run on top.
settings.register_profile(
    "deterministic",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile("random", database=None, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("KB_TEST_HYPOTHESIS_PROFILE", "deterministic"))


def _database_of_this_worker(url: str | None) -> str | None:
    """Under pytest-xdist (``make test`` runs two workers) each worker has its own PostgreSQL database,
    ``<name>_gw0`` and so on, made when missing, so that no worker empties the other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker or not url.startswith("postgresql"):
        return url
    parsed = sa.engine.make_url(url)
    name = f"{parsed.database}_{worker}"
    server = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


# Every test module and server subprocess reads the worker's database from here or from the variable.
TEST_DATABASE_URL = _database_of_this_worker(os.environ.get("KB_TEST_DATABASE_URL"))
if TEST_DATABASE_URL:
    os.environ["KB_TEST_DATABASE_URL"] = TEST_DATABASE_URL
if TEST_SEARCH_BACKEND == "postgres" and not TEST_DATABASE_URL:
    raise pytest.UsageError(
        "KB_TEST_SEARCH_BACKEND=postgres needs KB_TEST_DATABASE_URL (a PostgreSQL database)"
    )
# An entry the seed lacks, with a word no other content holds ("zqmiliaq").
NEW_ENTRY = {
    "slug": "milia-extraction",
    "kind": "technique",
    "title": "Milia Extraction",
    "summary": "Tiny white zqmiliaq bumps are removed with a sterile lancet.",
    "details": {"phase": "after", "steps": ["Clean the skin", "Open and lift the bump"]},
}
_made: list[Flask] = []  # apps built during the current test, disposed after it


def make_app(tmp_path: Path, *, fresh: bool = True, **overrides: object) -> Flask:
    """A fresh app on an empty database (SQLite in ``tmp_path``, or the PostgreSQL CI gives us) and an
    empty search index of the backend KB_TEST_SEARCH_BACKEND names; ``overrides`` go on top.
    ``fresh=False``: another app on the database and index an earlier call made (left as they are)."""
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "KB_INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": url,
            "KB_SEARCH_INDEX_PATH": str(tmp_path / "search-index"),
            "KB_SEARCH_BACKEND": TEST_SEARCH_BACKEND,
            "KB_RATELIMIT_ENABLED": False,  # tests/test_ratelimit.py builds apps with limits on
            **overrides,
        }
    )
    if not fresh:
        _made.append(app)
        return app
    with app.app_context():
        db.drop_all()
        db.create_all()  # faster than running the migrations; tests/test_migrations.py shows they agree
        flask_migrate.stamp()
        if app.config["KB_SEARCH_BACKEND"] == "postgres":  # its tables are not on the models' metadata
            indexing.backend().ensure_schema()  # type: ignore[attr-defined]
            indexing.backend().reset()  # type: ignore[attr-defined]
    _made.append(app)
    return app


def server_database_url(tmp_path: Path) -> str:
    """The database for a server subprocess (tests/server.py): SQLite in ``tmp_path``, or CI's PostgreSQL
    emptied first (its search tables too, when KB_TEST_SEARCH_BACKEND=postgres)."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    with make_app(tmp_path).app_context():
        db.session.remove()
        db.engine.dispose()
    return TEST_DATABASE_URL


@pytest.fixture(autouse=True)
def _dispose_apps() -> Iterator[None]:
    """Close every database connection the test's apps opened (PostgreSQL has 100 connections), and
    drop what the ORM's mappers compiled for their engines: each mapper keeps its INSERT and UPDATE
    statements per dialect object, so without this every test's engine would stay alive in the
    mappers, and the growing heap slows every later test (the garbage collector walks it all)."""
    yield
    while _made:
        made = _made.pop()
        with made.app_context():
            db.session.remove()
            db.engine.dispose()
        generation.dispose(made)
    for mapper in db.Model.registry.mappers:
        mapper._compiled_cache.clear()  # SQLAlchemy has no public way to drop it


@pytest.fixture
def empty_app(tmp_path: Path) -> Flask:
    return make_app(tmp_path)


@pytest.fixture
def app(empty_app: Flask) -> Flask:
    """The app with seed/ loaded and published."""
    with empty_app.app_context():
        load_seed(ROOT / "seed")
    return empty_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def auth(app: Flask) -> dict[str, dict[str, str]]:
    """Authorization headers for one token of each role, created through the CLI."""
    headers = {}
    for role in ("editor", "publisher", "admin"):
        result = app.test_cli_runner().invoke(
            args=["token", "create", "--name", f"test-{role}", "--role", role]
        )
        assert result.exit_code == 0, result.output
        secret = result.output.strip().splitlines()[-1]
        headers[role] = {"Authorization": f"Bearer {secret}"}
    return headers
