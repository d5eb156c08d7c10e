"""The content generation: one counter that every change of public content moves (kb.services.generation)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db


class ContentGeneration(db.Model):
    """One row (id 1): ``value`` grows by one with each publish, unpublish or delete, in its transaction."""

    __tablename__ = "content_generation"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
