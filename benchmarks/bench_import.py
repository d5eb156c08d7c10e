"""A large import, from the command line and as the HTTP job: wall time, peak RSS, searchable after.

    python -m benchmarks.bench_import --n 100000 [--mode cli|job|both]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/NAME] [--search-backend postgres]

N generated published entries (benchmarks/corpus.py) are written as an NDJSON file once; then, for
each mode, on a fresh instance (``flask --app kb init``: a new SQLite file, or the PostgreSQL database
of ``--database-url`` DROPPED and created again):

- ``cli``: ``flask --app kb import FILE``, timed from start to exit (reading, writing, the commit and
  the index update after it); its peak RSS is its VmHWM, polled from /proc.
- ``job``: gunicorn without job workers (KB_JOB_WORKERS=0); the file POSTed to /api/v1/admin/import
  with ``Prefer: respond-async`` (202 and a job, the upload timed apart); then ``flask --app kb worker
  --until-idle`` runs the job, timed and polled the same way; the job's outcome is reported.

After each: every generated entry must be live and its id in the search index, nothing pending,
/readyz's search check ok (read in a process of its own, as a server would), and a search for a
generated title word must find entries.

Targets (issues 15 and 16): 100,000 entries in <= 120 s with peak RSS <= 300 MB, on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.corpus import generate, write_import_file
from tests.server import ROOT, call, environment, flask, gunicorn

TARGET_MB = 300
TARGET_S = 120
TIMEOUT_S = 3600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--mode", choices=("cli", "job", "both"), default="both")
    parser.add_argument("--database-url", help="a PostgreSQL database to drop and recreate (default SQLite)")
    parser.add_argument("--search-backend", choices=("whoosh", "postgres"), default="whoosh")
    args = parser.parse_args()
    if args.search_backend == "postgres" and not args.database_url:
        parser.error("--search-backend postgres needs --database-url")
    modes = ("cli", "job") if args.mode == "both" else (args.mode,)
    with tempfile.TemporaryDirectory(prefix="kb-bench-import-") as tmp:
        path = write_import_file(generate(args.n), Path(tmp) / "import.ndjson")
        results = [run(mode, path, Path(tmp) / mode, args) for mode in modes]
    print(json.dumps(results, indent=2))


def run(mode: str, path: Path, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One import on a fresh instance; its figures."""
    folder.mkdir()
    url = args.database_url or f"sqlite:///{folder / 'kb.sqlite3'}"
    if args.database_url:
        _recreate(url)
    env = environment(
        folder,
        url,
        KB_JOB_WORKERS="0",
        KB_IMPORT_MAX_BYTES=str(max(path.stat().st_size * 2, 64 << 20)),
        KB_SEARCH_BACKEND=args.search_backend,
    )
    flask(env, "init")
    result: dict[str, Any] = {
        "mode": mode,
        "entries": args.n,
        "database": sa.make_url(url).get_backend_name(),
        "search_backend": args.search_backend,
        "body_mb": round(path.stat().st_size / 1e6, 1),
    }
    if mode == "cli":
        result.update(_timed([sys.executable, "-m", "flask", "--app", "kb", "import", str(path)], env))
    else:
        secret = flask(env, "token", "create", "--name", "bench", "--role", "admin").stdout.split()[-1]
        auth = {"Authorization": f"Bearer {secret}"}
        with gunicorn(env, workers=2) as base:
            started = time.perf_counter()
            location = _post(base, path, auth)
            result["upload_seconds"] = round(time.perf_counter() - started, 1)
            worker = [sys.executable, "-m", "flask", "--app", "kb", "worker", "--until-idle"]
            result.update(_timed(worker, env))
            job = call(base, "GET", location, None, auth)[2]
            result["job"] = {k: job.get(k) for k in ("status", "result", "error")}
    result.update(_check(env, path))
    result["within_targets"] = (
        result["peak_rss_mb"] <= TARGET_MB and result["seconds"] <= TARGET_S and result["searchable"]
    )
    return result


def _recreate(url: str) -> None:
    """Drop and create the database of ``url`` (connecting to the server's ``postgres`` database)."""
    target = sa.make_url(url)
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    engine.dispose()


def _post(base: str, path: Path, auth: dict[str, str]) -> str:
    """POST the file as an async import (streamed from disk); the job's Location."""
    with path.open("rb") as body:
        request = urllib.request.Request(
            f"{base}/api/v1/admin/import",
            data=body,
            method="POST",
            headers={
                **auth,
                "Content-Type": "application/x-ndjson",
                "Content-Length": str(path.stat().st_size),
                "Prefer": "respond-async",
            },
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            assert response.status == 202, response.status
            return response.headers["Location"]


def _timed(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``command`` to its end: wall time, peak RSS (VmHWM polled every 0.1 s), exit code."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    status = Path(f"/proc/{process.pid}/status")
    peak_kb = 0
    while process.poll() is None and time.perf_counter() - started < TIMEOUT_S:
        try:
            hwm = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM"))
            peak_kb = max(peak_kb, int(hwm.split()[1]))
        except (OSError, StopIteration):
            pass
        time.sleep(0.1)
    output = process.communicate()[0].decode(errors="replace")
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "exit": process.returncode,
        "output_tail": output.strip().splitlines()[-1:] if output.strip() else [],
    }


_CHECK = """
import json, sys
import sqlalchemy as sa
from kb import create_app
from kb.extensions import db
from kb.models import LiveEntry
from kb.services import health, indexing
app = create_app()
with app.app_context():
    lines = open(sys.argv[1], encoding="utf-8")
    slugs = [json.loads(line)["draft"]["slug"] for line in lines if line.strip()]
    live = set()  # the live entries of the imported slugs (a slug the seed had keeps the seed's id)
    for start in range(0, len(slugs), 500):
        query = sa.select(LiveEntry.entry_id).where(LiveEntry.slug.in_(slugs[start : start + 500]))
        live.update(str(i) for i in db.session.scalars(query))
    index = indexing.backend()
    missing = len(slugs) - len(live) + len(live - index.ids())
    hits = index.search(sys.argv[2], per_page=1).total
    state = health.readiness()["checks"]["search"]
    print(json.dumps({"missing": missing, "hits": hits, "search_check": state}, default=str))
"""


def _check(env: dict[str, str], path: Path) -> dict[str, Any]:
    """Whether every generated entry is in the index, nothing is pending and /readyz says ready."""
    first = json.loads(path.open(encoding="utf-8").readline())
    word = first["draft"]["title"].split()[0]
    out = subprocess.run(
        [sys.executable, "-c", _CHECK, str(path), word],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    search = found["search_check"]
    return {
        "missing_from_index": found["missing"],
        "pending": search.get("pending"),
        "ready": search.get("ok"),
        "documents": search.get("documents"),
        "hits_for_" + word.lower(): found["hits"],
        "searchable": found["missing"] == 0 and search.get("ok") is True and found["hits"] > 0,
    }


if __name__ == "__main__":
    main()
