"""The public changes feed apps sync from: written with each publish, unpublish and delete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from kb.extensions import db
from kb.models import Change, ChangeProcedure
from kb.services import generation
from kb.sync import horizon

FEED_LOCK = 0x6B62_6665  # any constant: the advisory lock id serialising feed writers on PostgreSQL


def record(
    slug: str, kind: str, change: str, version: int, *, locale: str, procedures: Iterable[str] = ()
) -> None:
    """Append to the feed in the caller's transaction, with the procedures the object applies to
    (or applied to until this change), so ``procedure=`` filters the feed.

    On PostgreSQL, writers take a transaction-scoped advisory lock first, so rows commit in cursor
    order and a reader never sees cursor n+1 before n (SQLite has a single writer anyway). Public
    content changed: the content generation moves in the same transaction.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(FEED_LOCK)))
    generation.bump()
    row = Change(slug=slug, kind=kind, change=change, version=version, locale=locale)
    db.session.add(row)
    if procedures := list(dict.fromkeys(procedures)):
        db.session.flush()  # gives the row its id (the cursor)
        db.session.add_all(ChangeProcedure(change_id=row.id, procedure=name) for name in procedures)


def of_procedure(procedure: str | None) -> Any:
    """SQL: the feed rows about objects of ``procedure`` (every row without one)."""
    if procedure is None:
        return sa.true()
    tagged = sa.select(ChangeProcedure.change_id).where(ChangeProcedure.procedure == procedure)
    return Change.id.in_(tagged)


def feed(
    *, since: str | None, limit: int, chain: Sequence[str], procedure: str | None = None
) -> dict[str, Any]:
    """Changes in the locales of ``chain`` after cursor ``since`` (all of them without one), oldest
    first, and the next cursor; 410 when changes after ``since`` were pruned."""
    after = int(since) if since else 0  # the schema admits only digit strings
    query = sa.select(Change).where(
        Change.id > after, Change.locale.in_(list(chain)), of_procedure(procedure)
    )
    rows = list(db.session.scalars(query.order_by(Change.id).limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = str(rows[-1].id) if rows else str(after)
    if since:
        horizon.require_complete(after, "since cursor")  # after reading: pruning moves it first
    return {"data": rows, "next_cursor": next_cursor, "has_more": has_more}
