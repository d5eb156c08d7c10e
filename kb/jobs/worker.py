"""The worker loop: claim a due job, run its handler under a renewed lease, settle it; sleep when idle.

SIGTERM or SIGINT stops the worker: idle, at once; in a job, the job is rolled back and given back
to the queue (its handlers are all-or-nothing or idempotent), so stopping never loses work.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask

from kb.extensions import db
from kb.jobs import cleanup, queue
from kb.jobs.registry import Context, JobFailed, load
from kb.models import Job

log = logging.getLogger(__name__)


class Shutdown(BaseException):
    """Raised in the worker's main thread by SIGTERM/SIGINT."""


class Worker:
    def __init__(self, app: Flask, *, lease: float, poll: float, parent: int | None = None) -> None:
        self.app = app
        self.parent = parent
        self.lease = lease
        self.poll = poll
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.busy = False
        self.stopping = False

    def run(self, *, until_idle: bool = False, max_jobs: int | None = None) -> int:
        """Work until stopped (or, with ``until_idle``, until no job is due); returns jobs run."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        done = 0
        try:
            with self.app.app_context():
                kinds = sorted(load())
                log.info("kb worker %s: jobs of kinds %s", self.name, ", ".join(kinds))
                self._schedule_cleanup()
                while not self.stopping and (max_jobs is None or done < max_jobs) and self._parent_alive():
                    if self.run_one(kinds):
                        done += 1
                    elif until_idle:
                        break
                    else:
                        time.sleep(self.poll)
        except Shutdown:
            pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return done

    def _schedule_cleanup(self) -> None:
        """Make sure the periodic cleanup job of the next slot exists (kb.jobs.cleanup)."""
        try:
            cleanup.schedule_next()
            db.session.commit()
        except sa.exc.OperationalError as exc:  # busy or down: the next worker start, or run, enqueues it
            db.session.rollback()
            log.warning("kb worker: cleanup not scheduled now: %s", exc.orig)

    def _parent_alive(self) -> bool:
        return self.parent is None or os.getppid() == self.parent

    def _stop(self, _signum: int, _frame: Any) -> None:
        self.stopping = True
        raise Shutdown

    def run_one(self, kinds: list[str]) -> bool:
        """Claim and run one due job; False when none is due."""
        try:
            job = queue.claim(self.name, kinds, self.lease)
        except sa.exc.OperationalError as exc:  # SQLite busy with a long import, a database outage
            db.session.rollback()
            log.warning("kb worker: cannot claim a job now: %s", exc.orig)
            return False
        if job is None:
            return False
        self._run(job)
        return True

    def _run(self, job: Job) -> None:
        handler = load()[job.kind]
        heartbeat = _Heartbeat(db.engine, job, self.lease)
        heartbeat.start()
        self.busy = True
        try:
            result = handler.run(job, Context(heartbeat.report, self.lease))
        except Shutdown:
            db.session.rollback()
            heartbeat.stop()
            queue.release(job)
            log.info("kb worker: job %s given back (stopping)", job.id)
            raise
        except JobFailed as exc:
            db.session.rollback()
            heartbeat.stop()
            queue.fail(job, exc.error)
            log.info("kb worker: job %s (%s) failed: %s", job.id, job.kind, exc)
        except queue.LeaseLost:
            db.session.rollback()
            heartbeat.stop()
            log.warning("kb worker: job %s was claimed by another worker", job.id)
        except Exception as exc:
            db.session.rollback()
            heartbeat.stop()
            log.exception("kb worker: job %s (%s) raised; retried later", job.id, job.kind)
            queue.retry(job, {"detail": f"{type(exc).__name__}: {exc}"[:1000]})
        else:
            heartbeat.stop()
            queue.succeed(job, result, heartbeat.latest)
            log.info("kb worker: job %s (%s) succeeded", job.id, job.kind)
        finally:
            self.busy = False


class _Heartbeat(threading.Thread):
    """Renews the job's lease (and writes its latest progress) every second, on its own connection."""

    INTERVAL = 1.0

    def __init__(self, engine: sa.Engine, job: Job, lease: float) -> None:
        super().__init__(daemon=True, name=f"kb-job-{job.id}")
        self.engine, self.job, self.lease = engine, job, lease
        self.latest: dict[str, Any] | None = None
        self.written: dict[str, Any] | None = None
        self.done = threading.Event()

    def report(self, progress: dict[str, Any]) -> None:
        self.latest = dict(progress)

    def run(self) -> None:
        while not self.done.wait(self.INTERVAL):
            progress = self.latest if self.latest != self.written else None
            try:
                with self.engine.begin() as connection:
                    queue.renew(connection, self.job, self.lease, progress)
                self.written = progress or self.written
            except sa.exc.OperationalError:
                pass  # SQLite: the job's own write transaction holds the lock; the next beat retries

    def stop(self) -> None:
        self.done.set()
        self.join()
