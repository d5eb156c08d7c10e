"""Procedures (microneedling, chemical peels, fillers...) and which published content applies to them.

A procedure is a published resource managed by seed/procedures and the admin API (no drafts: a write is
live at once). Its text is in its source ``locale`` and, per other locale, in ``translations``
(``{locale: {title, summary}}``), served along a locale chain like entries. Entries and articles name
the procedures they apply to in their ``procedures`` field; publishing copies the names to link rows
(like tags), and every changes-feed row records the procedures of the object it is about, so lists
and the feed filter by procedure with plain indexed SQL.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow


class Procedure(db.Model):
    """A procedure an app can show, evaluate warning signs for and build an aftercare timeline of."""

    __tablename__ = "procedures"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(1000), default="")
    locale: Mapped[str] = mapped_column(sa.String(16), default="en")
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(sa.JSON, default=dict)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    CONTENT_FIELDS = ("title", "summary", "locale", "translations")
    # Optimistic locking as for entries: of two concurrent writes of one version exactly one wins (412).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    # A procedure is live as soon as it is written; the version ETag (kb.services.preconditions) reads:
    status = "published"

    @property
    def live_version(self) -> int:
        return self.version


class LiveEntryProcedure(db.Model):
    """One procedure a live entry applies to."""

    __tablename__ = "live_entry_procedures"

    entry_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("live_entries.entry_id", ondelete="CASCADE"), primary_key=True
    )
    procedure: Mapped[str] = mapped_column(sa.String(120), primary_key=True, index=True)


class LiveArticleProcedure(db.Model):
    """One procedure a live article applies to."""

    __tablename__ = "live_article_procedures"

    article_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("live_articles.article_id", ondelete="CASCADE"), primary_key=True
    )
    procedure: Mapped[str] = mapped_column(sa.String(120), primary_key=True, index=True)


class ChangeProcedure(db.Model):
    """One procedure of the object a changes-feed row is about."""

    __tablename__ = "change_procedures"

    change_id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        sa.ForeignKey("changes.id", ondelete="CASCADE"),
        primary_key=True,
    )
    procedure: Mapped[str] = mapped_column(sa.String(120), primary_key=True, index=True)
