"""The audit log: every admin write and every failed authentication."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(sa.String(100), index=True)  # token name; None if unknown
    action: Mapped[str] = mapped_column(sa.String(40), index=True)  # e.g. entry.update, auth.failed
    object_type: Mapped[str | None] = mapped_column(sa.String(20))
    object_key: Mapped[str | None] = mapped_column(sa.String(120))  # slug, token name, ...
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    method: Mapped[str | None] = mapped_column(sa.String(10))
    path: Mapped[str | None] = mapped_column(sa.String(300))
    status: Mapped[int | None] = mapped_column(sa.Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
