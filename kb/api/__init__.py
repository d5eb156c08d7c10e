"""The HTTP surface: blueprints, CORS, caching and the OpenAPI document."""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

from kb.api import apidocs, articles, caching, entries, health, tags
from kb.extensions import api

PUBLIC_API = r"^/api/v1/(?!admin(/|$)).*"


def init_app(app: Flask) -> None:
    api.init_app(app)
    for module in (entries, articles, tags, health, apidocs):
        api.register_blueprint(module.blp)
    _document_doc_routes(app)
    CORS(app, resources={PUBLIC_API: {"origins": "*"}}, methods=["GET", "HEAD", "OPTIONS"],
         supports_credentials=False, send_wildcard=True, max_age=86400,
         expose_headers=["ETag", "Link", "Last-Modified"])
    caching.init_app(app)


def _document_doc_routes(app: Flask) -> None:
    """flask-smorest serves these two itself; list them so the document covers every route."""
    rules = {rule.rule: rule for rule in app.url_map.iter_rules()}
    api.spec.path(rule=rules["/api/v1/openapi.json"], operations={"get": {
        "tags": ["API documentation"], "summary": "This OpenAPI document",
        "responses": {"200": {"description": "OpenAPI 3.1 document",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    }})
    api.spec.path(rule=rules["/api/v1/docs"], operations={"get": {
        "tags": ["API documentation"], "summary": "Human-readable API docs (Swagger UI, works offline)",
        "responses": {"200": {"description": "HTML page",
                              "content": {"text/html": {"schema": {"type": "string"}}}}},
    }})
