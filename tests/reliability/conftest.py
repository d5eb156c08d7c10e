"""The service under the reliability tests: a real gunicorn on a fresh database (SQLite, or the
PostgreSQL of KB_TEST_DATABASE_URL), seeded, with an admin token."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL, make_app
from tests.server import environment, flask


@dataclass
class Service:
    env: dict[str, str]
    url: str
    auth: dict[str, str]


def prepare(tmp_path: Path, url: str | None = None, **extra: str) -> Service:
    make_app(tmp_path)  # an empty schema (on PostgreSQL, a clean database)
    url = url or TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    env = environment(tmp_path, url, KB_RATELIMIT_ENABLED="false", **extra)
    flask(env, "init")
    secret = flask(env, "token", "create", "--name", "storm", "--role", "admin").stdout.split()[-1]
    return Service(env, url, {"Authorization": f"Bearer {secret}"})


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return prepare(tmp_path)
