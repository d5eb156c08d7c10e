"""The jobs table as a queue: enqueue in the caller's transaction; claim, renew and settle under a lease.

Every change to a claimed job is conditional on the claim (``locked_by`` and ``attempts``), so a
worker that lost its lease (it stalled past it and another worker claimed the job) changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from kb.errors import NotFoundError
from kb.extensions import db
from kb.models import Job, JobData
from kb.models.types import utcnow

RETRY_BASE = 2.0  # seconds; attempt n waits about RETRY_BASE * 4**(n-1), at most RETRY_MAX
RETRY_MAX = 600.0
DATA_CHUNK = 1 << 20  # bytes per job_data row


def enqueue(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    run_at: datetime | None = None,
    max_attempts: int | None = None,
    created_by: str | None = None,
) -> Job:
    """Add a job to the caller's transaction (the caller commits). With ``key``, enqueueing again
    returns the job already there instead of a second one."""
    if key is not None and (existing := db.session.scalar(sa.select(Job).where(Job.key == key))):
        return existing
    from kb.jobs.registry import load

    handler = load().get(kind)
    if handler is None:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job(
        kind=kind,
        key=key,
        payload=payload or {},
        status="queued",
        run_at=run_at or utcnow(),
        attempts=0,
        max_attempts=max_attempts or handler.max_attempts,
        progress={},
        created_by=created_by,
    )
    db.session.add(job)
    db.session.flush()
    return job


def enqueue_many(kind: str, jobs: list[tuple[dict[str, Any], str]], *, run_at: datetime) -> None:
    """Add jobs of ``kind`` (payload and a key no job has yet) with one INSERT, in the caller's
    transaction: what ``enqueue`` does for each, for keys that are new by construction."""
    from kb.jobs.registry import load

    if not jobs:
        return
    handler = load()[kind]
    now = utcnow()
    rows = [
        {"kind": kind, "key": key, "payload": payload, "status": "queued", "run_at": run_at, "attempts": 0}
        | {"max_attempts": handler.max_attempts, "progress": {}, "created_at": now}
        for payload, key in jobs
    ]
    db.session.execute(sa.insert(Job), rows)


def attach(job: Job, chunks: Iterator[bytes]) -> int:
    """Store a job's input in the caller's transaction, 1 MB per row; returns its size in bytes."""
    size = seq = 0
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        size += len(chunk)
        while len(buffer) >= DATA_CHUNK:
            row = JobData(job_id=job.id, seq=seq, data=bytes(buffer[:DATA_CHUNK]))
            db.session.add(row)
            db.session.flush()
            db.session.expunge(row)  # written: memory holds one chunk
            del buffer[:DATA_CHUNK]
            seq += 1
    if buffer or not seq:
        row = JobData(job_id=job.id, seq=seq, data=bytes(buffer))
        db.session.add(row)
        db.session.flush()
        db.session.expunge(row)
    return size


def data(job_id: int) -> Iterator[bytes]:
    """A job's input, chunk by chunk (each read on its own, so memory holds one chunk)."""
    seq = 0
    while True:
        chunk = db.session.scalar(sa.select(JobData.data).where(JobData.job_id == job_id, JobData.seq == seq))
        if chunk is None:
            return
        yield chunk
        seq += 1


def get(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFoundError(f"No job {job_id}.")
    return job


def claim(worker: str, kinds: list[str], lease: float) -> Job | None:
    """Take the next due job (queued, or running under an expired lease) and commit the claim."""
    now = utcnow()
    due = sa.or_(
        sa.and_(Job.status == "queued", Job.run_at <= now),
        sa.and_(Job.status == "running", Job.lease_until < now),
    )
    query = (
        sa.select(Job)
        .where(due, Job.kind.in_(kinds))
        .order_by(Job.run_at, Job.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    job = db.session.scalars(query).first()
    if job is None:
        db.session.commit()
        return None
    if job.attempts >= job.max_attempts:  # its last worker died: do not try again
        _settle(job, "failed", error={"detail": f"Abandoned after {job.attempts} attempt(s)."})
        db.session.commit()
        return claim(worker, kinds, lease)
    job.status = "running"
    job.attempts += 1
    job.locked_by = worker
    job.lease_until = now + timedelta(seconds=lease)
    job.started_at = job.started_at or now
    db.session.flush()
    db.session.expunge(job)  # detached with what the claim loaded: the queue's updates need only that
    db.session.commit()
    return job


def _mine(job: Job) -> Any:
    return sa.and_(Job.id == job.id, Job.locked_by == job.locked_by, Job.attempts == job.attempts)


def renew(connection: sa.Connection, job: Job, lease: float, progress: dict[str, Any] | None) -> bool:
    """Extend the lease (and record progress) on ``connection``, outside the job's own transaction."""
    values: dict[str, Any] = {"lease_until": utcnow() + timedelta(seconds=lease)}
    if progress is not None:
        values["progress"] = progress
    return connection.execute(sa.update(Job).where(_mine(job)).values(**values)).rowcount == 1


def record(job: Job, lease: float, **values: Any) -> None:
    """Change the claimed job in the caller's transaction (e.g. an import's result, with the import);
    raises ``LeaseLost`` if another worker has the job now."""
    values.setdefault("lease_until", utcnow() + timedelta(seconds=lease))
    if db.session.execute(sa.update(Job).where(_mine(job)).values(**values)).rowcount != 1:
        raise LeaseLost(job.id)


class LeaseLost(Exception):
    """Another worker claimed the job after this one's lease ended."""


def succeed(job: Job, result: dict[str, Any] | None, progress: dict[str, Any] | None = None) -> None:
    _settle(job, "succeeded", result=result, **({"progress": progress} if progress is not None else {}))
    db.session.commit()


def fail(job: Job, error: dict[str, Any]) -> None:
    _settle(job, "failed", error=error)
    db.session.commit()


def retry(job: Job, error: dict[str, Any]) -> None:
    """Back to the queue after a delay; failed for good once its attempts are spent."""
    if job.attempts >= job.max_attempts:
        fail(job, error)
        return
    delay = min(RETRY_MAX, RETRY_BASE * 4 ** (job.attempts - 1)) * random.uniform(0.8, 1.2)
    values = {
        "status": "queued",
        "run_at": utcnow() + timedelta(seconds=delay),
        "lease_until": None,
        "locked_by": None,
        "error": error,
    }
    db.session.execute(sa.update(Job).where(_mine(job)).values(**values))
    db.session.commit()


def release(job: Job) -> None:
    """Give the job back at once, its attempt not counted (the worker is stopping)."""
    values = {"status": "queued", "lease_until": None, "locked_by": None, "attempts": job.attempts - 1}
    db.session.execute(sa.update(Job).where(_mine(job)).values(**values))
    db.session.commit()


def _settle(job: Job, status: str, **values: Any) -> None:
    values = {"status": status, "finished_at": utcnow(), "lease_until": None, **values}
    db.session.execute(sa.update(Job).where(_mine(job)).values(**values))
    db.session.execute(sa.delete(JobData).where(JobData.job_id == job.id))


def summary() -> dict[str, Any]:
    """For /readyz: jobs waiting, and how long the oldest due one has waited."""
    now = utcnow()
    pending = sa.and_(Job.status.in_(("queued", "running")), Job.run_at <= now)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Job).where(pending)) or 0
    oldest = db.session.scalar(sa.select(sa.func.min(Job.run_at)).where(pending))
    age = (now - oldest).total_seconds() if oldest else 0.0  # min() keeps the column's type: aware
    return {"pending": count, "oldest_pending_seconds": round(max(age, 0.0), 1)}
