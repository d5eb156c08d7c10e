"""Does counting slow search? Search latency over HTTP with search analytics on and off.

    flock /tmp/kb-heavy.lock .venv/bin/python -m benchmarks.bench_analytics --n 5000

1. A fresh database and index with N generated entries (benchmarks/corpus.py), as bench_http builds them.
2. The same gunicorn setup twice (``--workers``, default 2): ``KB_ANALYTICS_ENABLED=false``, then
   ``true`` with ``KB_ANALYTICS_FLUSH_SECONDS`` (default 1, so flushes happen during the run).
3. Each time, warm every worker, then time the same distinct queries (so the in-memory counts grow) in
   ``--rounds`` alternating rounds, one client sequentially over HTTP (what a widget sees); report p50/p95.
4. With counting on, check that the counts reached the database (the flushes ran).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.bench_http import _flask, _search_paths, _timed_http
from benchmarks.bench_search_backend import percentiles
from benchmarks.corpus import generate, queries, write_import_file
from tests.server import gunicorn_server

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="generated entries")
    parser.add_argument("--queries", type=int, default=500, help="distinct queries per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--flush-seconds", type=float, default=1.0)
    args = parser.parse_args(argv)

    qs, warm = queries(args.queries, seed=7), queries(200, seed=1001)
    samples: dict[str, list[float]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory(prefix="kb-bench-analytics-") as tmp:
        workdir = Path(tmp)
        env = {**os.environ, "KB_INSTANCE_PATH": str(workdir), "KB_RATELIMIT_ENABLED": "false"}
        env["PYTHONPATH"] = str(ROOT)
        env.pop("KB_DATABASE_URL", None)
        corpus = write_import_file(generate(args.n), workdir / "corpus.ndjson")
        _flask(env, "init")
        _flask(env, "import", str(corpus))
        _flask(env, "reindex")
        for _ in range(args.rounds):
            for mode in ("off", "on"):
                mode_env = {
                    **env,
                    "KB_ANALYTICS_ENABLED": "true" if mode == "on" else "false",
                    "KB_ANALYTICS_FLUSH_SECONDS": str(args.flush_seconds),
                }
                with gunicorn_server(mode_env, workers=args.workers) as server:
                    port = urlsplit(server.base).port
                    assert port is not None
                    for _ in range(args.workers):
                        _timed_http(port, _search_paths(warm))
                    samples[mode] += _timed_http(port, _search_paths(qs))
                    time.sleep(args.flush_seconds + 0.5)
                    _timed_http(port, _search_paths(qs[:5]))  # a request after the interval flushes
        with sqlite3.connect(workdir / "kb.sqlite3") as db:
            rows, searches = db.execute(
                "SELECT count(*), coalesce(sum(searches), 0) FROM search_query_counts"
            ).fetchone()
    off, on = percentiles(samples["off"]), percentiles(samples["on"])
    print(f"{args.n} entries, {len(samples['on'])} timed searches per mode, {args.workers} workers")
    print(f"{'':>14} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, stats in (("counting off", off), ("counting on", on)):
        print(f"{name:>14} {stats['p50']:8.2f} {stats['p95']:8.2f} {stats['p99']:8.2f}")
    print(f"p95 difference: {on['p95'] - off['p95']:+.2f} ms ({(on['p95'] / off['p95'] - 1) * 100:+.1f} %)")
    print(f"written by the flushes: {rows} rows, {searches} searches counted")


if __name__ == "__main__":
    main()
