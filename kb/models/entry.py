"""Entries: the working draft (``Entry``) and the live published copy (``LiveEntry``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.procedure import LiveEntryProcedure
from kb.models.types import Publishable, UTCDateTime, utcnow

KINDS = ("complication", "technique", "aftercare")
STATUSES = ("draft", "published", "archived")


class EntryContent:
    """The editable content of an entry, shared by the draft and the live copy."""

    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(1000), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    locale: Mapped[str] = mapped_column(sa.String(16), default="en", index=True)
    related: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    procedures: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # slugs (kb.models.procedure)
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    last_reviewed: Mapped[date | None] = mapped_column(sa.Date)
    next_review_due: Mapped[date | None] = mapped_column(sa.Date, index=True)
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(200))

    CONTENT_FIELDS = (
        "title",
        "summary",
        "body",
        "tags",
        "locale",
        "related",
        "procedures",
        "details",
        "sources",
        "last_reviewed",
        "next_review_due",
        "reviewed_by",
    )

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}


class Entry(EntryContent, Publishable, db.Model):
    """An entry's identity, status and working draft; what editors edit."""

    __tablename__ = "entries"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    live: Mapped[LiveEntry | None] = relationship(
        back_populates="entry", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        sa.CheckConstraint(f"kind IN {KINDS}", name="kind"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="status"),
    )
    # Optimistic locking: every UPDATE says "WHERE version = <the version read>", so of two concurrent
    # saves of the same version exactly one wins; we set the new version ourselves.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class LiveEntry(EntryContent, db.Model):
    """The published copy of an entry: the only thing public endpoints and public search read."""

    __tablename__ = "live_entries"

    entry_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    title: Mapped[str] = mapped_column(sa.String(200), index=True)
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    entry: Mapped[Entry] = relationship(back_populates="live")
    tag_rows: Mapped[list[LiveEntryTag]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    procedure_rows: Mapped[list[LiveEntryProcedure]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def id(self) -> uuid.UUID:
        return self.entry_id

    @property
    def status(self) -> str:
        return "published"


class LiveEntryTag(db.Model):
    """One tag of a live entry, so tag filters and counts are plain indexed SQL."""

    __tablename__ = "live_entry_tags"

    entry_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("live_entries.entry_id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(sa.String(64), primary_key=True, index=True)
