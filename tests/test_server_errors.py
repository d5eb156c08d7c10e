"""Errors gunicorn answers before the app runs are problem+json too, over a real socket; the search
`q` the document allows (500 characters of any script) fits in the request line."""

from __future__ import annotations

import json
import socket
import urllib.parse
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_DATABASE_URL, make_app
from tests.server import environment, flask, gunicorn


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp_path = tmp_path_factory.mktemp("server")
    make_app(tmp_path)
    env = environment(
        tmp_path, TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'kb.sqlite3'}", KB_JOB_WORKERS="0"
    )
    flask(env, "init")
    with gunicorn(env, workers=1) as url:
        yield url


def raw(base: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as is; return the status, headers and body of the answer."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            headers = dict(
                line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ": " in line
            )
            if "Content-Length" in headers and len(body) >= int(headers["Content-Length"]):
                break
    status = int(head.split(b" ")[1])
    return status, {k.lower(): v for k, v in headers.items()}, body


def get(base: str, target: str, *extra: bytes) -> tuple[int, dict[str, str], bytes]:
    lines = [f"GET {target} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close", *extra]
    return raw(base, b"\r\n".join(lines) + b"\r\n\r\n")


def assert_problem(answer: tuple[int, dict[str, str], bytes], status: int) -> dict[str, object]:
    code, headers, body = answer
    assert code == status, body
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == status
    assert "<html" not in body.decode()
    return problem


@pytest.mark.parametrize("char", ["中", "😀"])
def test_the_longest_documented_query_is_served(base: str, char: str) -> None:
    q = urllib.parse.quote(char * 500)
    status, headers, body = get(base, f"/api/v1/search?q={q}&per_page=20&page=1")
    assert status == 200, body[:300]
    assert headers["content-type"] == "application/json"


def test_a_request_line_over_the_limit_is_414_problem_json(base: str) -> None:
    problem = assert_problem(get(base, "/api/v1/search?q=" + "a" * 9000), 414)
    assert "request line" in str(problem["detail"])


def test_invalid_header_bytes_are_400_problem_json(base: str) -> None:
    problem = assert_problem(get(base, "/api/v1/entries", b"X-Note: a\x01b"), 400)
    assert "header" in str(problem["detail"])


def test_an_invalid_header_name_is_400_problem_json(base: str) -> None:
    assert_problem(get(base, "/api/v1/entries", b"Bad Name: x"), 400)


def test_too_many_headers_are_431_problem_json(base: str) -> None:
    headers = [f"X-H{n}: v".encode() for n in range(150)]
    assert_problem(get(base, "/api/v1/entries", *headers), 431)


def test_a_header_too_large_is_431_problem_json(base: str) -> None:
    assert_problem(get(base, "/api/v1/entries", b"X-Big: " + b"v" * 9000), 431)


def test_garbage_is_400_problem_json(base: str) -> None:
    assert_problem(raw(base, b"\x16\x03\x01 hello\r\n\r\n"), 400)


def test_the_server_still_serves_after_them(base: str) -> None:
    status, _, body = get(base, "/api/v1/entries?per_page=1")
    assert status == 200, body
