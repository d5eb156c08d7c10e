"""Recording who did what, to which object, when and from where."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request

from kb import ratelimit
from kb.extensions import db
from kb.models import AuditEvent
from kb.services.pages import Page, paginate


def record(
    action: str,
    *,
    object_type: str | None = None,
    object_key: str | None = None,
    status: int | None = None,
    actor: str | None = None,
    **detail: Any,
) -> None:
    """Add an audit event to the caller's transaction (it commits or rolls back with the change)."""
    event = AuditEvent(
        action=action,
        object_type=object_type,
        object_key=object_key,
        status=status,
        actor=actor or current_actor(),
        detail=detail,
    )
    if has_request_context():
        event.remote_addr = request.remote_addr
        event.method = request.method
        event.path = request.path[:300]
    db.session.add(event)


def record_now(action: str, **kwargs: Any) -> None:
    """Record and commit at once, whatever happens to the request (failed authentication)."""
    db.session.rollback()
    record(action, **kwargs)
    db.session.commit()


class _Suppressed:
    """Failed authentications this process did not write since its last written one."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def add(self) -> None:
        with self.lock:
            self.count += 1

    def take(self) -> int:
        with self.lock:
            count, self.count = self.count, 0
        return count


def record_failed_authentication(action: str, **detail: Any) -> None:
    """Record a failed authentication at once, within ``KB_AUDIT_AUTH_FAILURES`` for all addresses:
    beyond it nothing is written, and the next event written says how many were left out
    (``detail.suppressed``, counted per process), so failures cannot flood the database."""
    suppressed: _Suppressed = current_app.extensions.setdefault("kb_audit_suppressed", _Suppressed())
    if not ratelimit.audit_write_allowed():
        suppressed.add()
        return
    if skipped := suppressed.take():
        detail["suppressed"] = skipped
    record_now(action, **detail)


def current_actor() -> str | None:
    token = g.get("token") if has_request_context() else None
    return token.name if token is not None else None


def query(
    *,
    page: int,
    per_page: int,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page:
    stmt = sa.select(AuditEvent)
    if actor:
        stmt = stmt.where(AuditEvent.actor == actor)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    return paginate(stmt.order_by(AuditEvent.id.desc()), page=page, per_page=per_page)
