"""The search outbox: what the index still has to apply, written in the same transaction as the content."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow

OUTBOX_ACTIONS = ("upsert", "remove")


class SearchOutbox(db.Model):
    """One pending index change for an entry; deleted once the index has applied it."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    entry_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    action: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    # written by an import: readiness waits for it however fresh (kb.services.health)
    bulk: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    __table_args__ = (sa.CheckConstraint(f"action IN {OUTBOX_ACTIONS}", name="action"),)
