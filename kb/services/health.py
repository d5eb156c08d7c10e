"""Liveness and readiness checks."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kb import ratelimit
from kb.extensions import db
from kb.services import indexing


def readiness() -> dict[str, Any]:
    """Check each dependency; ``ok`` is true only when every check passes."""
    checks: dict[str, Any] = {"database": _database()}
    checks["search"] = _search() if checks["database"]["ok"] else {"ok": False, "detail": "database down"}
    checks["ratelimit"] = ratelimit.health()  # always ok: without its storage the limiter counts in memory
    return {"ok": all(check["ok"] for check in checks.values()), "checks": checks}


def _database() -> dict[str, Any]:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return {"ok": True, "backend": db.engine.dialect.name}
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return {"ok": False, "backend": db.engine.dialect.name, "detail": type(exc).__name__}


def _search() -> dict[str, Any]:
    try:
        return indexing.health()
    except Exception as exc:  # a broken index must show here, not crash the probe
        return {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
