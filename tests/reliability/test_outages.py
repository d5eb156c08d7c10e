"""PostgreSQL down or stalled (a relay on 127.0.0.1 in front of it, stopped or stalled): requests get
503 problem+json with Retry-After within a bounded time, /readyz answers within 2 s, and the service
comes back by itself when the database does."""

from __future__ import annotations

import time
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.relay import Relay
from tests.reliability.conftest import prepare
from tests.server import call, gunicorn

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.skipif(
        not TEST_DATABASE_URL, reason="KB_TEST_DATABASE_URL is not set: outages of PostgreSQL"
    ),
]
ENTRY = "/api/v1/entries/bruising"
BOUND = 15.0  # seconds any request may take while the database is away (socket timeout)


def relayed(url: str, relay: Relay) -> str:
    parts = urllib.parse.urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    return parts._replace(netloc=f"{credentials}@127.0.0.1:{relay.port}").geturl()


def assert_unavailable(answer: tuple[int, dict[str, str], object]) -> None:
    status, headers, body = answer
    assert status == 503, body
    assert headers["Content-Type"] == "application/problem+json"
    assert int(headers["Retry-After"]) > 0


def wait_until_served(base: str) -> None:
    deadline = time.monotonic() + 60
    while call(base, "GET", ENTRY, timeout=BOUND)[0] != 200:
        assert time.monotonic() < deadline, "the service did not come back after the database did"
        time.sleep(0.5)


@pytest.mark.parametrize("outage", ["stop", "stall"])
def test_database_outage_is_503_and_service_resumes(tmp_path: Path, outage: str) -> None:
    target = urllib.parse.urlsplit(TEST_DATABASE_URL)
    with Relay(target.hostname or "127.0.0.1", target.port or 5432) as relay:
        service = prepare(tmp_path, relayed(TEST_DATABASE_URL or "", relay), KB_DATABASE_TIMEOUT="2")
        # one worker: the connections the first request pooled (the ORM's and the content generation's
        # read) are certainly the ones the outage then catches
        with gunicorn({**service.env, "KB_JOB_WORKERS": "0"}, workers=1) as base:
            assert call(base, "GET", ENTRY)[0] == 200
            assert call(base, "GET", "/readyz")[0] == 200
            relay.stall() if outage == "stall" else relay.stop()
            for _ in range(3):
                assert_unavailable(call(base, "GET", ENTRY, timeout=BOUND))
                assert_unavailable(
                    call(base, "GET", "/api/v1/admin/entries", None, service.auth, timeout=BOUND)
                )
                ready = call(base, "GET", "/readyz", timeout=2.0)  # answers within 2 s, or this raises
                assert ready[0] == 503
                assert ready[2]["checks"]["database"]["ok"] is False
            relay.resume() if outage == "stall" else relay.start()
            wait_until_served(base)
            assert call(base, "GET", "/readyz", timeout=BOUND)[0] == 200
            admin = "/api/v1/admin/entries/bruising"
            etag = call(base, "GET", admin, None, service.auth)[1]["ETag"]
            changed = call(
                base, "PATCH", admin, {"title": "Bruising, after"}, {**service.auth, "If-Match": etag}
            )
            assert changed[0] == 200
