"""Endpoints admins register: create (the secret shown once), list, change, disable, delete, rotate
the secret (the previous one keeps signing during an overlap), the delivery log, redeliver, ping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from kb.errors import ConflictError, NotFoundError, ValidationFailed
from kb.extensions import db
from kb.models import WebhookDelivery, WebhookEndpoint
from kb.models.types import utcnow
from kb.services.pages import Page, paginate
from kb.services.preconditions import IfMatch
from kb.services.unit_of_work import unit_of_work
from kb.webhooks import delivery as deliveries
from kb.webhooks import events, signing, ssrf

FIELDS = ("url", "description", "event_types", "locales", "enabled")


def _check(data: dict[str, Any]) -> None:
    if "url" in data:
        try:
            ssrf.check_url(data["url"], allow_private=current_app.config["KB_WEBHOOK_ALLOW_PRIVATE"])
        except ssrf.Refused as exc:
            raise ValidationFailed("The URL may not receive webhooks.", errors={"url": [str(exc)]}) from exc


def create(data: dict[str, Any], *, actor: str) -> WebhookEndpoint:
    """A new endpoint; ``endpoint.new_secret`` (transient) holds its secret, shown this once."""
    _check(data)
    secret = signing.new_secret()
    with unit_of_work("webhook.create", object_type="webhook", status=201, actor=actor) as work:
        now = utcnow()
        endpoint = WebhookEndpoint(
            url=data["url"],
            description=data.get("description", ""),
            event_types=sorted(set(data.get("event_types", []))),
            locales=sorted(set(data.get("locales", []))),
            enabled=data.get("enabled", True),
            secret=secret,
            created_at=now,
            updated_at=now,
        )
        db.session.add(endpoint)
        db.session.flush()
        work.object_key = endpoint.public_id
    endpoint.new_secret = secret
    return endpoint


def list_endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def get(public_id: str) -> WebhookEndpoint:
    endpoint = db.session.scalar(sa.select(WebhookEndpoint).where(WebhookEndpoint.public_id == public_id))
    if endpoint is None:
        raise NotFoundError(f"No webhook endpoint {public_id!r}; GET /api/v1/admin/webhooks lists them.")
    return endpoint


def update(public_id: str, data: dict[str, Any], if_match: IfMatch, *, actor: str) -> WebhookEndpoint:
    """Change the given fields; enabling an endpoint clears why it was disabled."""
    _check(data)
    with unit_of_work("webhook.update", object_type="webhook", object_key=public_id, status=200, actor=actor):
        endpoint = get(public_id)
        if_match.check(endpoint)
        for name in FIELDS:
            if name in data:
                value = data[name]
                setattr(endpoint, name, sorted(set(value)) if name in ("event_types", "locales") else value)
        if data.get("enabled"):
            endpoint.disabled_reason = None
        elif data.get("enabled") is False and endpoint.disabled_reason is None:
            endpoint.disabled_reason = f"Disabled by {actor}."
        endpoint.updated_at = utcnow()
    return endpoint


def delete(public_id: str, if_match: IfMatch, *, actor: str) -> None:
    """Delete the endpoint and its delivery log (its pending deliveries are not made)."""
    with unit_of_work("webhook.delete", object_type="webhook", object_key=public_id, status=204, actor=actor):
        endpoint = get(public_id)
        if_match.check(endpoint)
        db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
        db.session.delete(endpoint)


def rotate(public_id: str, if_match: IfMatch, overlap: float | None, *, actor: str) -> WebhookEndpoint:
    """A new secret (``endpoint.new_secret``, shown once); the previous one still signs for ``overlap``
    seconds (KB_WEBHOOK_SECRET_OVERLAP by default), so receivers can switch without missing one."""
    overlap = current_app.config["KB_WEBHOOK_SECRET_OVERLAP"] if overlap is None else overlap
    secret = signing.new_secret()
    with unit_of_work("webhook.rotate", object_type="webhook", object_key=public_id, status=200, actor=actor):
        endpoint = get(public_id)
        if_match.check(endpoint)
        now = utcnow()
        endpoint.previous_secret = endpoint.secret if overlap > 0 else None
        endpoint.previous_secret_until = now + timedelta(seconds=overlap) if overlap > 0 else None
        endpoint.secret = secret
        endpoint.updated_at = now
    endpoint.new_secret = secret
    return endpoint


def deliveries_page(public_id: str, *, page: int, per_page: int, status: str | None = None) -> Page:
    """The endpoint's deliveries, newest first, each with its attempts."""
    endpoint = get(public_id)
    query = sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    return paginate(query.order_by(WebhookDelivery.id.desc()), page=page, per_page=per_page)


def get_delivery(public_id: str, delivery_id: int) -> WebhookDelivery:
    endpoint = get(public_id)
    found = db.session.get(WebhookDelivery, delivery_id)
    if found is None or found.endpoint_id != endpoint.id:
        raise NotFoundError(f"Endpoint {public_id!r} has no delivery {delivery_id}.")
    return found


def redeliver(public_id: str, delivery_id: int, *, actor: str) -> WebhookDelivery:
    """Send a settled delivery again (same event, same ``webhook-id``), with a fresh retry schedule."""
    with unit_of_work(
        "webhook.redeliver",
        object_type="webhook",
        object_key=public_id,
        status=202,
        actor=actor,
        delivery=delivery_id,
    ):
        found = get_delivery(public_id, delivery_id)
        if not found.endpoint.enabled:
            raise ConflictError("The endpoint is disabled: enable it (PATCH enabled=true) first.")
        if found.status == "pending":
            raise ConflictError("The delivery is still pending: its next attempt is scheduled.")
        found.status, found.finished_at, found.series_start = "pending", None, found.attempts
        events.schedule(found, utcnow())
    return found


def ping(public_id: str, *, actor: str) -> WebhookDelivery:
    """Send a ``webhook.ping`` event now, once (no retries), even to a disabled endpoint, and return
    its delivery with the outcome. No transaction is open while the receiver answers."""
    with unit_of_work("webhook.ping", object_type="webhook", object_key=public_id, status=200, actor=actor):
        endpoint = get(public_id)
        event = events.new_event(events.PING, {"endpoint": endpoint.public_id, "message": "kb test ping"})
        prepared = deliveries.attempt_of(events.deliver(endpoint, event, enqueue=False))
    deliveries.record(prepared, deliveries.send(prepared), retry=False)
    return get_delivery(public_id, prepared.delivery_id)
