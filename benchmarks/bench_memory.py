"""What each gunicorn worker holds after warm-up, at N entries: RSS, private and shared memory.

    python -m benchmarks.bench_memory                     # 100,000 entries
    python -m benchmarks.bench_memory --entries 20000

1. A fresh SQLite instance in a temporary folder: ``flask --app kb init`` (the seed), then the first
   ``--db-entries`` (default: all) of N generated entries (benchmarks/corpus.py) imported with
   ``flask --app kb import``.
2. The search index: ``flask --app kb reindex`` when the database holds all N entries; otherwise
   (a shortcut for large N, whose import takes long) the Whoosh index is rebuilt in-process from all N
   generated documents plus the seed's, so search runs over N entries while reads hit the imported
   ones. Worker memory depends on the index, not on how many rows the database holds.
3. The real server (``gunicorn.conf.py``, gevent workers, ``--workers`` default 2, job workers off).
4. Every worker warmed with the same fixed set of searches (``--searches``, with facets and
   highlights, some with kind/tag filters and pages), suggestions and entry and list reads: each
   request goes on a new connection, and the set is sent ``--rounds`` times per worker, so both
   workers see it whatever gunicorn's accept order.
5. Per worker, from /proc/PID/smaps_rollup: RSS, private (Private_Clean + Private_Dirty), shared
   (Shared_Clean + Shared_Dirty) and the part of RSS that maps files (the index segments).

Target (issue 16): at 100,000 entries each worker holds <= 150 MB private after warm-up.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks.bench_http import _flask
from benchmarks.corpus import generate, prefixes, queries, write_import_file
from tests.server import gunicorn_server

ROOT = Path(__file__).resolve().parent.parent
TARGET_PRIVATE_MB = 150.0
_FIELDS = ("Rss", "Pss", "Private_Clean", "Private_Dirty", "Shared_Clean", "Shared_Dirty")


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def warm_paths(slugs: Sequence[str], searches: int) -> list[str]:
    """The fixed warm-up set: searches (plain, filtered, paged), suggestions, entry and list reads."""
    paths = []
    for i, q in enumerate(queries(searches, seed=2024)):
        params = {"q": q[:500]}
        if i % 10 == 3:
            params["kind"] = ("complication", "technique", "aftercare")[i % 3]
        if i % 10 == 7:
            params["page"] = "2"
        paths.append(f"/api/v1/search?{urlencode(params)}")
    paths += [f"/api/v1/suggest?{urlencode({'q': p[:100]})}" for p in prefixes(searches, seed=2025)]
    paths += [f"/api/v1/entries/{slug}" for slug in slugs]
    paths += [f"/api/v1/entries?{urlencode({'page': page, 'per_page': 20})}" for page in range(1, 21)]
    return paths


def smaps(pid: int) -> dict[str, float]:
    """The worker's memory in MB from /proc/PID/smaps_rollup, plus the file-backed part of RSS."""
    sizes = dict.fromkeys(_FIELDS, 0.0)
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in sizes:
            sizes[name] = int(rest.split()[0]) / 1024
    status = Path(f"/proc/{pid}/status").read_text()
    file_kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("RssFile:")), 0)
    return {
        "rss": sizes["Rss"],
        "private": sizes["Private_Clean"] + sizes["Private_Dirty"],
        "shared": sizes["Shared_Clean"] + sizes["Shared_Dirty"],
        "pss": sizes["Pss"],
        "file": file_kb / 1024,
    }


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def _index_size(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def _build(workdir: Path, env: dict[str, str], n: int, db_entries: int) -> list[str]:
    """The instance: seed, imported entries, index over all ``n``; returns the imported slugs."""
    print(f"generating {n} entries ...", flush=True)
    imported = list(islice(generate(n), db_entries))
    _flask(env, "init")
    corpus = write_import_file(imported, workdir / "corpus.ndjson")
    print(f"import of {len(imported)} entries: {_flask(env, 'import', str(corpus)):.0f} s", flush=True)
    if db_entries >= n:
        print(f"flask reindex: {_flask(env, 'reindex'):.0f} s", flush=True)
    else:
        started = time.perf_counter()
        script = (  # the database's documents (seed and imported entries), then the rest of the corpus
            "import sys; from itertools import islice; from kb import create_app; "
            "from kb.services import indexing; from benchmarks.corpus import generate, to_search_document\n"
            "n, k = int(sys.argv[1]), int(sys.argv[2])\n"
            "with create_app().app_context():\n"
            "    docs = list(indexing._all_documents())\n"
            "    docs += [to_search_document(e) for e in islice(generate(n), k, None)]\n"
            "    print(indexing.backend().rebuild(docs), 'documents indexed')\n"
        )
        subprocess.run([sys.executable, "-c", script, str(n), str(db_entries)], env=env, cwd=ROOT, check=True)
        print(
            f"index of {n} entries + seed rebuilt in-process: {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return [entry["slug"] for entry in imported[:200]]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100000, help="generated entries in the index")
    parser.add_argument("--db-entries", type=int, default=None, help="of those, imported (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--searches", type=int, default=300, help="searches (and suggestions) per round")
    parser.add_argument("--rounds", type=int, default=4, help="times the warm-up set is sent")
    args = parser.parse_args(argv)
    db_entries = args.entries if args.db_entries is None else min(args.db_entries, args.entries)
    with tempfile.TemporaryDirectory(prefix="kb-bench-memory-") as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "KB_INSTANCE_PATH": str(workdir),
            "KB_RATELIMIT_ENABLED": "false",
            "KB_ANALYTICS_ENABLED": "false",
            "KB_JOB_WORKERS": "0",
            "KB_LOG_LEVEL": "WARNING",
            "KB_SEARCH_BACKEND": "whoosh",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("KB_DATABASE_URL", None)
        slugs = _build(workdir, env, args.entries, db_entries)
        index_mb = _index_size(workdir / "search-index")
        paths = warm_paths(slugs, args.searches)
        with gunicorn_server(env, workers=args.workers) as server:
            port = urlsplit(server.base).port
            workers = _children(server.pid)
            before = {pid: smaps(pid) for pid in workers}
            started = time.perf_counter()
            errors: dict[str, int] = {}
            for _ in range(args.rounds):
                for path in paths:
                    status, _body = _get(port, path)
                    if status >= 400:
                        errors[path] = status
            warm_s = time.perf_counter() - started
            health = json.loads(_get(port, "/healthz")[1] or b"{}")
            after = {pid: smaps(pid) for pid in workers}
    _report(args, db_entries, index_mb, len(paths), warm_s, errors, health, before, after)


def _report(args, db_entries, index_mb, requests, warm_s, errors, health, before, after) -> None:
    print(
        f"\n{args.entries} entries in the index ({db_entries} in the database), "
        f"index on disk {index_mb:.0f} MB; "
        f"warm-up: {requests} requests x {args.rounds} rounds in {warm_s:.0f} s, "
        f"{len(errors)} paths answered >= 400 {dict(islice(errors.items(), 3))}; "
        f"/healthz: {health.get('status', health)}"
    )
    print(
        f"{'worker':>8} {'when':<8}{'RSS':>8}{'private':>9}{'shared':>8}{'PSS':>8}{'file-backed':>12}  (MB)"
    )
    for pid in after:
        for when, rows in (("started", before), ("warm", after)):
            m = rows[pid]
            print(
                f"{pid:>8} {when:<8}{m['rss']:>8.0f}{m['private']:>9.0f}{m['shared']:>8.0f}{m['pss']:>8.0f}"
                f"{m['file']:>12.0f}"
            )
    worst = max(m["private"] for m in after.values())
    met = "met" if worst <= TARGET_PRIVATE_MB else "NOT met"
    print(f"largest private after warm-up: {worst:.0f} MB (target <= {TARGET_PRIVATE_MB:.0f} MB: {met})")


if __name__ == "__main__":
    main()
