"""The public changes feed: one row per publish, unpublish or delete, in commit order."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow


class Change(db.Model):
    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )  # the cursor
    slug: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(20))  # entry kinds, or "article"
    change: Mapped[str] = mapped_column(sa.String(10))  # upsert | remove
    version: Mapped[int] = mapped_column(sa.Integer)
    locale: Mapped[str] = mapped_column(sa.String(16), default="en", index=True)  # the translation's
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
