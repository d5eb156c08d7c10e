"""A body over the limit gets its 413 problem through a real gunicorn, not a reset connection: the
server reads (and drops) what the client is still sending before it answers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.reliability.conftest import Service, prepare
from tests.server import gunicorn


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get_content_type(), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), json.loads(error.read())


def test_bodies_over_the_limits_get_a_413_problem(tmp_path) -> None:  # type: ignore[no-untyped-def]
    service: Service = prepare(tmp_path, KB_IMPORT_MAX_BYTES=str(1 << 20), KB_JOB_WORKERS="0")
    line = json.dumps({"type": "entry", "draft": {"slug": "x", "pad": "y" * 1000}}).encode() + b"\n"
    body = line * 24_000  # 24 MB: more than the sockets' buffers hold, so an early close resets
    with gunicorn(service.env, workers=1) as base:
        for path, content_type in (
            ("/api/v1/admin/import", "application/x-ndjson"),
            ("/api/v1/admin/entries", "application/json"),
        ):
            status, mimetype, problem = post(
                base + path, body, {**service.auth, "Content-Type": content_type}
            )
            assert (status, mimetype) == (413, "application/problem+json"), path
            assert "send a smaller one" in problem["detail"]
