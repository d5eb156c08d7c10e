"""HTTP caching of public GETs, in one place: a strong ETag hashing the body, 304 on a match,
Cache-Control, and Last-Modified where a view gives one. kb.api.docs.not_modified documents it.
A request carrying a preview token (kb.api.previews) gets none of that: ``private, no-store``.

A view never makes an ETag of its own: anything that makes two responses differ (a representation,
a timing) must be in the body, and then in the hash, or in a header (Server-Timing). Files served from
disk (the docs UI's assets) keep the validators werkzeug's send_file gives them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.http import http_date

from kb.config import ADMIN_PREFIX
from kb.previews.tokens import HEADER as PREVIEW_HEADER

PREVIEW_REQUEST = "kb_preview"  # g flags set by kb.api.previews
PREVIEWABLE = "kb_previewable"

UNCACHED_PATHS = ("/healthz", "/readyz")


def init_app(app: Flask) -> None:
    app.after_request(_conditional)


def _conditional(response: Response) -> Response:
    path = request.path
    if path.startswith(ADMIN_PREFIX) or path in UNCACHED_PATHS:
        response.headers["Cache-Control"] = "no-store"
        return response
    if g.get(PREVIEWABLE):
        response.vary.add(PREVIEW_HEADER)
    if g.get(PREVIEW_REQUEST):  # a draft, or an answer to someone holding a preview token: theirs alone
        response.headers["Cache-Control"] = "private, no-store"
        response.headers.pop("Last-Modified", None)  # no validator: never a 304
        return response
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.direct_passthrough:
        return response
    if "Cache-Control" not in response.headers:
        max_age = current_app.config["KB_CACHE_MAX_AGE"]
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.set_etag(etag(response))
    return response.make_conditional(request)


def etag(response: Response) -> str:
    """The strong ETag of this representation: a hash of the exact bytes sent."""
    return hashlib.sha256(response.get_data()).hexdigest()[:32]


def with_last_modified(resource: Any, include: list[str]) -> tuple[Any, dict[str, str]]:
    """A view's result plus ``Last-Modified`` (the resource's ``last_modified``: its last publish, or a
    later one of content it names), unless embeds make that date wrong."""
    published: datetime | None = (
        resource.get("last_modified") if isinstance(resource, dict) else resource.last_modified
    )
    if include or published is None:
        return resource, {}
    return resource, {"Last-Modified": http_date(published)}
