"""Liveness and readiness checks."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kb.extensions import db


def readiness() -> dict[str, Any]:
    """Check each dependency; ``ok`` is true only when every check passes."""
    checks: dict[str, Any] = {"database": _database()}
    return {"ok": all(check["ok"] for check in checks.values()), "checks": checks}


def _database() -> dict[str, Any]:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return {"ok": True, "backend": db.engine.dialect.name}
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return {"ok": False, "backend": db.engine.dialect.name, "detail": type(exc).__name__}
