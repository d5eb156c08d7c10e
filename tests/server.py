"""A real gunicorn server on a free port, for tests that need several worker processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# "postgres" runs the suite with search in PostgreSQL (needs KB_TEST_DATABASE_URL); default whoosh
TEST_SEARCH_BACKEND = os.environ.get("KB_TEST_SEARCH_BACKEND", "whoosh")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(instance: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The service's environment: its own instance folder, the database, the search backend under test."""
    env = {
        **os.environ,
        "KB_INSTANCE_PATH": str(instance),
        "KB_DATABASE_URL": database_url,
        "KB_SEARCH_BACKEND": TEST_SEARCH_BACKEND,
        **extra,
    }
    env["PYTHONPATH"] = str(ROOT)
    return env


def flask(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``flask --app kb ARGS`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "kb", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:<port>
    pid: int  # gunicorn's master process


@contextmanager
def gunicorn_server(env: dict[str, str], workers: int = 4) -> Iterator[Server]:
    """Serve the app with ``workers`` processes on a free port until the block ends; its output goes to
    ``gunicorn-<port>.log`` in KB_INSTANCE_PATH."""
    port = free_port()
    env = {**env, "KB_PORT": str(port), "KB_WORKERS": str(workers)}
    log = Path(env["KB_INSTANCE_PATH"]) / f"gunicorn-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--no-control-socket",
                "--config",
                "gunicorn.conf.py",
                "wsgi:app",
            ],
            env=env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if call(base, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.2)
        yield Server(base, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 4) -> Iterator[str]:
    """Serve the app with ``workers`` processes; yield its base URL."""
    with gunicorn_server(env, workers) as server:
        yield server.base


def call(
    base: str,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    timeout: float = 60,
) -> tuple[int, dict[str, str], Any]:
    """One HTTP request; returns status, headers and the decoded JSON body (or None). Raises if no
    answer came within ``timeout`` seconds."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={**({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, dict(error.headers), json.loads(raw) if raw else None


def children(pid: int) -> dict[int, str]:
    """The live child processes of ``pid`` and their command lines (gunicorn's workers, the job
    workers its master started)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(entry.name)] = cmdline
    return found
