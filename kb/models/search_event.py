"""Search analytics: counts of searches and clicks per day, locale and normalised query; nothing personal.

Rows are append-only batches (a worker flushes what it counted in memory); readers sum them. No row holds
an address, a token, a user agent or raw text: only the normalised query, its locale and the day.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db

QUERY_MAX_CHARS = 200
QUERY_ID_CHARS = 16


class SearchQueryCount(db.Model):
    """``searches`` searches for one query on one day (``no_results`` of them found nothing)."""

    __tablename__ = "search_query_counts"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    day: Mapped[date] = mapped_column(sa.Date, index=True)
    locale: Mapped[str] = mapped_column(sa.String(16))
    query_id: Mapped[str] = mapped_column(sa.String(QUERY_ID_CHARS), index=True)
    query: Mapped[str] = mapped_column(sa.String(QUERY_MAX_CHARS))
    searches: Mapped[int] = mapped_column(sa.Integer)
    no_results: Mapped[int] = mapped_column(sa.Integer)


class SearchClick(db.Model):
    """``clicks`` clicks on day ``day`` on the hit ``slug`` shown at ``position`` (1-based) for a query."""

    __tablename__ = "search_clicks"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    day: Mapped[date] = mapped_column(sa.Date, index=True)
    query_id: Mapped[str] = mapped_column(sa.String(QUERY_ID_CHARS), index=True)
    slug: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(sa.Integer)
    clicks: Mapped[int] = mapped_column(sa.Integer, default=1)
