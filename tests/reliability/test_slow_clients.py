"""Slow clients: with the default server (2 gevent workers), 200 connections that trickle their
headers do not keep normal requests from being answered."""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.reliability.conftest import Service
from tests.server import call, gunicorn

pytestmark = pytest.mark.reliability
SLOW, NORMAL = 200, 60
TRICKLE = 1.0  # seconds between the header lines a slow client sends


def trickle(base: str, stop: threading.Event, opened: list[socket.socket]) -> None:
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    opened.append(sock)
    sock.sendall(b"GET /api/v1/entries HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    n = 0
    while not stop.wait(TRICKLE):
        sock.sendall(f"X-Slow-{n}: still typing\r\n".encode())
        n += 1


def test_slow_clients_do_not_starve_normal_requests(service: Service) -> None:
    with gunicorn({**service.env, "KB_JOB_WORKERS": "0"}, workers=2) as base:
        stop = threading.Event()
        opened: list[socket.socket] = []
        with ThreadPoolExecutor(SLOW) as slow:
            futures = [slow.submit(trickle, base, stop, opened) for _ in range(SLOW)]
            try:
                deadline = time.monotonic() + 30
                while len(opened) < SLOW and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert len(opened) == SLOW
                with ThreadPoolExecutor(4) as normal:
                    statuses = list(
                        normal.map(
                            lambda n: call(base, "GET", f"/api/v1/entries?page={1 + n % 2}", timeout=5)[0],
                            range(NORMAL),
                        )
                    )
                assert statuses == [200] * NORMAL  # each within 5 s, or call() raises
                assert all(not future.done() for future in futures)  # the slow ones were still trickling
            finally:
                stop.set()
                for sock in opened:
                    sock.close()
