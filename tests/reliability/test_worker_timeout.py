"""A request that keeps its worker busy past the worker timeout is answered 503 problem+json (not
dropped, not gunicorn's HTML), and rolled back: a synchronous import cut short imports nothing."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.conftest import NEW_ENTRY
from tests.reliability.conftest import Service
from tests.server import call, gunicorn

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
