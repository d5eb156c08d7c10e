"""Webhooks: endpoints admins register, events of published content, and each endpoint's deliveries."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.types import UTCDateTime, utcnow

DELIVERY_STATUSES = ("pending", "succeeded", "failed")
_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def new_endpoint_id() -> str:
    """A random public id (``whe_`` and 16 URL-safe characters)."""
    return "whe_" + secrets.token_urlsafe(12)


def new_event_id() -> str:
    """The event's id, sent as ``webhook-id`` on every attempt of every delivery of it."""
    return "msg_" + secrets.token_hex(16)


class WebhookEndpoint(db.Model):
    """A receiver: its URL, what it subscribes to, and the secret (and, during a rotation, the previous
    one) its deliveries are signed with. Secrets are stored as they are: signing needs them."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # internal only
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_endpoint_id)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    event_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # empty: every type
    locales: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # empty: every locale
    enabled: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    secret: Mapped[str] = mapped_column(sa.String(100))
    previous_secret: Mapped[str | None] = mapped_column(sa.String(100))
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version}

    @property
    def status(self) -> str:
        return "enabled" if self.enabled else "disabled"

    @property
    def live_version(self) -> None:  # the version ETag (kb.services.preconditions) reads it
        return None

    def subscribes(self, event_type: str, locale: str | None) -> bool:
        return (not self.event_types or event_type in self.event_types) and (
            not self.locales or locale is None or locale in self.locales
        )


class WebhookEvent(db.Model):
    """One event (a publish, unpublish, delete, ping): its type and the exact payload every attempt sends."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(sa.String(40), unique=True, default=new_event_id)
    type: Mapped[str] = mapped_column(sa.String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(db.Model):
    """An event to one endpoint: pending until a 2xx (succeeded) or until its attempts are spent, the
    endpoint answered 410 or was disabled (failed)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(_ID, sa.ForeignKey("webhook_events.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)  # made so far, redeliveries included
    series_start: Mapped[int] = mapped_column(sa.Integer, default=0)  # attempts before this (re)delivery
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_response_code: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[WebhookEvent] = relationship(lazy="joined")
    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="joined")
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        order_by="WebhookAttempt.number", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        sa.CheckConstraint(f"status IN {DELIVERY_STATUSES}", name="status"),
        sa.Index("ix_webhook_deliveries_status", "status", "endpoint_id"),
    )


class WebhookAttempt(db.Model):
    """One HTTP attempt of a delivery: what the receiver answered and how long it took."""

    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[int] = mapped_column(
        _ID, sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # 1, 2, ...
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(sa.Boolean)
    response_code: Mapped[int | None] = mapped_column(sa.Integer)
    duration_ms: Mapped[int] = mapped_column(sa.Integer)
    error: Mapped[str | None] = mapped_column(sa.String(500))
