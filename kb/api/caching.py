"""HTTP caching for every GET: a strong ETag from the body, 304 on a match, Cache-Control."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.http import http_date

from kb.config import ADMIN_PREFIX

UNCACHED_PATHS = ("/healthz", "/readyz")


def init_app(app: Flask) -> None:
    app.after_request(_conditional)


def _conditional(response: Response) -> Response:
    path = request.path
    if path.startswith(ADMIN_PREFIX) or path in UNCACHED_PATHS:
        response.headers["Cache-Control"] = "no-store"
        return response
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.direct_passthrough:
        return response
    if "Cache-Control" not in response.headers:
        max_age = current_app.config["KB_CACHE_MAX_AGE"]
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    if not response.get_etag()[0]:
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    return response.make_conditional(request)


def with_last_modified(resource: Any, include: list[str]) -> tuple[Any, dict[str, str]]:
    """A view's result plus ``Last-Modified`` (its last publish), unless embeds make that date wrong."""
    published: datetime | None = (
        resource.get("published_at") if isinstance(resource, dict) else resource.published_at
    )
    if include or published is None:
        return resource, {}
    return resource, {"Last-Modified": http_date(published)}
