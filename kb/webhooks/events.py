"""Events: written, with a delivery per subscribed endpoint, in the transaction of the change itself.

``emit`` is called from the one place live content changes (kb.services.publishing, beside the
changes feed), so every publishing path emits, and a change that rolls back leaves no event behind.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from kb.extensions import db
from kb.jobs import queue
from kb.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from kb.models.types import utcnow
from kb.models.webhook import new_event_id

OBJECT_TYPES = {"entry": "entries", "article": "articles"}
CHANGES = {"published": "upsert", "unpublished": "remove", "deleted": "remove"}  # -> the feed's change
SCHEDULE_EVENTS = ("schedule.succeeded", "schedule.failed")  # kb.scheduling
EVENT_TYPES = (*(f"{o}.{c}" for o in OBJECT_TYPES for c in CHANGES), *SCHEDULE_EVENTS)
PING = "webhook.ping"
DELIVER = "webhook.deliver"  # the job kind (kb.webhooks.delivery)
_CACHE = "kb.webhooks.enabled"  # Session.info key: (transaction, its enabled endpoints)


def emit(object_type: str, slug: str, kind: str, locale: str | None, version: int, change: str) -> int:
    """Record ``<object_type>.<change>`` (change: published, unpublished, deleted) for each enabled
    endpoint that subscribes to it, in the caller's transaction; returns how many deliveries."""
    data = _data(object_type, slug, kind, locale, version, change)
    return emit_event(f"{object_type}.{change}", data, locale)


Content = tuple[str, str, str, str | None, int, str]  # emit's arguments


def emit_many(changes: list[Content]) -> int:
    """``emit`` for many changes at once (an import's), with one INSERT per table; returns how many
    deliveries."""
    endpoints = _enabled()
    if not endpoints or not changes:
        return 0
    now = utcnow()
    events: list[tuple[dict[str, Any], list[WebhookEndpoint]]] = []
    for object_type, slug, kind, locale, version, change in changes:
        event_type = f"{object_type}.{change}"
        subscribed = [e for e in endpoints if e.subscribes(event_type, locale)]
        if subscribed:
            data = _data(object_type, slug, kind, locale, version, change)
            row = {"public_id": new_event_id(), "type": event_type, "created_at": now}
            events.append(({**row, "payload": _payload(event_type, now, data)}, subscribed))
    if not events:
        return 0
    event_ids = _insert_returning_ids(WebhookEvent, [row for row, _ in events])
    rows = [
        {"endpoint_id": endpoint.id, "event_id": event_id, "status": "pending", "attempts": 0}
        | {"series_start": 0, "next_attempt_at": now, "created_at": now}
        for event_id, (_, subscribed) in zip(event_ids, events, strict=True)
        for endpoint in subscribed
    ]
    delivery_ids = _insert_returning_ids(WebhookDelivery, rows)
    queue.enqueue_many(DELIVER, [({"delivery": d}, f"{DELIVER}:{d}:0") for d in delivery_ids], run_at=now)
    return len(delivery_ids)


def _insert_returning_ids(model: Any, rows: list[dict[str, Any]]) -> list[int]:
    statement = sa.insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(statement, rows))


def _data(
    object_type: str, slug: str, kind: str, locale: str | None, version: int, change: str
) -> dict[str, Any]:
    url = f"{current_app.config['KB_PUBLIC_URL']}/api/v1/{OBJECT_TYPES[object_type]}/{slug}"
    url += f"?locale={locale}" if locale else ""  # the translation the event is about
    data = {"slug": slug, "kind": kind, "locale": locale, "version": version, "change": CHANGES[change]}
    return {**data, "url": url}


def _payload(event_type: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": event_type, "timestamp": _rfc3339(at), "data": data}


def emit_event(event_type: str, data: dict[str, Any], locale: str | None) -> int:
    """Record an event of any type for the enabled endpoints subscribing to it (caller commits)."""
    endpoints = [e for e in _enabled() if e.subscribes(event_type, locale)]
    if not endpoints:
        return 0
    event = new_event(event_type, data)
    for endpoint in endpoints:
        deliver(endpoint, event)
    return len(endpoints)


def new_event(event_type: str, data: dict[str, Any]) -> WebhookEvent:
    now = utcnow()
    event = WebhookEvent(
        type=event_type,
        created_at=now,
        payload=_payload(event_type, now, data),
    )
    db.session.add(event)
    db.session.flush()
    return event


def deliver(endpoint: WebhookEndpoint, event: WebhookEvent, *, enqueue: bool = True) -> WebhookDelivery:
    """A pending delivery of ``event`` to ``endpoint`` and the job of its first attempt."""
    now = utcnow()
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id=event.id,
        status="pending",
        attempts=0,
        series_start=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(delivery)
    db.session.flush()
    if enqueue:
        schedule(delivery, now)
    return delivery


def schedule(delivery: WebhookDelivery, at: datetime) -> None:
    """The job of the delivery's next attempt, in the caller's transaction (once per attempt number)."""
    delivery.next_attempt_at = at
    queue.enqueue(
        DELIVER, {"delivery": delivery.id}, key=f"{DELIVER}:{delivery.id}:{delivery.attempts}", run_at=at
    )


def _enabled() -> list[WebhookEndpoint]:
    """The enabled endpoints, read once per transaction (an import publishing thousands of items
    reads them once)."""
    session = db.session()
    transaction = session.get_transaction()
    cached = session.info.get(_CACHE)
    if cached is not None and cached[0] is transaction:
        return cached[1]
    found = list(session.scalars(sa.select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))))
    session.info[_CACHE] = (transaction, found)
    return found


def _rfc3339(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
