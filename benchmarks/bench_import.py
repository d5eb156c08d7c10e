"""Memory of a large import run as a background job: peak RSS of the job worker.

    python -m benchmarks.bench_import --n 100000

1. A fresh SQLite database (``flask --app kb init``) in a temporary folder, and N generated published
   entries (benchmarks/corpus.py) written as an NDJSON file.
2. gunicorn without job workers (KB_JOB_WORKERS=0); the file POSTed to /api/v1/admin/import with
   ``Prefer: respond-async``: 202 and a job.
3. ``flask --app kb worker --until-idle`` runs the job; its peak RSS (ru_maxrss) and wall time are
   reported, with the job's outcome and the entries searchable afterwards.

Target (issue 15): under 300 MB RSS at 100,000 entries.
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

from benchmarks.corpus import generate, write_import_file
from tests.server import call, environment, flask, gunicorn

TARGET_MB = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-import-") as tmp:
        folder = Path(tmp)
        env = environment(
            folder, f"sqlite:///{folder / 'kb.sqlite3'}", KB_JOB_WORKERS="0", KB_IMPORT_MAX_BYTES=str(2**31)
        )
        flask(env, "init")
        secret = flask(env, "token", "create", "--name", "bench", "--role", "admin").stdout.split()[-1]
        path = write_import_file(generate(args.n), folder / "import.ndjson")
        size = path.stat().st_size
        with gunicorn(env, workers=2) as base:
            request = urllib.request.Request(
                f"{base}/api/v1/admin/import",
                data=path.read_bytes(),
                method="POST",
                headers={
                    "Authorization": f"Bearer {secret}",
                    "Content-Type": "application/x-ndjson",
                    "Prefer": "respond-async",
                },
            )
            env["KB_IMPORT_MAX_BYTES"] = str(max(size * 2, 64 << 20))
            with urllib.request.urlopen(request, timeout=600) as response:
                assert response.status == 202, response.status
                location = response.headers["Location"]
            started = time.perf_counter()
            worker = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "kb", "worker", "--until-idle"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            peak_kb = 0
            status = Path(f"/proc/{worker.pid}/status")
            while worker.poll() is None and time.perf_counter() - started < 3600:
                try:
                    hwm = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM"))
                    peak_kb = max(peak_kb, int(hwm.split()[1]))
                except (OSError, StopIteration):
                    pass
                time.sleep(0.1)
            worker.wait()
            elapsed = time.perf_counter() - started
            peak_mb = peak_kb / 1024
            job = call(base, "GET", location, None, {"Authorization": f"Bearer {secret}"})[2]
            ready = call(base, "GET", "/readyz")[2]
        print(
            json.dumps(
                {
                    "entries": args.n,
                    "body_mb": round(size / 1e6, 1),
                    "job": {k: job.get(k) for k in ("status", "result", "error")},
                    "worker_peak_rss_mb": round(peak_mb, 1),
                    "worker_seconds": round(elapsed, 1),
                    "target_mb": TARGET_MB,
                    "within_target": peak_mb < TARGET_MB,
                    "indexed": ready["checks"]["search"].get("documents"),
                    "worker_exit": worker.returncode,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
