"""Background jobs: a row per unit of work, claimed by one worker at a time under a lease."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow

JOB_STATUSES = ("queued", "running", "succeeded", "failed")
_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class Job(db.Model):
    """One job of a kind (its handler in kb/jobs), its payload, and what became of it."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)  # enqueueing twice is one job
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # not before
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(sa.Integer, default=5)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(sa.String(200))
    progress: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)  # {"detail", "errors", "error_count"}
    created_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(f"status IN {JOB_STATUSES}", name="status"),
        sa.Index("ix_jobs_status_run_at", "status", "run_at"),
    )


class JobData(db.Model):
    """A job's input too large for its payload (an import's body), in chunks, in the database: any worker
    on any host can read it; deleted with the job's outcome."""

    __tablename__ = "job_data"

    job_id: Mapped[int] = mapped_column(_ID, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
