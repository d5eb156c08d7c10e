"""Cleanup, a job the worker runs every ``KB_CLEANUP_INTERVAL`` seconds (kind ``maintenance.cleanup``):
finished webhook deliveries (with their attempts) and then events left without a delivery, older than
``KB_WEBHOOK_LOG_RETENTION_DAYS``; finished jobs older than ``KB_JOB_RETENTION_DAYS``; changes feed rows
older than ``KB_SYNC_TOMBSTONE_RETENTION_DAYS`` (kb.sync.horizon records how far). Pending
deliveries and queued or running jobs are never touched.

One job per interval slot, whichever worker enqueues it (its key names the slot): a worker enqueues the
next slot's when it starts, and each run enqueues the one after it first, so the chain survives a failed
run. Deletes go in batches, each committed, so no run holds SQLite's write lock for long.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from kb.extensions import db
from kb.jobs import queue
from kb.jobs.registry import Context, handler
from kb.models import Job, JobData, WebhookAttempt, WebhookDelivery, WebhookEvent
from kb.models.types import utcnow
from kb.sync import horizon

KIND = "maintenance.cleanup"
BATCH = 500
FINISHED_JOBS = ("succeeded", "failed")
log = logging.getLogger(__name__)


@handler(KIND, max_attempts=3)
def run_cleanup(job: Job, ctx: Context) -> dict[str, int]:
    schedule_next()
    db.session.commit()
    return prune(keep=job.id)


def prune(*, keep: int | None = None) -> dict[str, int]:
    """Delete what the retention settings let go; returns how many of each were deleted."""
    config, now = current_app.config, utcnow()
    hooks_before = now - timedelta(days=config["KB_WEBHOOK_LOG_RETENTION_DAYS"])
    jobs_before = now - timedelta(days=config["KB_JOB_RETENTION_DAYS"])
    deliveries = sa.select(WebhookDelivery.id).where(
        WebhookDelivery.status != "pending", WebhookDelivery.finished_at < hooks_before
    )
    events = sa.select(WebhookEvent.id).where(
        WebhookEvent.created_at < hooks_before,
        ~sa.exists().where(WebhookDelivery.event_id == WebhookEvent.id),
    )
    jobs = sa.select(Job.id).where(Job.status.in_(FINISHED_JOBS), Job.finished_at < jobs_before)
    if keep is not None:
        jobs = jobs.where(Job.id != keep)
    counts = {
        # children first: SQLite enforces no ON DELETE CASCADE unless told to
        "deliveries": _batched(deliveries, WebhookDelivery, WebhookAttempt.delivery_id),
        "events": _batched(events, WebhookEvent),
        "jobs": _batched(jobs, Job, JobData.job_id),
        "changes": horizon.prune(config["KB_SYNC_TOMBSTONE_RETENTION_DAYS"]),
    }
    log.info("kb cleanup: deleted %s", ", ".join(f"{n} {what}" for what, n in counts.items()))
    return counts


def _batched(ids: sa.Select[Any], model: Any, *children: Any) -> int:
    """Delete the rows ``ids`` selects (and their rows in ``children``: foreign-key columns), a batch
    per transaction."""
    deleted = 0
    while batch := list(db.session.scalars(ids.limit(BATCH))):
        for column in children:
            db.session.execute(sa.delete(column.class_).where(column.in_(batch)))
        db.session.execute(sa.delete(model).where(model.id.in_(batch)))
        db.session.commit()
        deleted += len(batch)
    return deleted


def schedule_next(now: float | None = None) -> Job | None:
    """The cleanup job of the next interval slot, in the caller's transaction (once, whoever asks)."""
    interval = float(current_app.config["KB_CLEANUP_INTERVAL"])
    if interval <= 0:
        return None  # cleanup off
    slot = math.floor((time.time() if now is None else now) / interval) + 1
    at = datetime.fromtimestamp(slot * interval, UTC)
    key = f"{KIND}:{interval:g}:{slot}"
    try:
        with db.session.begin_nested():  # another worker enqueueing the same slot at once: theirs stands
            return queue.enqueue(KIND, key=key, run_at=at)
    except sa.exc.IntegrityError:
        return None
