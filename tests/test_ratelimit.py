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
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from limits import parse
from werkzeug.test import TestResponse

from kb.config import load_config
from kb.extensions import db
from kb.models import AuditEvent
from kb.services.seeding import load_seed
from tests.conftest import ROOT, TEST_DATABASE_URL, make_app
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
        first = not apps  # later apps of a test share the first one's database
        limits = {
            "KB_RATELIMIT_ENABLED": True,
            "KB_RATELIMIT_STORAGE_URL": "memory://",
            "KB_RATELIMIT_KEY_PREFIX": "kb-test",
            "KB_RATELIMIT_DEFAULT": "100 per minute",
            "KB_RATELIMIT_PUBLIC_READS": "100 per minute",
            "KB_RATELIMIT_SEARCH": "100 per minute",
            "KB_RATELIMIT_AUTH_FAILURES": "100 per minute",
        }
        app = make_app(tmp_path, fresh=first, **{**limits, **settings})
        if first and seed:
            with app.app_context():
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


def test_public_read_limit_then_429_problem_with_retry_after(build: Builder) -> None:
    client = build(KB_RATELIMIT_PUBLIC_READS="3 per minute").test_client()
    for remaining in (2, 1, 0):
        response = get(client, ENTRIES)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
        assert "Retry-After" not in response.headers
    assert_too_many(get(client, ENTRIES), "3 per 1 minute")
    assert_too_many(get(client, ENTRIES), "3 per 1 minute")


def test_each_client_address_has_its_own_count(build: Builder) -> None:
    client = build(KB_RATELIMIT_PUBLIC_READS="2 per minute").test_client()
    assert [get(client, ENTRIES, "192.0.2.1").status_code for _ in range(3)] == [200, 200, 429]
    assert [get(client, ENTRIES, "192.0.2.2").status_code for _ in range(3)] == [200, 200, 429]


def test_each_admin_route_has_its_own_count(build: Builder) -> None:
    app = build(KB_RATELIMIT_DEFAULT="2 per minute")
    client, valid = app.test_client(), editor_token(app)
    assert [get(client, REVIEW_DUE, headers=valid).status_code for _ in range(3)] == [200, 200, 429]
    drafts = "/api/v1/admin/entries"
    assert [get(client, drafts, headers=valid).status_code for _ in range(3)] == [200, 200, 429]


def test_public_reads_share_one_budget_per_address_across_routes_and_paths(build: Builder) -> None:
    client = build(seed=True, KB_RATELIMIT_PUBLIC_READS="5 per minute").test_client()
    paths = [ENTRIES, f"{ENTRIES}/bruising", f"{ENTRIES}/infection", "/api/v1/tags", "/api/v1/changes"]
    assert [get(client, path).status_code for path in paths] == [200] * 5
    for path in (*paths, "/api/v1/articles", "/api/v1/openapi.json"):
        assert_too_many(get(client, path), "5 per 1 minute")
    assert get(client, f"{ENTRIES}/bruising", "192.0.2.2").status_code == 200


def test_probes_and_cors_preflights_are_not_counted(build: Builder) -> None:
    client = build(seed=True, KB_RATELIMIT_PUBLIC_READS="1 per minute").test_client()
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
        seed=True, KB_RATELIMIT_PUBLIC_READS="1 per minute", KB_RATELIMIT_SEARCH="3 per minute"
    ).test_client()
    for path in ("/api/v1/suggest?q=bru", "/api/v1/search?q=bruise"):
        for _ in range(3):
            response = get(client, path)
            assert response.status_code == 200
            assert response.headers["X-RateLimit-Limit"] == "3"
        assert_too_many(get(client, path), "3 per 1 minute")
    assert [get(client, ENTRIES).status_code for _ in range(2)] == [200, 429]


def test_failed_authentications_never_lock_out_a_valid_token(build: Builder) -> None:
    """Issue 15, item 4: bad tokens from one address (an office, a NAT) used to lock every valid token
    at that address out. Now only requests without a valid token are counted and refused."""
    app = build(KB_RATELIMIT_AUTH_FAILURES="3 per minute")
    client, valid = app.test_client(), editor_token(app)
    office, elsewhere = "203.0.113.7", "203.0.113.8"
    assert [get(client, REVIEW_DUE, office, headers=BAD_TOKEN).status_code for _ in range(3)] == [401] * 3
    for _ in range(20):  # the attacker keeps going: refused without a look at the database's audit
        response = get(client, REVIEW_DUE, office, headers=BAD_TOKEN)
        assert_too_many(response, "3 per 1 minute")
        assert "failed authentications" in response.get_json()["detail"]
        assert_too_many(get(client, REVIEW_DUE, office), "3 per 1 minute")  # no token at all
    # Editors at the same address keep working, on every guarded blueprint, reads and writes alike.
    for _ in range(5):
        assert get(client, REVIEW_DUE, office, headers=valid).status_code == 200
    created = client.post(
        "/api/v1/admin/entries", json={}, headers=valid, environ_base={"REMOTE_ADDR": office}
    )
    assert created.status_code == 422  # validated, not refused
    # One count for every admin route: the other guarded blueprints refuse bad tokens too.
    assert_too_many(
        client.post(
            "/api/v1/admin/entries", json={}, headers=BAD_TOKEN, environ_base={"REMOTE_ADDR": office}
        ),
        "3 per 1 minute",
    )
    # Only the three counted attempts were audited; the refused ones wrote nothing.
    with app.app_context():
        failed = db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "auth.failed")
        )
    assert failed == 3
    # Other addresses, and the public API from the same address, are not affected.
    assert get(client, REVIEW_DUE, elsewhere, headers=BAD_TOKEN).status_code == 401
    assert get(client, ENTRIES, office).status_code == 200


def test_failed_authentication_writes_to_the_audit_log_are_capped(build: Builder) -> None:
    """Failed authentications from many addresses write at most KB_AUDIT_AUTH_FAILURES audit rows a
    window; the next row written says how many were left out. No part of any secret is stored."""
    app = build(KB_RATELIMIT_AUTH_FAILURES="2 per minute", KB_AUDIT_AUTH_FAILURES="4 per second")
    client = app.test_client()
    secret = "kb_guessed-secret-value-0123456789"
    statuses = [
        get(client, REVIEW_DUE, f"198.51.100.{n}", headers={"Authorization": f"Bearer {secret}"}).status_code
        for n in range(1, 21)
    ]
    assert statuses == [401] * 20  # each address is within its own budget
    with app.app_context():
        events = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
    assert len(events) == 4
    time.sleep(1.1)  # the next window: one more is written, with the count of those left out
    assert get(client, REVIEW_DUE, "198.51.100.99", headers=BAD_TOKEN).status_code == 401
    with app.app_context():
        last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last is not None
    assert last.remote_addr == "198.51.100.99"
    assert last.detail["suppressed"] == 16
    with app.app_context():
        stored = [str(e.detail) for e in db.session.scalars(sa.select(AuditEvent))]
    assert stored
    for text in stored:
        assert "kb_guess" not in text
        assert "not-a-real" not in text


def test_only_failed_authentications_count(build: Builder) -> None:
    app = build(KB_RATELIMIT_AUTH_FAILURES="2 per minute")
    client, valid = app.test_client(), editor_token(app)
    for _ in range(4):
        assert get(client, REVIEW_DUE, headers=valid).status_code == 200
        assert get(client, "/api/v1/admin/tokens", headers=valid).status_code == 403  # admin only
        assert get(client, f"{REVIEW_DUE}?token=x").status_code == 400  # refused before authentication
    assert [get(client, REVIEW_DUE, headers=BAD_TOKEN).status_code for _ in range(3)] == [401, 401, 429]
    assert get(client, REVIEW_DUE).status_code == 429  # no token at all: still locked out
    assert get(client, REVIEW_DUE, headers=valid).status_code == 200  # a valid token: never


def test_admin_preflights_are_never_authenticated_audited_or_counted(build: Builder) -> None:
    """A browser's preflight carries no token: answered by the CORS policy, it must not lock anyone out
    (it was 401, audited as auth.failed, and counted: ten of them locked an office NAT out)."""
    app = build(KB_RATELIMIT_AUTH_FAILURES="2 per minute", KB_ADMIN_CORS_ORIGINS=["https://editor.example"])
    client, valid = app.test_client(), editor_token(app)
    preflight = {
        "Origin": "https://editor.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    for _ in range(12):
        response = client.options(REVIEW_DUE, headers=preflight, environ_base={"REMOTE_ADDR": "192.0.2.1"})
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "https://editor.example"
    assert get(client, REVIEW_DUE, headers=valid).status_code == 200
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "auth.failed" not in actions
    assert [get(client, REVIEW_DUE, headers=BAD_TOKEN).status_code for _ in range(3)] == [401, 401, 429]


def test_admin_routes_also_have_the_default_limit(build: Builder) -> None:
    app = build(KB_RATELIMIT_DEFAULT="2 per minute")
    client, valid = app.test_client(), editor_token(app)
    assert [get(client, REVIEW_DUE, headers=valid).status_code for _ in range(2)] == [200, 200]
    assert_too_many(get(client, REVIEW_DUE, headers=valid), "2 per 1 minute")


def test_the_lockout_ends_with_its_window(build: Builder) -> None:
    client = build(KB_RATELIMIT_AUTH_FAILURES="2 per second").test_client()
    assert [get(client, REVIEW_DUE, headers=BAD_TOKEN).status_code for _ in range(2)] == [401, 401]
    retry_after = assert_too_many(get(client, REVIEW_DUE, headers=BAD_TOKEN), "2 per 1 second")
    time.sleep(retry_after + 0.05)
    assert get(client, REVIEW_DUE, headers=BAD_TOKEN).status_code == 401


NAT_USERS = 1_000
READS_PER_USER = 3  # a minute's sync of an active app user: the changes feed and the entries it names


def test_a_nat_of_1000_app_users_is_not_refused_while_search_and_admin_writes_keep_their_limits(
    build: Builder,
) -> None:
    """Issue 15, item 13: with the default limits, 1,000 app users behind one carrier-NAT address read
    distinct published entries (3,000 reads in a minute) and none is refused; from the same address,
    search and admin writes are still refused beyond their own, much lower limits."""
    defaults = load_config()
    limits = {name: defaults[name] for name in ("KB_RATELIMIT_DEFAULT", "KB_RATELIMIT_PUBLIC_READS")}
    limits["KB_RATELIMIT_SEARCH"] = defaults["KB_RATELIMIT_SEARCH"]
    app = build(seed=True, **limits)
    client, nat = app.test_client(), "100.64.0.1"  # a carrier-grade NAT address (RFC 6598)
    publisher = publisher_token(app)  # the content is written from the editors' office, not the NAT
    slugs = [f"nat-entry-{n}" for n in range(40)]
    for slug in slugs:
        entry = {"slug": slug, "kind": "technique", "title": f"Step {slug}", "details": TECHNIQUE}
        created = client.post("/api/v1/admin/entries", json=entry, headers=publisher)
        assert created.status_code == 201, created.get_json()
        headers = {**publisher, "If-Match": created.headers["ETag"]}
        assert client.post(f"/api/v1/admin/entries/{slug}/publish", headers=headers).status_code == 200
    paths = [f"{ENTRIES}/{slug}" for slug in slugs] + ["/api/v1/changes", ENTRIES, "/api/v1/articles"]
    statuses = Counter(
        get(client, paths[n % len(paths)], nat).status_code for n in range(NAT_USERS * READS_PER_USER)
    )
    assert statuses == {200: NAT_USERS * READS_PER_USER}
    search_limit = parse(limits["KB_RATELIMIT_SEARCH"]).amount
    searches = Counter(
        get(client, "/api/v1/search?q=bruise", nat).status_code for _ in range(search_limit + 5)
    )
    assert searches == {200: search_limit, 429: 5}
    write_limit = parse(limits["KB_RATELIMIT_DEFAULT"]).amount
    writes = Counter(
        client.post(
            "/api/v1/admin/entries", json={}, headers=publisher, environ_base={"REMOTE_ADDR": nat}
        ).status_code
        for _ in range(write_limit + 5)
    )
    assert writes == {422: write_limit, 429: 5}  # counted and refused like any admin write


TECHNIQUE = {"phase": "after", "steps": ["Clean the skin"]}


def publisher_token(app: Flask) -> dict[str, str]:
    result = app.test_cli_runner().invoke(args=["token", "create", "--name", "pub", "--role", "publisher"])
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}


def test_rate_limiting_can_be_switched_off(build: Builder) -> None:
    client = build(
        seed=True, KB_RATELIMIT_ENABLED=False, KB_RATELIMIT_PUBLIC_READS="1 per minute"
    ).test_client()
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
        seed=True, KB_RATELIMIT_STORAGE_URL=nobody, KB_RATELIMIT_PUBLIC_READS="2 per minute"
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
        KB_RATELIMIT_PUBLIC_READS="5 per minute",
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
    one = build(seed=True, KB_RATELIMIT_PUBLIC_READS="3 per minute", **settings).test_client()
    two = build(KB_RATELIMIT_PUBLIC_READS="3 per minute", **settings).test_client()
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
            KB_RATELIMIT_PUBLIC_READS="4 per minute",
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
            get(client, "/api/v1/suggest?q=br")  # limited requests make the limiter look again
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
