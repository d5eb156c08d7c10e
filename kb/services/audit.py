"""Recording who did what, to which object, when and from where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request

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
