"""Shapes of the webhook admin API: endpoints (the secret shown once), rotation, the delivery log."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from kb.models.webhook import DELIVERY_STATUSES
from kb.schemas.common import LOCALE_ERROR, LOCALE_PATTERN, PageArgsSchema, envelope
from kb.schemas.fields import WholeNumber, choice
from kb.schemas.validators import FullMatch
from kb.webhooks.events import EVENT_TYPES, PING


class WebhookEndpointInputSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    url = fields.String(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={
            "description": "http or https; public addresses only (a host that is or resolves to a "
            "loopback, private, link-local or reserved address is a 422, unless the server sets "
            "KB_WEBHOOK_ALLOW_PRIVATE); redirects are not followed"
        },
    )
    description = fields.String(validate=validate.Length(0, 500))
    event_types = fields.List(
        choice("WebhookEventType", EVENT_TYPES),
        validate=validate.Length(0, len(EVENT_TYPES)),
        metadata={"description": "Events delivered; empty or absent: all of them"},
    )
    locales = fields.List(
        fields.String(validate=FullMatch(LOCALE_PATTERN, error=LOCALE_ERROR)),
        validate=validate.Length(0, 50),
        metadata={"description": "Only events of content in these locales; empty or absent: every locale"},
    )
    enabled = fields.Boolean(
        truthy={True}, falsy={False}, metadata={"description": "false: no delivery is made (default true)"}
    )


class WebhookEndpointPatchSchema(WebhookEndpointInputSchema):
    """Any of the fields; the others keep their values."""


class WebhookEndpointSchema(ma.Schema):
    id = fields.String(attribute="public_id", required=True, metadata={"description": "Public id (whe_...)"})
    url = fields.String(required=True)
    description = fields.String(required=True)
    event_types = fields.List(choice("WebhookEventType", EVENT_TYPES), required=True)
    locales = fields.List(fields.String(), required=True)
    enabled = fields.Boolean(required=True)
    disabled_reason = fields.String(
        allow_none=True, required=True, metadata={"description": "Why it is disabled (a 410, an admin)"}
    )
    previous_secret_expires_at = fields.AwareDateTime(
        attribute="previous_secret_until",
        allow_none=True,
        required=True,
        metadata={"description": "Until then deliveries are signed with the previous secret too"},
    )
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class NewSecretSchema(WebhookEndpointSchema):
    secret = fields.String(
        attribute="new_secret",
        required=True,
        metadata={"description": "The signing secret (whsec_...); shown this once only"},
    )


class WebhookEndpointListSchema(ma.Schema):
    data = fields.List(fields.Nested(WebhookEndpointSchema), required=True)


class RotateSecretSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    overlap_seconds = WholeNumber(
        validate=validate.Range(0, 7 * 86400),
        metadata={"description": "How long the previous secret still signs (default 86400); 0: not at all"},
    )


class AttemptSchema(ma.Schema):
    number = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    ok = fields.Boolean(required=True, metadata={"description": "The receiver answered 2xx"})
    response_code = fields.Integer(
        allow_none=True, required=True, metadata={"description": "null: no answer"}
    )
    duration_ms = fields.Integer(required=True)
    error = fields.String(allow_none=True, required=True)


class DeliverySchema(ma.Schema):
    id = fields.Integer(required=True)
    event_id = fields.String(
        attribute="event.public_id", required=True, metadata={"description": "Sent as webhook-id"}
    )
    event_type = fields.String(
        attribute="event.type", required=True, validate=validate.OneOf([*EVENT_TYPES, PING])
    )
    payload = fields.Dict(attribute="event.payload", required=True, metadata={"description": "The body sent"})
    status = choice("WebhookDeliveryStatus", DELIVERY_STATUSES, required=True)
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.AwareDateTime(allow_none=True, required=True)
    last_response_code = fields.Integer(allow_none=True, required=True)
    last_error = fields.String(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)
    finished_at = fields.AwareDateTime(allow_none=True, required=True)
    attempt_log = fields.List(fields.Nested(AttemptSchema), required=True, data_key="attempt_log")


DeliveryPageSchema = envelope(DeliverySchema, "WebhookDeliveryPage")


class DeliveryArgsSchema(PageArgsSchema):
    status = choice("WebhookDeliveryStatus", DELIVERY_STATUSES)
