"""What /readyz says of webhooks: endpoints whose receivers are failing."""

from __future__ import annotations

import sqlalchemy as sa

from kb.extensions import db
from kb.models import WebhookDelivery, WebhookEndpoint


def failing_endpoints() -> int:
    """Endpoints with a delivery waiting for a retry after a failed attempt, or disabled by a 410."""
    retrying = sa.select(WebhookDelivery.endpoint_id).where(
        WebhookDelivery.status == "pending", WebhookDelivery.attempts > WebhookDelivery.series_start
    )
    gone = sa.select(WebhookEndpoint.id).where(
        WebhookEndpoint.enabled.is_(False), WebhookEndpoint.disabled_reason.like("%410%")
    )
    ids = sa.union(retrying, gone).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ids)) or 0
