"""Normal requests while slow clients trickle their headers, against the default server (2 workers).

    python -m benchmarks.bench_slow_clients --slow 200

1. A fresh SQLite database with the seed (``flask --app kb init``) and gunicorn as ``make run``
   starts it (gunicorn.conf.py: 2 gevent workers).
2. Idle: REQUESTS sequential ``GET /api/v1/entries`` (one client); p50 and p95.
3. SLOW connections opened, each sending a request line and then one header line per second (never
   finishing), and the same REQUESTS measured again while they trickle.

Target (issue 15): the trickling p95 under 3x the idle p95.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.server import environment, flask, gunicorn_server


def measure(host: str, port: int, requests: int) -> list[float]:
    times = []
    for n in range(requests):
        connection = http.client.HTTPConnection(host, port, timeout=30)
        started = time.perf_counter()
        connection.request("GET", f"/api/v1/entries?page={1 + n % 2}")
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, response.status
        connection.close()
    return times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-slow-") as tmp:
        folder = Path(tmp)
        # Rate limits off: one client's 650 requests in a few seconds would otherwise meet the default
        # 300 per minute, and latency is what is measured here
        env = environment(
            folder, f"sqlite:///{folder / 'kb.sqlite3'}", KB_JOB_WORKERS="0", KB_RATELIMIT_ENABLED="false"
        )
        flask(env, "init")
        with gunicorn_server(env, workers=2) as server:
            parts = urlsplit(server.base)
            host, port = parts.hostname or "127.0.0.1", parts.port or 80
            measure(host, port, 50)  # warm up
            idle = measure(host, port, args.requests)
            stop = threading.Event()
            sockets = []
            for _ in range(args.slow):
                sock = socket.create_connection((host, port), timeout=30)
                sock.sendall(b"GET /api/v1/entries HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                sockets.append(sock)

            def trickle() -> None:
                n = 0
                while not stop.wait(1.0):
                    for sock in sockets:
                        sock.sendall(f"X-Slow-{n}: still typing\r\n".encode())
                    n += 1

            thread = threading.Thread(target=trickle, daemon=True)
            thread.start()
            try:
                slow = measure(host, port, args.requests)
            finally:
                stop.set()
                thread.join()
                for sock in sockets:
                    sock.close()
    result = {
        "slow_connections": args.slow,
        "requests": args.requests,
        "idle_p50_ms": round(statistics.median(idle), 2),
        "idle_p95_ms": round(p95(idle), 2),
        "trickling_p50_ms": round(statistics.median(slow), 2),
        "trickling_p95_ms": round(p95(slow), 2),
        "ratio_p95": round(p95(slow) / p95(idle), 2),
        "target_ratio": 3.0,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
