"""The HTTP surface: blueprints, CORS, caching and the OpenAPI document."""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

from kb.api import admin, admin_content, apidocs, articles, caching, changes, entries, health, search, tags
from kb.api.base import PROBLEM
from kb.extensions import api

PUBLIC_API = r"^/api/v1/(?!admin(/|$)).*"


def init_app(app: Flask) -> None:
    api.init_app(app)
    for blp in (
        entries.blp,
        articles.blp,
        tags.blp,
        search.blp,
        changes.blp,
        admin_content.entries_blp,
        admin_content.articles_blp,
        admin.blp,
        health.blp,
        apidocs.blp,
    ):
        api.register_blueprint(blp)
    _document_doc_routes(app)
    CORS(
        app,
        resources={PUBLIC_API: {"origins": "*"}},
        methods=["GET", "HEAD", "OPTIONS"],
        supports_credentials=False,
        send_wildcard=True,
        max_age=86400,
        expose_headers=[
            "ETag",
            "Link",
            "Last-Modified",
            "Retry-After",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
        ],
    )
    caching.init_app(app)


def _document_doc_routes(app: Flask) -> None:
    """flask-smorest serves these two itself; list them so the document covers every route."""
    rules = {rule.rule: rule for rule in app.url_map.iter_rules()}
    too_many = {
        "description": "Too many requests; see Retry-After",
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for path, summary, media, schema in (
        ("/api/v1/openapi.json", "This OpenAPI document", "application/json", {"type": "object"}),
        (
            "/api/v1/docs",
            "Human-readable API docs (Swagger UI, works offline)",
            "text/html",
            {"type": "string"},
        ),
    ):
        ok = {"description": summary, "content": {media: {"schema": schema}}}
        api.spec.path(
            rule=rules[path],
            operations={
                "get": {
                    "tags": ["API documentation"],
                    "summary": summary,
                    "responses": {"200": ok, "429": too_many},
                }
            },
        )
