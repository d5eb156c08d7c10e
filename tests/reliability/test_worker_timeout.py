"""A request that keeps its worker busy past the worker timeout is answered 503 problem+json (not
dropped, not gunicorn's HTML), and rolled back: a synchronous import cut short imports nothing. A
write whose transaction has committed is answered as done even when the deadline falls in the
search indexing after its commit; the index catches up from the outbox."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kb.services.filelock import file_lock
from tests.conftest import NEW_ENTRY
from tests.reliability.conftest import Service
from tests.server import TEST_SEARCH_BACKEND, call, gunicorn

pytestmark = pytest.mark.reliability
ITEMS = 40_000  # the write alone takes many seconds (6,000 streamed items commit within 2 s on SQLite)


def test_a_worker_timeout_is_503_problem_json_and_rolls_back(service: Service) -> None:
    drafts = ({**NEW_ENTRY, "slug": f"slow-{n}"} for n in range(ITEMS))
    body = "".join(
        json.dumps({"type": "entry", "status": "published", "draft": d, "live": d}) + "\n" for d in drafts
    ).encode()
    env = {
        **service.env,
        "KB_TIMEOUT": "2",
        "KB_JOB_WORKERS": "0",
        "KB_IMPORT_SYNC_MAX_BYTES": str(len(body)),
    }
    with gunicorn(env, workers=2) as base:
        request = urllib.request.Request(
            f"{base}/api/v1/admin/import",
            data=body,
            method="POST",
            headers={**service.auth, "Content-Type": "application/x-ndjson"},
        )
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=120)
        assert answer.value.code == 503
        assert answer.value.headers["Content-Type"] == "application/problem+json"
        assert answer.value.headers["Retry-After"] == "5"
        assert json.loads(answer.value.read())["status"] == 503
        assert call(base, "GET", "/api/v1/admin/entries/slow-1", None, service.auth)[0] == 404
        assert call(base, "GET", "/api/v1/entries?per_page=1")[0] == 200  # a new worker serves on


@pytest.mark.skipif(
    TEST_SEARCH_BACKEND == "postgres", reason="search in PostgreSQL is indexed inside the write's commit"
)
def test_a_write_committed_before_the_deadline_is_answered_as_done(service: Service) -> None:
    env = {**service.env, "KB_TIMEOUT": "2", "KB_JOB_WORKERS": "0", "KB_SEARCH_LOCK_TIMEOUT": "8"}
    index_lock = Path(service.env["KB_INSTANCE_PATH"]) / "search-index.sync.lock"
    admin = "/api/v1/admin/entries"
    with gunicorn(env, workers=1) as base:
        # Another process holds the index: the write commits at once, then waits for the index
        # past the 2 s deadline.
        with file_lock(index_lock, timeout=5):
            started = time.monotonic()
            status, headers, body = call(base, "POST", admin, NEW_ENTRY, service.auth)
            assert status == 201, body
            status, _, body = call(
                base,
                "POST",
                f"{admin}/milia-extraction/publish",
                None,
                {**service.auth, "If-Match": headers["ETag"]},
            )
            assert status == 200, body
            assert time.monotonic() - started < 8  # cut short by the deadline, not by the lock wait
            assert call(base, "GET", "/readyz")[2]["checks"]["search"]["pending"] >= 1
        assert call(base, "GET", "/api/v1/entries/milia-extraction")[0] == 200  # the writes stand
        # The next write that touches the index applies what was left too.
        status, headers, _ = call(base, "POST", admin, {**NEW_ENTRY, "slug": "second"}, service.auth)
        assert status == 201
        publish = {**service.auth, "If-Match": headers["ETag"]}
        assert call(base, "POST", f"{admin}/second/publish", None, publish)[0] == 200
        assert call(base, "GET", "/readyz")[2]["checks"]["search"]["pending"] == 0
        hits = call(base, "GET", "/api/v1/search?q=zqmiliaq")[2]["data"]
        assert sorted(hit["slug"] for hit in hits) == ["milia-extraction", "second"]
