"""The HTTP surface: blueprints, CORS, caching and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_cors import CORS

from kb.api import (
    admin,
    admin_content,
    admin_previews,
    admin_procedures,
    admin_schedules,
    admin_translations,
    admin_webhooks,
    analytics,
    apidocs,
    articles,
    caching,
    changes,
    compression,
    entries,
    health,
    intake,
    localization,
    procedures,
    search,
    search_multi,  # noqa: F401 - adds the InstantSearch routes to search.blp
    security,
    sync,
    tags,
    widget,
)
from kb.api.base import PROBLEM
from kb.api.openapi import register_components
from kb.config import ADMIN_PREFIX
from kb.extensions import api

PUBLIC_API = r"^/api/v1/(?!admin(/|$)).*"
ADMIN_API = rf"^{ADMIN_PREFIX}(/.*)?$"
EXPOSED_HEADERS = [
    "ETag",
    "Content-Language",
    "Link",
    "Last-Modified",
    "Retry-After",
    "Server-Timing",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
]
# widgets POST these from any page; apps POST the warning-sign check
PUBLIC_POSTS = r"^/api/v1/(search/(multi|multi/facet-values|events)|procedures/[^/]+/check)$"


def init_app(app: Flask) -> None:
    intake.init_app(app)  # before any route is added: it installs the <int:> converter
    api.init_app(app)
    localization.document(api, app)
    for blp in (
        entries.blp,
        articles.blp,
        tags.blp,
        procedures.blp,
        search.blp,
        changes.blp,
        sync.blp,
        admin_content.entries_blp,
        admin_content.articles_blp,
        admin_translations.entry_translations_blp,
        admin_translations.article_translations_blp,
        admin_translations.todo_blp,
        admin_procedures.blp,
        admin.blp,
        admin_webhooks.blp,
        admin_schedules.blp,
        admin_previews.blp,
        analytics.blp,
        health.blp,
    ):
        api.register_blueprint(blp)
    app.register_blueprint(apidocs.blp)  # served, not documented: see _document_openapi_route
    app.register_blueprint(widget.blp)  # static files and a demo page for people: not in the document
    register_components(api.spec)
    _document_openapi_route(app)
    CORS(app, resources=_cors_resources(app.config["KB_ADMIN_CORS_ORIGINS"]), max_age=86400)
    caching.init_finish(app)  # after_request runs after compression's, before CORS's
    compression.init_app(app)  # before caching: its after_request must run after caching's
    caching.init_app(app)
    security.init_app(app)
    localization.init_app(app)


def _cors_resources(admin_origins: list[str]) -> dict[str, dict[str, Any]]:
    """Public reads from any origin, without credentials; the admin API only from the editor tools'
    origins (KB_ADMIN_CORS_ORIGINS), and from none when it is empty. Preflights (OPTIONS) are answered
    here and never authenticated (kb.api.auth lets them through)."""
    resources: dict[str, dict[str, Any]] = {
        PUBLIC_POSTS: {
            "origins": "*",
            "methods": ["POST", "OPTIONS"],
            "send_wildcard": True,
            "supports_credentials": False,
            "expose_headers": EXPOSED_HEADERS,
        },
        PUBLIC_API: {
            "origins": "*",
            "methods": ["GET", "HEAD", "OPTIONS"],
            "send_wildcard": True,
            "supports_credentials": False,
            "expose_headers": EXPOSED_HEADERS,
        },
    }
    if admin_origins:
        resources[ADMIN_API] = {
            "origins": admin_origins,
            "methods": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            "allow_headers": ["Authorization", "Content-Type", "If-Match", "If-None-Match"],
            "expose_headers": [*EXPOSED_HEADERS, "Location"],
            "supports_credentials": False,  # a bearer token, never cookies
            "vary_header": True,
        }
    return resources


def _document_openapi_route(app: Flask) -> None:
    """flask-smorest serves the document itself; list it as an operation. The docs UI (``/api/v1/docs``
    and its assets) is for people, not an operation of the API: it stays out of the document."""
    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/api/v1/openapi.json")
    too_many = {
        "description": "Too many requests; see Retry-After",
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    not_modified = {"description": "Not modified: your copy is current (no body)"}
    not_modified["headers"] = {"ETag": "ETag"}
    api.spec.tag({"name": "API documentation", "description": "This document, for client generators"})
    summary = "This OpenAPI document"
    ok = {
        "description": summary,
        "content": {"application/json": {"schema": {"type": "object"}}},
        "headers": {"ETag": "ETag"},
    }
    api.spec.path(
        rule=rule,
        operations={
            "get": {
                "tags": ["API documentation"],
                "summary": summary,
                "operationId": "getOpenApiDocument",
                "parameters": ["IfNoneMatch"],
                "responses": {"200": ok, "304": not_modified, "429": too_many},
            }
        },
    )
