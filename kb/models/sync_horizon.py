"""How far cleanup pruned the changes feed: cursors before that point are no longer complete."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.types import UTCDateTime


class SyncHorizon(db.Model):
    """One row (id 1) once anything was pruned: every change with id <= ``pruned_through`` is gone,
    every later one is kept."""

    __tablename__ = "sync_horizon"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    pruned_through: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
    pruned_at: Mapped[datetime] = mapped_column(UTCDateTime)
