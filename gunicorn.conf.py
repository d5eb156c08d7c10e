"""gunicorn settings, from the KB_* variables read in kb/config.py.

Workers are gevent workers (kb/serving.py): a slow client holds a greenlet, not a worker. The
standard library is patched here, first, so the master and the workers it forks run the same
cooperative sockets, sleeps and locks (psycopg waits cooperatively once the socket is patched).
"""

from gevent import monkey

monkey.patch_all()

import gc  # noqa: E402 (after the patch)
import subprocess  # noqa: E402
import sys  # noqa: E402

import kb  # noqa: E402, F401 - the app's modules, imported once here and shared with the workers
from kb.config import server_settings  # noqa: E402
from kb.jobs.supervisor import Supervisor  # noqa: E402

_settings = server_settings()
bind = f"{_settings['host']}:{_settings['port']}"
workers = _settings["workers"]
timeout = _settings["timeout"]
worker_class = "kb.serving.KbWorker"
worker_connections = 1000  # concurrent connections per worker, slow ones included
keepalive = 5
# The longest request line gunicorn takes (its maximum): a search `q` of 500 characters of any script,
# percent-encoded, fits with room for the other parameters.
limit_request_line = 8190
accesslog = "-"


def on_starting(server: object) -> None:
    """Once per server start, before workers fork: rebuild a missing index, apply pending updates.

    In a process of its own, so that nothing of the app (connections, timers) lives in the master.
    """
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "kb", "reindex", "--pending"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        print(f"kb: search index not brought up to date at start: {result.stderr.strip()}", flush=True)


_jobs = Supervisor(_settings["job_workers"])


def pre_fork(server: object, worker: object) -> None:
    """Before each worker forks: what the master imported leaves the collector's reach, so a worker's
    collections do not write to (and so copy) the pages it shares with the master."""
    gc.freeze()


def when_ready(server: object) -> None:
    """The server listens: start the job workers beside it (KB_JOB_WORKERS, 0 for none)."""
    _jobs.start()


def on_exit(server: object) -> None:
    """The server stops: stop the job workers with it."""
    _jobs.stop()
