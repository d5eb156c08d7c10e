"""Search and suggest over HTTP against a warm gunicorn at N entries, with SQLite FTS5 as a reference.

    python -m benchmarks.bench_http --n 20000

1. A fresh database and index in a temporary folder: ``flask --app kb init``, then N generated
   entries (benchmarks/corpus.py) imported as published content with ``flask --app kb import``.
2. ``flask --app kb reindex`` (a full rebuild into a new directory, swapped in), timed.
3. gunicorn (``--workers``, default 2, as ``make run``) started and warmed with a separate query set.
4. Search and suggest latencies measured by one client, sequentially, over HTTP (what a widget sees).
5. SQLite FTS5 on the same corpus and queries, in-process, and the ratios.

Targets (issue "Search for apps and widgets"): search p95 <= 30 ms, suggest p95 <= 10 ms, reindex <= 30 s.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks.bench_search_backend import bench_fts5, percentiles
from benchmarks.corpus import generate, prefixes, queries, to_search_document, write_import_file
from tests.server import gunicorn_server

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"search p95": 30.0, "suggest p95": 10.0, "reindex s": 30.0}


def _flask(env: dict[str, str], *args: str) -> float:
    """Run ``flask --app kb ARGS``; return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "kb", *args],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _timed_http(port: int, paths: Sequence[str]) -> list[float]:
    samples = []
    for path in paths:
        started = time.perf_counter()
        status = _get(port, path)
        samples.append((time.perf_counter() - started) * 1000)
        if status >= 500:
            raise RuntimeError(f"{path} answered {status}")
    return samples


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def _memory(pid: int) -> tuple[int, tuple[float, float]]:
    """(pid, (RSS, private memory)) in MB: RSS counts the index files' mapped pages, which the
    workers share through the page cache; private memory is what each worker adds."""
    sizes = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("Rss", "Private_Clean", "Private_Dirty"):
                sizes[name] = int(rest.split()[0]) / 1024
    except OSError:
        return pid, (float("nan"), float("nan"))
    return pid, (sizes.get("Rss", 0.0), sizes.get("Private_Clean", 0.0) + sizes.get("Private_Dirty", 0.0))


def _search_paths(qs: Sequence[str]) -> list[str]:
    return [f"/api/v1/search?{urlencode({'q': q[:500]})}" for q in qs if q.strip()]


def _suggest_paths(ps: Sequence[str]) -> list[str]:
    return [f"/api/v1/suggest?{urlencode({'q': p[:100]})}" for p in ps if p.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="generated entries")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--prefixes", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    entries = list(generate(args.n))
    qs, ps = queries(args.queries, seed=7), prefixes(args.prefixes, seed=11)
    warm_qs, warm_ps = queries(200, seed=1001), prefixes(200, seed=1002)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kb-bench-http-") as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "KB_INSTANCE_PATH": str(workdir),
            "KB_RATELIMIT_ENABLED": "false",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("KB_DATABASE_URL", None)
        corpus = write_import_file(entries, workdir / "corpus.ndjson")
        _flask(env, "init")
        print(f"import of {len(entries)} entries: {_flask(env, 'import', str(corpus)):.1f} s")
        results["reindex s"] = _flask(env, "reindex")
        print(f"reindex (whole command, process start included): {results['reindex s']:.1f} s")
        with gunicorn_server(env, workers=args.workers) as server:
            port = urlsplit(server.base).port
            for _ in range(args.workers):  # warm every worker
                _timed_http(port, _search_paths(warm_qs) + _suggest_paths(warm_ps))
            baseline = percentiles(_timed_http(port, ["/healthz"] * 300))
            search = percentiles(_timed_http(port, _search_paths(qs)))
            suggest = percentiles(_timed_http(port, _suggest_paths(ps)))
            memory = [_memory(pid) for pid in _children(server.pid)]
        results |= {f"search {k}": v for k, v in search.items()} | {
            f"suggest {k}": v for k, v in suggest.items()
        }
        print(
            f"HTTP round trip of /healthz (the floor under every number): p50 {baseline['p50']:.2f} ms, "
            f"p95 {baseline['p95']:.2f} ms"
        )
        for pid, (rss, private) in memory:
            print(f"gunicorn worker {pid} after the run: RSS {rss:.0f} MB, of which private {private:.0f} MB")
        docs = [to_search_document(entry) for entry in entries]
        fts = bench_fts5(docs, qs, ps, warm_qs, warm_ps, workdir)
    fts["reindex s"] = fts.pop("rebuild s")
    _report(results, fts, args)


def _report(kb: dict[str, float], fts: dict[str, float], args: argparse.Namespace) -> None:
    print(f"\nkb over HTTP ({args.workers} gunicorn workers) vs SQLite FTS5 in-process, {args.n} entries")
    print(f"{'metric':<20}{'kb':>10}{'fts5':>10}{'ratio':>8}{'target':>9}  met")
    for key, value in kb.items():
        if key.endswith("mean"):
            continue
        reference = fts.get(key)
        ratio = f"{value / reference:.1f}x" if reference else "-"
        target = TARGETS.get(key)
        met = "" if target is None else ("yes" if value <= target else "NO")
        unit = "s" if key.endswith(" s") else "ms"
        shown_target = f"{target:.0f}" if target else "-"
        print(
            f"{key + ' (' + unit + ')':<20}{value:>10.2f}{(reference or float('nan')):>10.2f}{ratio:>8}"
            f"{shown_target:>9}  {met}"
        )


if __name__ == "__main__":
    main()
