"""Translations: the text of an entry or article in one more locale, with its own draft and live copy.

The entry or article itself (``entries`` / ``articles``) is the identity, holds the clinical structure
and is the source translation in its own ``locale``; a ``Translation`` holds only text, aligned by
position with the source's structure, so two languages can never disagree on a number.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.entry import STATUSES
from kb.models.types import Publishable, UTCDateTime, utcnow

OBJECT_TYPES = ("entry", "article")


class TranslationContent:
    """The translated text and its review metadata, shared by the draft and the live copy.

    ``text`` holds ``title``, ``summary`` and, for entries, ``body`` and the text of ``details``; for
    articles ``sections: [{heading, body}]``. ``title`` is also a column, to sort by.
    """

    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    source_version: Mapped[int] = mapped_column(sa.Integer)  # the source's version it translates
    last_reviewed: Mapped[date | None] = mapped_column(sa.Date)
    next_review_due: Mapped[date | None] = mapped_column(sa.Date, index=True)
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(200))

    CONTENT_FIELDS = ("text", "source_version", "last_reviewed", "next_review_due", "reviewed_by")


class Translation(TranslationContent, Publishable, db.Model):
    """One locale's working draft of an entry's or article's text."""

    __tablename__ = "translations"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    object_type: Mapped[str] = mapped_column(sa.String(10))
    object_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    slug: Mapped[str] = mapped_column(sa.String(120), index=True)
    locale: Mapped[str] = mapped_column(sa.String(16), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    live: Mapped[LiveTranslation | None] = relationship(
        back_populates="translation", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        sa.UniqueConstraint("object_type", "object_id", "locale"),
        sa.CheckConstraint(f"object_type IN {OBJECT_TYPES}", name="object_type"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="status"),
    )
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class LiveTranslation(TranslationContent, db.Model):
    """The published copy of a translation; ``text`` also carries the rendered, sanitized HTML."""

    __tablename__ = "live_translations"

    translation_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("translations.id", ondelete="CASCADE"), primary_key=True
    )
    object_type: Mapped[str] = mapped_column(sa.String(10))
    object_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    slug: Mapped[str] = mapped_column(sa.String(120))
    locale: Mapped[str] = mapped_column(sa.String(16), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)

    translation: Mapped[Translation] = relationship(back_populates="live")

    __table_args__ = (sa.UniqueConstraint("object_type", "object_id", "locale"),)
