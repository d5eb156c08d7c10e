"""HTTP keep-alive (issue 16): the real server (gunicorn with kb's settings: gevent workers, keepalive 5 s)
keeps a client's connection open between requests, whatever the answer: a 200 rendered or replayed
from the render cache, compressed or not, a 304, a problem+json 404."""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Iterator

import pytest

from tests.conftest import server_database_url
from tests.server import environment, flask, gunicorn

ARTICLE = "/api/v1/articles/microneedling-complications?include=entries"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("keepalive")
    env = environment(tmp, server_database_url(tmp), KB_RATELIMIT_ENABLED="false", KB_JOB_WORKERS="0")
    flask(env, "init")
    with gunicorn(env, workers=2) as url:
        yield url


def exchange(
    conn: http.client.HTTPConnection, path: str, **headers: str
) -> tuple[http.client.HTTPResponse, tuple[str, int]]:
    """One request on ``conn``, its response read whole, and the local address of the socket it used."""
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    assert conn.sock is not None, f"{path}: the server closed the connection"
    return response, conn.sock.getsockname()


def test_two_requests_share_one_connection(base: str) -> None:
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=10)
    try:
        first, used = exchange(conn, "/api/v1/entries/bruising")
        second, again = exchange(conn, "/api/v1/entries/bruising")
        for response in (first, second):
            assert response.status == 200
            assert response.version == 11
            assert (response.getheader("Connection") or "").lower() != "close"
        assert again == used  # the same socket served both
    finally:
        conn.close()


def test_the_connection_outlives_every_kind_of_answer(base: str) -> None:
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=10)
    try:
        rendered, used = exchange(conn, ARTICLE, **{"Accept-Encoding": "br"})
        assert rendered.status == 200
        assert rendered.getheader("Content-Encoding") == "br"
        etag = rendered.getheader("ETag")
        answers = [
            exchange(conn, ARTICLE, **{"Accept-Encoding": "br"}),  # from the render cache
            exchange(conn, ARTICLE, **{"Accept-Encoding": "br", "If-None-Match": etag}),
            exchange(conn, "/api/v1/entries/no-such-entry"),
            exchange(conn, f"{ARTICLE}&fields[entries]=title", **{"Accept-Encoding": "gzip"}),
        ]
        assert [response.status for response, _ in answers] == [200, 304, 404, 200]
        for response, local in answers:
            assert (response.getheader("Connection") or "").lower() != "close"
            assert local == used
    finally:
        conn.close()
