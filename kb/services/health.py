"""Liveness and readiness checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from kb import database, ratelimit
from kb.extensions import db
from kb.jobs import queue
from kb.models import Job, SearchOutbox
from kb.models.types import utcnow
from kb.services import indexing
from kb.webhooks import health as webhook_health

READY_WITHIN = 1.5  # seconds: /readyz answers within 2 s even when the database stalls
PENDING_GRACE = timedelta(seconds=5)  # an index change this old and still not applied is a problem
PENDING_BACKLOG = 10  # more pending changes than this (a bulk write's) are not ready at once


def readiness() -> dict[str, Any]:
    """Check each dependency; ``ok`` is true only when every check passes."""
    checks: dict[str, Any] = {"database": _database()}
    if checks["database"]["ok"]:
        checks["search"] = _search()
        checks["jobs"] = _jobs()
    else:
        checks["search"] = {"ok": False, "detail": "database down"}
    checks["ratelimit"] = ratelimit.health()  # always ok: without its storage the limiter counts in memory
    return {"ok": all(check["ok"] for check in checks.values()), "checks": checks}


def _database() -> dict[str, Any]:
    try:
        with database.deadline(READY_WITHIN):
            db.session.execute(sa.text("SELECT 1"))
        return {"ok": True, "backend": db.engine.dialect.name}
    except (sa.exc.SQLAlchemyError, database.DatabaseStalled) as exc:
        db.session.rollback()
        return {"ok": False, "backend": db.engine.dialect.name, "detail": type(exc).__name__}


def _search() -> dict[str, Any]:
    """The index is usable, and holds every committed change: no committed import's change pending
    (its rows are marked ``bulk``; a job still indexing), no backlog (a bulk write's), and no other
    change pending past the grace."""
    try:
        with database.deadline(READY_WITHIN):
            state = indexing.health()
            oldest = db.session.scalar(sa.select(sa.func.min(SearchOutbox.created_at)))
            imported = db.session.scalar(
                sa.select(sa.func.count()).select_from(SearchOutbox).where(SearchOutbox.bulk.is_(True))
            )
            importing = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Job)
                .where(Job.kind == "import", Job.result.is_not(None), Job.status.in_(("queued", "running")))
            )
    except Exception as exc:  # a broken index must show here, not crash the probe
        db.session.rollback()
        return {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
    if importing:
        state.update(ok=False, detail=f"{importing} committed import(s) not yet indexed")
    elif imported:
        state.update(ok=False, detail=f"{imported} imported item(s) not yet indexed")
    elif state["pending"] > PENDING_BACKLOG:
        state.update(ok=False, detail=f"{state['pending']} index change(s) pending")
    elif oldest is not None and utcnow() - oldest > PENDING_GRACE:
        since = oldest.isoformat()
        state.update(ok=False, detail=f"{state['pending']} index change(s) pending since {since}")
    return state


def _jobs() -> dict[str, Any]:
    """The queue, and webhook endpoints failing (reported; a receiver's outage never makes us unready)."""
    try:
        with database.deadline(READY_WITHIN):
            return {"ok": True, **queue.summary(), "failing_endpoints": webhook_health.failing_endpoints()}
    except Exception as exc:
        db.session.rollback()
        return {"ok": False, "detail": type(exc).__name__}
