"""Kills during writes: SIGKILLed web workers lose no acknowledged write, and a job worker SIGKILLed
in the middle of an import loses nothing (the job is claimed again after its lease and completes,
all or nothing)."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import NEW_ENTRY
from tests.reliability.conftest import Service
from tests.server import call, children, gunicorn_server

pytestmark = pytest.mark.reliability
WRITERS, WRITES, KILLS = 4, 40, 8


def test_killed_web_workers_lose_no_acknowledged_write(service: Service) -> None:
    acknowledged: list[str] = []
    with gunicorn_server({**service.env, "KB_JOB_WORKERS": "0"}, workers=3) as server:
        stop = threading.Event()

        def write(writer: int) -> None:
            for n in range(WRITES):
                slug = f"kill-{writer}-{n}"
                try:
                    status = call(
                        server.base,
                        "POST",
                        "/api/v1/admin/entries",
                        {**NEW_ENTRY, "slug": slug},
                        service.auth,
                        timeout=30,
                    )[0]
                except OSError:
                    continue  # the worker died under this request: not acknowledged
                if status == 201:
                    acknowledged.append(slug)

        def kill() -> None:
            rng = random.Random(15)
            for _ in range(KILLS):
                if stop.wait(0.4):
                    return
                workers = [pid for pid, cmd in children(server.pid).items() if "gunicorn" in cmd]
                if workers:
                    os.kill(rng.choice(workers), signal.SIGKILL)

        killer = threading.Thread(target=kill)
        killer.start()
        with ThreadPoolExecutor(WRITERS) as pool:
            list(pool.map(write, range(WRITERS)))
        stop.set()
        killer.join()
        assert len(acknowledged) > WRITERS * WRITES // 2
        missing = [
            slug
            for slug in acknowledged
            if call(server.base, "GET", f"/api/v1/admin/entries/{slug}", None, service.auth)[0] != 200
        ]
        assert missing == []


def test_a_job_worker_killed_mid_import_loses_nothing(service: Service) -> None:
    items = [
        {"type": "entry", "status": "published", "draft": draft, "live": draft}
        for draft in ({**NEW_ENTRY, "slug": f"job-kill-{n}", "title": f"Job kill {n}"} for n in range(3000))
    ]
    body = "".join(json.dumps(item) + "\n" for item in items).encode()
    env = {**service.env, "KB_JOB_WORKERS": "1", "KB_JOB_LEASE": "3"}
    with gunicorn_server(env, workers=2) as server:
        request = urllib.request.Request(
            f"{server.base}/api/v1/admin/import",
            data=body,
            method="POST",
            headers={**service.auth, "Content-Type": "application/x-ndjson", "Prefer": "respond-async"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 202
            location = response.headers["Location"]
        deadline = time.monotonic() + 60
        while call(server.base, "GET", location, None, service.auth)[2]["status"] != "running":
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
        (worker,) = [pid for pid, cmd in children(server.pid).items() if "worker" in cmd and "flask" in cmd]
        os.kill(worker, signal.SIGKILL)  # mid-job: the supervisor starts another worker
        deadline = time.monotonic() + 180
        while (job := call(server.base, "GET", location, None, service.auth)[2])["status"] not in (
            "succeeded",
            "failed",
        ):
            assert time.monotonic() < deadline, f"the job was not finished after the kill: {job}"
            time.sleep(0.5)
        assert job["status"] == "succeeded", job
        assert job["attempts"] >= 2
        assert job["result"]["items"] == 3000
        page = call(server.base, "GET", "/api/v1/admin/entries?q=job-kill&per_page=1", None, service.auth)[2]
        assert page["meta"]["total"] == 3000
        assert call(server.base, "GET", "/readyz")[0] == 200
