"""Bytes on the wire: the seed article's size as kb's server sends it, raw, gzip and brotli.

    flock /tmp/kb-heavy.lock .venv/bin/python -m benchmarks.bench_wire

A fresh instance (``flask --app kb init``: SQLite and the seed) under gunicorn with kb's settings
(gunicorn.conf.py: gevent workers, keep-alive); each variant of ``GET /api/v1/articles/<slug>`` is read
with ``Accept-Encoding`` identity, gzip and br, all over one ``http.client`` connection, and the body
bytes sent are counted (flask-compress: kb/api/compression.py). The last line says whether the server
kept that one connection for every request (HTTP keep-alive).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import tempfile
import urllib.parse
from pathlib import Path

from tests.server import flask, gunicorn_server

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "/api/v1/articles/microneedling-complications"
VARIANTS = {
    "references only (no include)": "",
    "include=entries (default: every field, both bodies)": "?include=entries",
    "include=entries&body_format=html": "?include=entries&body_format=html",
    "include=entries&body_format=markdown": "?include=entries&body_format=markdown",
    "slimmest: include=entries&body_format=html&fields=title,sections&fields[entries]=title,body_html": (
        "?include=entries&body_format=html&fields=title,sections&fields[entries]=title,body_html"
    ),
}
ENCODINGS = ("identity", "gzip", "br")


def _read(conn: http.client.HTTPConnection, path: str, encoding: str) -> tuple[bytes, str | None]:
    conn.request("GET", path, headers={"Accept-Encoding": encoding})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"{path} ({encoding}): {response.status} {body[:300]!r}")
    sent = response.getheader("Content-Encoding")
    if (sent or "identity") != encoding:
        raise RuntimeError(f"{path}: asked for {encoding}, got {sent}")
    return body, response.getheader("Connection")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-bench-wire-") as tmp:
        env = {
            **os.environ,
            "KB_INSTANCE_PATH": tmp,
            "KB_RATELIMIT_ENABLED": "false",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("KB_DATABASE_URL", None)
        flask(env, "init")
        with gunicorn_server({**env, "KB_JOB_WORKERS": "0"}, workers=2) as server:
            netloc = urllib.parse.urlsplit(server.base).netloc
            conn = http.client.HTTPConnection(netloc, timeout=30)
            sizes: dict[str, dict[str, int]] = {}
            ports, closes = set(), []
            for name, query in VARIANTS.items():
                sizes[name] = {}
                for encoding in ENCODINGS:
                    body, connection = _read(conn, ARTICLE + query, encoding)
                    sizes[name][encoding] = len(body)
                    ports.add(conn.sock.getsockname()[1] if conn.sock else None)
                    closes.append(connection)
            default, connection = _read(conn, ARTICLE + "?include=entries", "identity")
            ports.add(conn.sock.getsockname()[1] if conn.sock else None)
            closes.append(connection)
            conn.close()
    article = json.loads(default)
    refs = [ref["slug"] for section in article["sections"] for ref in section["entries"]]
    print(
        f"{ARTICLE}: {len(article['sections'])} sections, {len(refs)} references to {len(set(refs))} entries"
    )
    print()
    print("| variant | raw bytes | gzip | br |")
    print("|---|---|---|---|")
    for name, by_encoding in sizes.items():
        print(f"| {name} | " + " | ".join(f"{by_encoding[e]:,}" for e in ENCODINGS) + " |")
    print()
    requests = len(VARIANTS) * len(ENCODINGS) + 1
    reused = len(ports) == 1 and None not in ports and "close" not in closes
    print(f"keep-alive: {requests} requests over {len(ports)} connection(s); reused: {reused}")
    if args.json:
        print(json.dumps(sizes))


if __name__ == "__main__":
    main()
