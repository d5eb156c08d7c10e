"""The pruned horizon of the changes feed: pruning old rows, and the 410 for a cursor before it.

Pruning deletes by id (every row up to the newest one older than the retention), so the feed always
holds every change after ``pruned_through``: a cursor at or after it is complete, whatever gaps the
id sequence has, and only one before it has lost changes.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from kb.errors import ResyncRequiredError
from kb.extensions import db
from kb.models import Change, SyncHorizon
from kb.models.types import utcnow

BATCH = 500


def pruned_through() -> int:
    """The highest change id pruned (0 when nothing was)."""
    row = db.session.get(SyncHorizon, 1)
    return row.pruned_through if row is not None else 0


def require_complete(at: int, parameter: str) -> None:
    """410 ``resync-required`` when changes after ``at`` were pruned."""
    if at < pruned_through():
        raise ResyncRequiredError(
            f"The {parameter} is older than the changes kept (KB_SYNC_TOMBSTONE_RETENTION_DAYS): "
            "start again with an initial sync (GET /api/v1/sync?locale=...) and replace your copy."
        )


def prune(days: int) -> int:
    """Delete the changes older than ``days`` days, a batch per transaction, and record how far;
    returns how many were deleted."""
    cutoff = db.session.scalar(
        sa.select(sa.func.max(Change.id)).where(Change.at < utcnow() - timedelta(days=days))
    )
    if cutoff is None or cutoff <= pruned_through():
        return 0
    row = db.session.get(SyncHorizon, 1) or SyncHorizon(id=1, pruned_through=0)
    row.pruned_through, row.pruned_at = cutoff, utcnow()
    db.session.add(row)
    db.session.commit()  # the horizon first: a cursor is refused before any of its changes are gone
    deleted = 0
    ids = sa.select(Change.id).where(Change.id <= cutoff).order_by(Change.id).limit(BATCH)
    while batch := list(db.session.scalars(ids)):
        db.session.execute(sa.delete(Change).where(Change.id.in_(batch)))
        db.session.commit()
        deleted += len(batch)
    return deleted
