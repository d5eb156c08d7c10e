"""The index never loses an update: several workers writing at once, and a process killed mid-write."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import ROOT, TEST_DATABASE_URL, make_app
from tests.server import call, environment, flask, gunicorn

CLIENTS, CHANGES_PER_CLIENT = 4, 50


def _prepare(tmp_path: Path) -> tuple[dict[str, str], str]:
    """A seeded database and a publisher token; the environment to run the service on them."""
    make_app(tmp_path)  # empty schema (and, on PostgreSQL, a clean database)
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    env = environment(tmp_path, url)
    flask(env, "init")
    secret = flask(env, "token", "create", "--name", "writer", "--role", "publisher").stdout.split()[-1]
    return env, secret


def _client(base: str, secret: str, client: int) -> list[tuple[str, int]]:
    """Create and publish entries, each with a word of its own; return (slug, status) of every request."""
    auth = {"Authorization": f"Bearer {secret}"}
    results = []
    for n in range(CHANGES_PER_CLIENT // 2):
        slug = f"load-c{client}-n{n}"
        body = {
            "slug": slug,
            "kind": "technique",
            "title": f"Load test {client} {n}",
            "summary": f"Marker zq{client}x{n}q",
            "details": {"phase": "during", "steps": ["step"]},
        }
        status, headers, _ = call(base, "POST", "/api/v1/admin/entries", body, auth)
        results.append((slug, status))
        status, _, _ = call(
            base,
            "POST",
            f"/api/v1/admin/entries/{slug}/publish",
            None,
            {**auth, "If-Match": headers.get("ETag", "")},
        )
        results.append((slug, status))
    return results


def test_concurrent_changes_from_four_processes_are_all_searchable(tmp_path: Path) -> None:
    env, secret = _prepare(tmp_path)
    with gunicorn(env, workers=4) as base, ProcessPoolExecutor(CLIENTS) as pool:
        runs = list(pool.map(_client, [base] * CLIENTS, [secret] * CLIENTS, range(CLIENTS)))
        statuses = [status for run in runs for _, status in run]
        assert len(statuses) == CLIENTS * CHANGES_PER_CLIENT
        assert set(statuses) <= {200, 201}, sorted(set(statuses))
        for client in range(CLIENTS):
            for n in range(CHANGES_PER_CLIENT // 2):
                status, _, body = call(base, "GET", f"/api/v1/search?q=zq{client}x{n}q")
                assert status == 200
                assert [hit["slug"] for hit in body["data"]] == [f"load-c{client}-n{n}"]
        ready = call(base, "GET", "/readyz")[2]["checks"]["search"]
        assert ready["pending"] == 0
        # The seed's ten entries in English and Spanish, and the new ones.
        seed = 22  # ten entries and one article, in en and es
        assert ready["documents"] == ready["published"] == seed + CLIENTS * CHANGES_PER_CLIENT // 2


def test_process_killed_while_indexing_then_restart_catches_up(tmp_path: Path) -> None:
    env, _ = _prepare(tmp_path)
    items = []
    for n in range(400):
        entry = {
            "slug": f"bulk-{n}",
            "kind": "aftercare",
            "title": f"Bulk {n}",
            "summary": f"Marker kq{n}q",
            "body": "Aftercare text. " * 40,
            "details": {
                "timing": {"starts_after_hours": 0, "lasts_days": 1},
                "instructions": [{"type": "do", "text": "rest"}],
            },
        }
        items.append(json.dumps({"type": "entry", "status": "published", "draft": entry, "live": entry}))
    export = tmp_path / "many.ndjson"
    export.write_text("\n".join(items))
    engine = sa.create_engine(env["KB_DATABASE_URL"])
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "kb", "import", str(export)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The import commits the entries and their outbox rows together, then indexes them: kill it then.
    deadline = time.monotonic() + 120
    with engine.connect() as connection:
        while process.poll() is None and time.monotonic() < deadline:
            if connection.execute(sa.text("SELECT count(*) FROM search_outbox")).scalar():
                break
            connection.rollback()
            time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    engine.dispose()

    flask(env, "init")  # what a restart runs: rebuild an unreadable index, apply what is pending
    with gunicorn(env, workers=2) as base:
        ready = call(base, "GET", "/readyz")[2]["checks"]["search"]
        assert ready["pending"] == 0
        assert ready["published"] == 422  # the seed (ten entries, one article) in two languages, 400 imported
        assert ready["documents"] == 422
        for n in (0, 199, 399):
            body = call(base, "GET", f"/api/v1/search?q=kq{n}q")[2]
            assert [hit["slug"] for hit in body["data"]] == [f"bulk-{n}"]
