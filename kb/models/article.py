"""Articles: ordered sections of Markdown that reference entries; draft and live copies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.entry import STATUSES
from kb.models.procedure import LiveArticleProcedure
from kb.models.types import Publishable, UTCDateTime, utcnow


class ArticleContent:
    """The editable content of an article. ``sections``: ``[{heading, body, entries: [slug]}]``."""

    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(1000), default="")
    locale: Mapped[str] = mapped_column(sa.String(16), default="en", index=True)
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    sections: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    procedures: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # slugs (kb.models.procedure)

    CONTENT_FIELDS = ("title", "summary", "locale", "tags", "procedures", "sources", "sections")

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.CONTENT_FIELDS}


class Article(ArticleContent, Publishable, db.Model):
    """An article's identity, status and working draft."""

    __tablename__ = "articles"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    live: Mapped[LiveArticle | None] = relationship(
        back_populates="article", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (sa.CheckConstraint(f"status IN {STATUSES}", name="status"),)
    # Optimistic locking: every UPDATE says "WHERE version = <the version read>", so of two concurrent
    # saves of the same version exactly one wins; we set the new version ourselves.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class LiveArticle(ArticleContent, db.Model):
    """The published copy of an article; each section also carries its sanitized ``body_html``."""

    __tablename__ = "live_articles"

    article_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)

    article: Mapped[Article] = relationship(back_populates="live")
    procedure_rows: Mapped[list[LiveArticleProcedure]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def id(self) -> uuid.UUID:
        return self.article_id

    @property
    def status(self) -> str:
        return "published"
