"""Revisions: a full snapshot of an entry's or article's draft at every save."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow


class Revision(db.Model):
    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    object_type: Mapped[str] = mapped_column(sa.String(10))  # entry | article
    object_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    number: Mapped[int] = mapped_column(sa.Integer)  # the draft version this save produced
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    author: Mapped[str] = mapped_column(sa.String(100))
    message: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("object_type", "object_id", "number"),)
