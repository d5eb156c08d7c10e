"""The public changes feed apps sync from: written with each publish, unpublish and delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from kb.extensions import db
from kb.models import Change
from kb.services import generation
from kb.sync import horizon

FEED_LOCK = 0x6B62_6665  # any constant: the advisory lock id serialising feed writers on PostgreSQL


def record(slug: str, kind: str, change: str, version: int, *, locale: str) -> None:
    """Append to the feed in the caller's transaction.

    On PostgreSQL, writers take a transaction-scoped advisory lock first, so rows commit in cursor
    order and a reader never sees cursor n+1 before n (SQLite has a single writer anyway). Public
    content changed: the content generation moves in the same transaction.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(FEED_LOCK)))
    generation.bump()
    db.session.add(Change(slug=slug, kind=kind, change=change, version=version, locale=locale))


def feed(*, since: str | None, limit: int, chain: Sequence[str]) -> dict[str, Any]:
    """Changes in the locales of ``chain`` after cursor ``since`` (all of them without one), oldest
    first, and the next cursor; 410 when changes after ``since`` were pruned."""
    after = int(since) if since else 0  # the schema admits only digit strings
    query = sa.select(Change).where(Change.id > after, Change.locale.in_(list(chain)))
    rows = list(db.session.scalars(query.order_by(Change.id).limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = str(rows[-1].id) if rows else str(after)
    if since:
        horizon.require_complete(after, "since cursor")  # after reading: pruning moves it first
    return {"data": rows, "next_cursor": next_cursor, "has_more": has_more}
