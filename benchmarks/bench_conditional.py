"""Conditional and cached public reads over HTTP: kb against a bare Flask app serving kb's own bodies.

    apt-get install -y wrk   # Debian's wrk 4.1
    flock /tmp/kb-heavy.lock .venv/bin/python -m benchmarks.bench_conditional

1. A fresh instance (``flask --app kb init``: SQLite and the seed), served by gunicorn with kb's
   settings (gunicorn.conf.py: 2 gevent workers, access log on); rate limits off, as in bench_http.
2. The bare app (benchmarks/bare_app.py) under the same gunicorn worker class, workers, keep-alive and
   access log, serving for each path the exact bytes kb answered, with a per-request body hash as ETag.
3. For each path, ``wrk -t2 -c16 -d<seconds>s`` against one then the other, ``--rounds`` times; the 304
   path sends the ETag each server gave for the entry as If-None-Match.

Targets (issue 16): the 304 >= 85% of the bare app's 304; one entry (200) >= 70%; the list and the
article with its embeds >= 50%.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.server import flask, free_port, gunicorn_server

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "/api/v1/entries/infection"
PATHS = {
    "GET one entry (200)": ENTRY,
    "the same with If-None-Match (304)": ENTRY,
    "GET /entries (20 items)": "/api/v1/entries",
    "GET the article with include=entries": "/api/v1/articles/microneedling-complications?include=entries",
}
TARGETS = {
    "GET one entry (200)": 0.70,
    "the same with If-None-Match (304)": 0.85,
    "GET /entries (20 items)": 0.50,
    "GET the article with include=entries": 0.50,
}


def _get(base: str, path: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return response.headers["ETag"], response.read()


@contextmanager
def _bare_server(env: dict[str, str], workdir: Path) -> Iterator[str]:
    port = free_port()
    log = open(workdir / "bare.log", "w")  # noqa: SIM115 (closed below)
    command = [sys.executable, "-m", "gunicorn", "--no-control-socket", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "2", "--worker-class", "gevent", "--keep-alive", "5", "--access-logfile", "-"]
    process = subprocess.Popen(
        [*command, "benchmarks.bare_app:app"], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(base, ENTRY)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((workdir / "bare.log").read_text()[-3000:]) from None
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def _wrk(base: str, path: str, seconds: int, etag: str | None) -> float:
    """Requests per second wrk measured (non-2xx/3xx answers are an error)."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency"]
    if etag:
        command += ["-H", f"If-None-Match: {etag}"]
    out = subprocess.run(
        [*command, base + path], capture_output=True, text=True, check=True, timeout=seconds + 30
    )
    if "Non-2xx or 3xx" in out.stdout:
        raise RuntimeError(f"{path}: error answers\n{out.stdout}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out.stdout).group(1))  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in PATHS}
    with tempfile.TemporaryDirectory(prefix="kb-bench-conditional-") as tmp:
        workdir = Path(tmp)
        env = {**os.environ, "KB_INSTANCE_PATH": str(workdir), "KB_RATELIMIT_ENABLED": "false"}
        env["PYTHONPATH"] = str(ROOT)
        env.pop("KB_DATABASE_URL", None)
        flask(env, "init")
        with gunicorn_server(env, workers=2) as kb:
            bodies = {path: _get(kb.base, path)[1].decode() for path in PATHS.values()}
            (workdir / "bodies.json").write_text(json.dumps(bodies))
            bare_env = {**env, "KB_BARE_BODIES": str(workdir / "bodies.json")}
            with _bare_server(bare_env, workdir) as bare:
                etags = {kb.base: _get(kb.base, ENTRY)[0], bare: _get(bare, ENTRY)[0]}
                sizes = {path: len(body.encode()) for path, body in bodies.items()}
                for _ in range(args.rounds):
                    for name, path in PATHS.items():
                        conditional = "304" in name
                        pair = tuple(
                            _wrk(base, path, args.seconds, etags[base] if conditional else None)
                            for base in (kb.base, bare)
                        )
                        results[name].append(pair)  # type: ignore[arg-type]
    _report(results, sizes, args)


def _report(
    results: dict[str, list[tuple[float, float]]], sizes: dict[str, int], args: argparse.Namespace
) -> None:
    print(f"\nwrk -t2 -c16 -d{args.seconds}s, {args.rounds} rounds, 2 gunicorn workers each (req/s)")
    print("| path | body bytes | kb req/s | bare Flask req/s | kb / bare | target | met |")
    print("|---|---|---|---|---|---|---|")
    for name, rounds in results.items():
        kb = [k for k, _ in rounds]
        bare = [b for _, b in rounds]
        ratios = [k / b for k, b in rounds]
        target = TARGETS[name]
        met = "yes" if min(ratios) >= target else ("in some rounds" if max(ratios) >= target else "no")
        size = sizes[PATHS[name]] if "304" not in name else 0
        print(
            f"| {name} | {size} | {min(kb):,.0f}-{max(kb):,.0f} | {min(bare):,.0f}-{max(bare):,.0f} "
            f"| {min(ratios):.0%}-{max(ratios):.0%} | >= {target:.0%} | {met} |"
        )


if __name__ == "__main__":
    main()
