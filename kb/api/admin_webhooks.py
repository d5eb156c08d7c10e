"""Admin endpoints for webhooks: receivers, their secrets, their delivery log; logic in kb/webhooks."""

from __future__ import annotations

from typing import Any

from flask import g, url_for
from flask.views import MethodView

from kb.api.auth import protect, requires
from kb.api.base import Blueprint
from kb.api.docs import errors, operation
from kb.api.pagination import page_response
from kb.api.versions import REQUIRED, versioned
from kb.config import ADMIN_PREFIX
from kb.schemas.webhooks import (
    DeliveryArgsSchema,
    DeliveryPageSchema,
    DeliverySchema,
    NewSecretSchema,
    RotateSecretSchema,
    WebhookEndpointInputSchema,
    WebhookEndpointListSchema,
    WebhookEndpointPatchSchema,
    WebhookEndpointSchema,
)
from kb.services.preconditions import IfMatch
from kb.webhooks import endpoints

AUTH_ERRORS = (401, 403)
WRITE_ERRORS = (400, *AUTH_ERRORS, 404, 413, 415, 422)

blp = Blueprint(
    "admin_webhooks",
    __name__,
    url_prefix=f"{ADMIN_PREFIX}/webhooks",
    description="Webhook endpoints (Standard Webhooks), their secrets and delivery log",
)
protect(blp)


@blp.route("")
class Endpoints(MethodView):
    @requires("admin")
    @operation(blp, "listWebhookEndpoints")
    @blp.response(200, WebhookEndpointListSchema)
    @errors(blp, *AUTH_ERRORS)
    def get(self) -> Any:
        """Every endpoint (never its secret)."""
        return {"data": endpoints.list_endpoints()}

    @requires("admin")
    @operation(blp, "createWebhookEndpoint")
    @blp.arguments(WebhookEndpointInputSchema)
    @blp.response(201, NewSecretSchema)
    @errors(blp, *WRITE_ERRORS)
    @versioned(blp)
    def post(self, data: dict[str, Any]) -> Any:
        """Register a receiver; the response holds its signing secret, shown this once."""
        endpoint = endpoints.create(data, actor=g.token.name)
        location = url_for("admin_webhooks.OneEndpoint", endpoint_id=endpoint.public_id)
        return endpoint, 201, {"Location": location}


@blp.route("/<endpoint_id>")
class OneEndpoint(MethodView):
    @requires("admin")
    @operation(blp, "getWebhookEndpoint")
    @blp.response(200, WebhookEndpointSchema)
    @errors(blp, *AUTH_ERRORS, 404)
    @versioned(blp)
    def get(self, endpoint_id: str) -> Any:
        """One endpoint; its ETag is what If-Match takes."""
        return endpoints.get(endpoint_id)

    @requires("admin")
    @operation(blp, "updateWebhookEndpoint")
    @blp.arguments(WebhookEndpointPatchSchema(partial=True))
    @blp.response(200, WebhookEndpointSchema)
    @errors(blp, *WRITE_ERRORS)
    @versioned(blp, if_match=REQUIRED)
    def patch(self, data: dict[str, Any], endpoint_id: str, if_match: IfMatch) -> Any:
        """Change the URL, description, event types, locales, or enable/disable it; requires If-Match."""
        return endpoints.update(endpoint_id, data, if_match, actor=g.token.name)

    @requires("admin")
    @operation(blp, "deleteWebhookEndpoint")
    @blp.response(204)
    @errors(blp, *AUTH_ERRORS, 404)
    @versioned(blp, if_match=REQUIRED)
    def delete(self, endpoint_id: str, if_match: IfMatch) -> None:
        """Delete the endpoint and its delivery log; requires If-Match."""
        endpoints.delete(endpoint_id, if_match, actor=g.token.name)


@blp.route("/<endpoint_id>/rotate-secret")
class RotateSecret(MethodView):
    @requires("admin")
    @operation(blp, "rotateWebhookSecret")
    @blp.arguments(RotateSecretSchema, required=False)
    @blp.response(200, NewSecretSchema)
    @errors(blp, *WRITE_ERRORS)
    @versioned(blp, if_match=REQUIRED)
    def post(self, data: dict[str, Any] | None, endpoint_id: str, if_match: IfMatch) -> Any:
        """A new secret, shown this once; the previous one signs too until previous_secret_expires_at."""
        overlap = (data or {}).get("overlap_seconds")
        return endpoints.rotate(endpoint_id, if_match, overlap, actor=g.token.name)


@blp.route("/<endpoint_id>/test")
class Ping(MethodView):
    @requires("admin")
    @operation(blp, "pingWebhookEndpoint")
    @blp.response(200, DeliverySchema)
    @errors(blp, *AUTH_ERRORS, 404)
    def post(self, endpoint_id: str) -> Any:
        """Send a signed `webhook.ping` event now, once, and answer with its delivery and outcome."""
        return endpoints.ping(endpoint_id, actor=g.token.name)


@blp.route("/<endpoint_id>/deliveries")
class Deliveries(MethodView):
    @requires("admin")
    @operation(blp, "listWebhookDeliveries", paged=True)
    @blp.arguments(DeliveryArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, DeliveryPageSchema)
    @errors(blp, 400, *AUTH_ERRORS, 404)
    def get(self, endpoint_id: str, **args: Any) -> Any:
        """The endpoint's deliveries, newest first, each with its attempts (response code, duration)."""
        return page_response(endpoints.deliveries_page(endpoint_id, **args))


@blp.route("/<endpoint_id>/deliveries/<int:delivery_id>")
class OneDelivery(MethodView):
    @requires("admin")
    @operation(blp, "getWebhookDelivery")
    @blp.response(200, DeliverySchema)
    @errors(blp, *AUTH_ERRORS, 404)
    def get(self, endpoint_id: str, delivery_id: int) -> Any:
        """One delivery and its attempts."""
        return endpoints.get_delivery(endpoint_id, delivery_id)


@blp.route("/<endpoint_id>/deliveries/<int:delivery_id>/redeliver")
class Redeliver(MethodView):
    @requires("admin")
    @operation(blp, "redeliverWebhook")
    @blp.response(202, DeliverySchema)
    @errors(blp, *AUTH_ERRORS, 404, 409)
    def post(self, endpoint_id: str, delivery_id: int) -> Any:
        """Send a settled delivery again (same webhook-id) with a fresh retry schedule; 409 if pending."""
        return endpoints.redeliver(endpoint_id, delivery_id, actor=g.token.name), 202
