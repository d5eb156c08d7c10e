"""Scheduled actions: publish or unpublish an entry or article (or one of its translations) at a given
time, run once by a worker."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow

SCHEDULE_ACTIONS = ("publish", "unpublish")
SCHEDULE_STATUSES = ("scheduled", "cancelled", "succeeded", "failed")


def new_schedule_id() -> str:
    return "sch_" + secrets.token_urlsafe(12)


class ScheduledAction(db.Model):
    """One action on one object (its ``locale`` translation, or the source when None) at ``at``;
    ``draft_version`` is the draft (of the source or the translation) a publish was scheduled for."""

    __tablename__ = "scheduled_actions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # internal only
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_schedule_id)
    object_type: Mapped[str] = mapped_column(sa.String(20))  # entry | article
    object_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    slug: Mapped[str] = mapped_column(sa.String(120))
    locale: Mapped[str | None] = mapped_column(sa.String(16))  # a translation's; None: the source
    action: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    draft_version: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(20), default="scheduled")
    error: Mapped[str | None] = mapped_column(sa.String(500))
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(f"action IN {SCHEDULE_ACTIONS}", name="action"),
        sa.CheckConstraint(f"status IN {SCHEDULE_STATUSES}", name="status"),
    )

    @property
    def live_version(self) -> None:  # the version ETag (kb.services.preconditions) reads it
        return None
