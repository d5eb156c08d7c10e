"""Rate limits: 429 problem+json with Retry-After, per address and route, failed authentications,
exemptions, readiness, shared counts in Redis across instances and gunicorn workers, memory fallback.

Redis tests need ``KB_TEST_REDIS_URL`` (CI: redis://127.0.0.1:6379/0); each uses its own key prefix.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import flask_migrate
import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from kb import create_app
from kb.config import load_config
from kb.extensions import db
from kb.models import AuditEvent
from kb.services.seeding import load_seed
from tests.conftest import ROOT, TEST_DATABASE_URL
from tests.server import call, environment, free_port, gunicorn

REDIS_URL = os.environ.get("KB_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="KB_TEST_REDIS_URL is not set (CI: redis://127.0.0.1:6379/0)"
)
PROBLEM = "application/problem+json"
ENTRIES = "/api/v1/entries"
REVIEW_DUE = "/api/v1/admin/review-due"  # an editor's GET on a guarded blueprint
BAD_TOKEN = {"Authorization": "Bearer kb_not-a-real-token"}
Builder = Callable[..., Flask]


@pytest.fixture
def build(tmp_path: Path) -> Iterator[Builder]:
    """Build apps with rate limiting on and tiny limits; ``seed=True`` loads seed/ (search, readiness)."""
    apps: list[Flask] = []

    def _build(*, seed: bool = False, **settings: Any) -> Flask:
        url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'kb.sqlite3'}"
        app = create_app(
            {
                "TESTING": True,
                "KB_INSTANCE_PATH": str(tmp_path),
                "SQLALCHEMY_DATABASE_URI": url,
                "KB_SEARCH_INDEX_PATH": str(tmp_path / "search-index"),
                "KB_RATELIMIT_ENABLED": True,
                "KB_RATELIMIT_STORAGE_URL": "memory://",
                "KB_RATELIMIT_KEY_PREFIX": "kb-test",
                "KB_RATELIMIT_DEFAULT": "100 per minute",
                "KB_RATELIMIT_SEARCH": "100 per minute",
                "KB_RATELIMIT_AUTH_FAILURES": "100 per minute",
                **settings,
            }
        )
        if not apps:  # later apps of a test share the first one's database
            with app.app_context():
                db.drop_all()
                db.create_all()
                flask_migrate.stamp()
                if seed:
                    load_seed(ROOT / "seed")
        apps.append(app)
        return app

    yield _build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in Redis; its keys are deleted afterwards."""
    assert REDIS_URL
    prefix = f"kb-test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"LIMITS:LIMITER/{prefix}/*"))
    if keys:
        client.delete(*keys)
    client.close()


def redis_counts(prefix: str) -> dict[str, int]:
    """The counters Redis holds under ``prefix``, by key."""
    assert REDIS_URL
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return {
            key: int(client.get(key) or 0) for key in client.scan_iter(match=f"LIMITS:LIMITER/{prefix}/*")
        }
    finally:
        client.close()


def get(client: FlaskClient, path: str, ip: str = "192.0.2.1", **kwargs: Any) -> TestResponse:
    return client.get(path, environ_base={"REMOTE_ADDR": ip}, **kwargs)


def editor_token(app: Flask) -> dict[str, str]:
    result = app.test_cli_runner().invoke(args=["token", "create", "--name", "ed", "--role", "editor"])
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}


def assert_too_many(response: TestResponse, limit: str) -> int:
    """A 429 problem for ``limit`` (e.g. "3 per 1 minute"); returns its Retry-After."""
    assert response.status_code == 429, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["type"] == "https://kb.example/problems/too-many-requests"
    assert body["title"] == "Too Many Requests"
    assert body["status"] == 429
    assert limit in body["detail"]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert f"retry after {retry_after} s" in body["detail"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert time.time() < int(response.headers["X-RateLimit-Reset"]) <= time.time() + 61
    return retry_after


def ratelimit_check(client: FlaskClient, status: int = 200) -> dict[str, Any]:
    response = client.get("/readyz")
    assert response.status_code == status, response.get_json()
    check: dict[str, Any] = response.get_json()["checks"]["ratelimit"]
    return check


# --- memory storage ---------------------------------------------------------------------------------


def test_default_limit_then_429_problem_with_retry_after(build: Builder) -> None:
    client = build(KB_RATELIMIT_DEFAULT="3 per minute").test_client()
    for remaining in (2, 1, 0):
        response = get(client, ENTRIES)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
        assert "Retry-After" not in response.headers
    assert_too_many(get(client, ENTRIES), "3 per 1 minute")
    assert_too_many(get(client, ENTRIES), "3 per 1 minute")


def test_each_client_address_has_its_own_count(build: Builder) -> None:
    client = build(KB_RATELIMIT_DEFAULT="2 per minute").test_client()
    assert [get(client, ENTRIES, "192.0.2.1").status_code for _ in range(3)] == [200, 200, 429]
    assert [get(client, ENTRIES, "192.0.2.2").status_code for _ in range(3)] == [200, 200, 429]


def test_each_route_has_its_own_count(build: Builder) -> None:
    client = build(KB_RATELIMIT_DEFAULT="2 per minute").test_client()
    assert [get(client, ENTRIES).status_code for _ in range(3)] == [200, 200, 429]
    assert [get(client, "/api/v1/tags").status_code for _ in range(3)] == [200, 200, 429]


def test_probes_and_cors_preflights_are_not_counted(build: Builder) -> None:
    client = build(seed=True, KB_RATELIMIT_DEFAULT="1 per minute").test_client()
    preflight = {"Origin": "https://widget.example", "Access-Control-Request-Method": "GET"}
    for _ in range(3):
        for response in (get(client, "/healthz"), get(client, "/readyz")):
            assert response.status_code == 200
            assert "X-RateLimit-Limit" not in response.headers
        response = client.options(ENTRIES, headers=preflight, environ_base={"REMOTE_ADDR": "192.0.2.1"})
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert [get(client, ENTRIES).status_code for _ in range(2)] == [200, 429]


def test_search_and_suggest_have_their_own_limit(build: Builder) -> None:
    client = build(
        seed=True, KB_RATELIMIT_DEFAULT="1 per minute", KB_RATELIMIT_SEARCH="3 per minute"
    ).test_client()
    for path in ("/api/v1/suggest?q=bru", "/api/v1/search?q=bruise"):
        for _ in range(3):
            response = get(client, path)
            assert response.status_code == 200
            assert response.headers["X-RateLimit-Limit"] == "3"
        assert_too_many(get(client, path), "3 per 1 minute")
    assert [get(client, ENTRIES).status_code for _ in range(2)] == [200, 429]


def test_failed_authentications_lock_out_the_address_before_any_token_is_checked(build: Builder) -> None:
    app = build(KB_RATELIMIT_AUTH_FAILURES="3 per minute")
    client, valid = app.test_client(), editor_token(app)
    attacker, colleague = "203.0.113.7", "203.0.113.8"
    assert [get(client, REVIEW_DUE, attacker, headers=BAD_TOKEN).status_code for _ in range(3)] == [401] * 3
    response = get(client, REVIEW_DUE, attacker, headers=BAD_TOKEN)
    assert_too_many(response, "3 per 1 minute")
    assert "failed authentications" in response.get_json()["detail"]
    assert_too_many(get(client, REVIEW_DUE, attacker, headers=valid), "3 per 1 minute")
    # One count for every admin route, from any other guarded blueprint too.
    created = client.post(
        "/api/v1/admin/entries", json={}, headers=valid, environ_base={"REMOTE_ADDR": attacker}
    )
    assert_too_many(created, "3 per 1 minute")
    # The token was never looked at: only the three real attempts were audited.
    with app.app_context():
        failed = db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "auth.failed")
        )
    assert failed == 3
    # Other addresses, and the public API from the same address, are not affected.
    assert get(client, REVIEW_DUE, colleague, headers=valid).status_code == 200
    assert get(client, REVIEW_DUE, colleague, headers=BAD_TOKEN).status_code == 401
    assert get(client, ENTRIES, attacker).status_code == 200


def test_only_failed_authentications_count(build: Builder) -> None:
    app = build(KB_RATELIMIT_AUTH_FAILURES="2 per minute")
    client, valid = app.test_client(), editor_token(app)
    for _ in range(4):
        assert get(client, REVIEW_DUE, headers=valid).status_code == 200
        assert get(client, "/api/v1/admin/tokens", headers=valid).status_code == 403  # admin only
        assert get(client, f"{REVIEW_DUE}?token=x").status_code == 400  # refused before authentication
    assert [get(client, REVIEW_DUE, headers=BAD_TOKEN).status_code for _ in range(3)] == [401, 401, 429]
    assert get(client, REVIEW_DUE).status_code == 429  # no token at all: still locked out


def test_options_on_admin_routes_counts_failed_authentications(build: Builder) -> None:
    """OPTIONS runs the guard too (401 for a bad token, 403 for a good one): it must not be exempt there."""
    client = build(KB_RATELIMIT_AUTH_FAILURES="2 per minute").test_client()
    statuses = [client.options(REVIEW_DUE, headers=BAD_TOKEN).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_admin_routes_also_have_the_default_limit(build: Builder) -> None:
    app = build(KB_RATELIMIT_DEFAULT="2 per minute")
    client, valid = app.test_client(), editor_token(app)
    assert [get(client, REVIEW_DUE, headers=valid).status_code for _ in range(2)] == [200, 200]
    assert_too_many(get(client, REVIEW_DUE, headers=valid), "2 per 1 minute")


def test_the_lockout_ends_with_its_window(build: Builder) -> None:
    app = build(KB_RATELIMIT_AUTH_FAILURES="2 per second")
    client, valid = app.test_client(), editor_token(app)
    assert [get(client, REVIEW_DUE, headers=BAD_TOKEN).status_code for _ in range(2)] == [401, 401]
    retry_after = assert_too_many(get(client, REVIEW_DUE, headers=valid), "2 per 1 second")
    time.sleep(retry_after + 0.05)
    assert get(client, REVIEW_DUE, headers=valid).status_code == 200


def test_rate_limiting_can_be_switched_off(build: Builder) -> None:
    client = build(seed=True, KB_RATELIMIT_ENABLED=False, KB_RATELIMIT_DEFAULT="1 per minute").test_client()
    for _ in range(3):
        response = get(client, ENTRIES)
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers
    assert ratelimit_check(client) == {
        "ok": True,
        "enabled": False,
        "storage": "memory",
        "fallback": False,
        "detail": "Rate limiting is off (KB_RATELIMIT_ENABLED).",
    }


def test_readyz_reports_memory_storage(build: Builder) -> None:
    check = ratelimit_check(build(seed=True).test_client())
    assert check["ok"] is True
    assert (check["enabled"], check["storage"], check["fallback"]) == (True, "memory", False)
    assert "KB_RATELIMIT_STORAGE_URL" in check["detail"]


def test_unreachable_redis_falls_back_to_memory_and_keeps_answering(build: Builder) -> None:
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # a port nothing listens on
    client = build(
        seed=True, KB_RATELIMIT_STORAGE_URL=nobody, KB_RATELIMIT_DEFAULT="2 per minute"
    ).test_client()
    for limited_requests in (0, 3):  # readiness looks for itself, before any limited request too
        check = ratelimit_check(client, 200)
        assert (check["ok"], check["storage"], check["fallback"]) == (True, "memory", True)
        assert "redis is unreachable" in check["detail"]
        assert "127.0.0.1" not in check["detail"]
        statuses = [get(client, ENTRIES).status_code for _ in range(limited_requests)]
        assert statuses == [200, 200, 429][:limited_requests]  # still enforced, from memory
    assert_too_many(get(client, ENTRIES), "2 per 1 minute")


def test_limit_settings_are_checked_at_start(build: Builder, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="KB_RATELIMIT_SEARCH"):
        build(KB_RATELIMIT_SEARCH="lots")
    monkeypatch.setenv("KB_RATELIMIT_ENABLED", "off")
    assert load_config()["KB_RATELIMIT_ENABLED"] is False
    monkeypatch.setenv("KB_RATELIMIT_ENABLED", "maybe")
    with pytest.raises(RuntimeError, match="KB_RATELIMIT_ENABLED"):
        load_config()


# --- shared counts --------------------------------------------------------------------------------


@needs_redis
def test_two_gunicorn_workers_share_one_count_in_redis(
    tmp_path: Path, build: Builder, redis_prefix: str
) -> None:
    """Both workers count in Redis (each opens its Redis connection, named for this test, on its first
    limited request), and of every request only the limit's worth get through."""
    assert REDIS_URL
    build()  # the schema
    database_url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    storage_url = with_query(REDIS_URL, client_name=redis_prefix)
    env = environment(
        tmp_path,
        database_url,
        KB_RATELIMIT_ENABLED="true",
        KB_RATELIMIT_STORAGE_URL=storage_url,
        KB_RATELIMIT_KEY_PREFIX=redis_prefix,
        KB_RATELIMIT_DEFAULT="5 per minute",
    )
    results: list[tuple[int, dict[str, str], Any]] = []
    with gunicorn(env, workers=2) as base, ThreadPoolExecutor(8) as pool:
        deadline = time.monotonic() + 30
        # 8 at a time, each on a fresh connection, until both workers have counted some of them.
        while len(results) < 16 or len(redis_clients(redis_prefix)) < 2:
            assert time.monotonic() < deadline, f"one worker served everything: {redis_clients(redis_prefix)}"
            results += pool.map(lambda _: call(base, "GET", ENTRIES), range(8))
        ready = call(base, "GET", "/readyz")[2]["checks"]["ratelimit"]
    statuses = [status for status, _, _ in results]
    assert statuses.count(200) == 5
    assert statuses.count(429) == len(results) - 5
    for status, headers, body in results:
        if status == 429:
            assert headers["Content-Type"] == PROBLEM
            assert (body["status"], body["title"]) == (429, "Too Many Requests")
            assert 1 <= int(headers["Retry-After"]) <= 60
    assert list(redis_counts(redis_prefix).values()) == [len(results)]
    assert (ready["storage"], ready["fallback"]) == ("redis", False)


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))


def redis_clients(name: str) -> list[str]:
    """Addresses of the connections to Redis named ``name``."""
    assert REDIS_URL
    client = redis.Redis.from_url(REDIS_URL)
    try:
        return [c["addr"] for c in client.client_list() if c.get("name") == name]
    finally:
        client.close()


@needs_redis
def test_instances_share_counts_through_redis(build: Builder, redis_prefix: str) -> None:
    settings = {"KB_RATELIMIT_STORAGE_URL": REDIS_URL, "KB_RATELIMIT_KEY_PREFIX": redis_prefix}
    one = build(seed=True, KB_RATELIMIT_DEFAULT="3 per minute", **settings).test_client()
    two = build(KB_RATELIMIT_DEFAULT="3 per minute", **settings).test_client()
    assert [get(c, ENTRIES).status_code for c in (one, two, one)] == [200, 200, 200]
    assert_too_many(get(two, ENTRIES), "3 per 1 minute")
    assert_too_many(get(one, ENTRIES), "3 per 1 minute")
    assert get(two, ENTRIES, "192.0.2.99").status_code == 200
    check = ratelimit_check(one)
    assert (check["ok"], check["storage"], check["fallback"]) == (True, "redis", False)
    assert sorted(redis_counts(redis_prefix).values()) == [1, 5]


@needs_redis
def test_redis_outage_falls_back_to_memory_then_recovers(build: Builder, redis_prefix: str) -> None:
    assert REDIS_URL
    target = urlsplit(REDIS_URL)
    with Relay(target.hostname or "127.0.0.1", target.port or 6379) as relay:
        credentials = target.netloc.rpartition("@")[0]
        url = target._replace(netloc=f"{credentials}@{relay.address}" if credentials else relay.address)
        client = build(
            seed=True,
            KB_RATELIMIT_STORAGE_URL=url.geturl(),
            KB_RATELIMIT_KEY_PREFIX=redis_prefix,
            KB_RATELIMIT_DEFAULT="4 per minute",
        ).test_client()
        assert [get(client, ENTRIES).status_code for _ in range(2)] == [200, 200]
        assert list(redis_counts(redis_prefix).values()) == [2]

        relay.stop()  # Redis goes away: the service keeps answering, counting in memory
        assert [get(client, ENTRIES).status_code for _ in range(4)] == [200] * 4
        assert_too_many(get(client, ENTRIES), "4 per 1 minute")
        check = ratelimit_check(client, 200)
        assert (check["storage"], check["fallback"]) == ("memory", True)

        relay.start()  # back: the limiter notices within seconds and counts in Redis again
        deadline = time.monotonic() + 60
        while ratelimit_check(client)["fallback"]:
            assert time.monotonic() < deadline, "the limiter never went back to Redis"
            get(client, "/api/v1/tags")  # limited requests are what make the limiter look again
            time.sleep(0.2)
        assert [get(client, ENTRIES).status_code for _ in range(3)] == [200, 200, 429]
        assert 5 in redis_counts(redis_prefix).values()


class Relay:
    """A TCP relay to Redis that a test can cut and restore, as a network outage would."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self._sockets: list[socket.socket] = []
        self._running = threading.Event()

    def __enter__(self) -> Relay:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        server = socket.create_server(("127.0.0.1", self.port))
        server.settimeout(0.05)
        self._sockets = [server]
        self._running.set()
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        self._running.clear()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._sockets = []

    def _accept(self, server: socket.socket) -> None:
        while self._running.is_set():
            try:
                near, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            near.settimeout(None)
            far = socket.create_connection(self.target)
            self._sockets += [near, far]
            for source, sink in ((near, far), (far, near)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
