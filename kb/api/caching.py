"""HTTP caching of public GETs, in one place: strong ETags, 304 on a match, Cache-Control, and
Last-Modified where a view gives one. kb.api.docs.not_modified documents it. A request carrying a
preview token (kb.api.previews) gets none of that: ``private, no-store``.

Two kinds of validator:

- A view marked :func:`by_generation` (it shows published content only, as the request asks for it)
  is named by the content generation (kb.services.generation, read in one lookup before anything
  else) and everything of the request that shapes its representation: path, query parameters, the
  locale chain negotiated (``locale=`` or ``Accept-Language``), the host its links may name and the
  code that renders it. The ETag is known
  before the view runs, so a matching If-None-Match is answered 304 from this worker's render cache
  (kb.api.render_cache) without rendering, and a 200 is the cached bytes while the generation stands.
  ``Accept-Encoding`` keys the cache too; the ETag of a compressed body carries flask-compress's
  suffix (kb.api.compression).
- Any other GET: a hash of the body sent.

The ETag of a public answer is thus the same on every worker and instance for the same content and
request, and a publish moves it everywhere at once: the generation is read from the database per
request, never remembered. A view never makes an ETag of its own; a timing goes in a header
(Server-Timing), never in a body. Files served from disk (the docs UI's assets) keep werkzeug's
validators.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.http import http_date

from kb.api.render_cache import RenderCache, Rendered
from kb.config import ADMIN_PREFIX
from kb.errors import KbError
from kb.previews.tokens import HEADER as PREVIEW_HEADER
from kb.services import generation, locales

PREVIEW_REQUEST = "kb_preview"  # g flags set by kb.api.previews
PREVIEWABLE = "kb_previewable"
GENERATIONAL = "_kb_by_generation"  # attribute :func:`by_generation` sets on a view
CACHE = "kb.render_cache"  # app.extensions key

UNCACHED_PATHS = ("/healthz", "/readyz")
ENCODINGS = ("", ":gzip", ":br")  # the suffixes flask-compress gives an ETag
RATE_LIMIT = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After")
PER_CLIENT = frozenset(h.lower() for h in (*RATE_LIMIT, "Server-Timing", "Date", "Set-Cookie"))


def by_generation(*, query_in_body: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a public view whose answer depends only on published content, the locale chain negotiated
    and the request's path, other query parameters and host: it is named by the content generation,
    and answered from the render cache when this worker has it (after the request hooks: rate limits
    still count). ``query_in_body``: the body echoes the query as sent (a list's links), ``locale=``
    included, so that is part of its name too."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def view(*args: Any, **kwargs: Any) -> Any:
            cached = _answer_from_cache(query_in_body)
            return cached if cached is not None else func(*args, **kwargs)

        setattr(view, GENERATIONAL, True)
        return view

    return decorate


def init_app(app: Flask) -> None:
    """The validators and the cache answer (call after compression.init_app: runs before it)."""
    app.extensions[CACHE] = RenderCache(app.config["KB_RENDER_CACHE_BYTES"])
    app.after_request(_conditional)


def init_finish(app: Flask) -> None:
    """Store and evaluate the final representation (call before compression.init_app: runs after it,
    before CORS adds the headers of the asking origin)."""
    app.after_request(_finish)


def render_cache(app: Flask | None = None) -> RenderCache:
    return (app or current_app).extensions[CACHE]


def _answer_from_cache(query_in_body: bool) -> Response | None:
    """The validator of this request, and its cached answer if this worker has one for the current
    generation (evaluated against If-None-Match by :func:`_finish`)."""
    if PREVIEW_HEADER in request.headers:
        return None
    try:
        negotiated = locales.negotiate(
            request.args.get("locale"),
            request.headers.get("Accept-Language"),
            fallback=request.args.get("fallback", "chain"),
        )
    except KbError:
        return None  # the view answers the bad request
    current = generation.current()
    if current is None:
        return None
    g.kb_generation = current
    g.kb_validator = validator(current, negotiated.chain, query_in_body=query_in_body)
    encoding = request.headers.get("Accept-Encoding", "").replace(" ", "")
    g.kb_render_key = (g.kb_validator, negotiated.from_header, encoding)  # Vary differs with the header
    cached = render_cache().get(current, g.kb_render_key) if render_cache().max_bytes else None
    if cached is None:
        return None
    g.kb_replayed = True
    return Response(cached.body, status=200, headers=cached.to_headers())


def validator(current: int, chain: tuple[str, ...], *, query_in_body: bool = False) -> str:
    """The ETag (before any encoding suffix) of this request's representation at generation
    ``current`` served along the locale ``chain``: ``?locale=es`` and ``Accept-Language: es`` name one
    representation, unless the body echoes the query (``query_in_body``)."""
    query = sorted((k, v) for k, v in request.args.items(multi=True) if query_in_body or k != "locale")
    where = (request.scheme, request.host, request.root_path)  # what links may name (not host_url: slow)
    named = repr((_code(), current, where, request.path, query, chain))
    return hashlib.sha256(named.encode()).hexdigest()[:32]


@functools.cache
def _code() -> str:
    """What renders: the API version and a digest of kb's sources (a deploy changes every validator)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return f"{current_app.config['API_VERSION']}:{digest.hexdigest()[:16]}"


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
    if not _validated(response) or g.get("kb_replayed"):
        return response
    if "Cache-Control" not in response.headers:
        max_age = current_app.config["KB_CACHE_MAX_AGE"]
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.set_etag(g.get("kb_validator") or etag(response))
    return response


def _validated(response: Response) -> bool:
    """A public GET answered 200 with a body of its own: what gets an ETag (and may get a 304)."""
    get = request.method in ("GET", "HEAD")
    return get and response.status_code == 200 and not response.direct_passthrough


def _finish(response: Response) -> Response:
    """Keep a freshly rendered public answer in the render cache, then answer 304 when If-None-Match
    holds its ETag in any encoding (or, without If-None-Match, when If-Modified-Since is not older)."""
    if not _validated(response) or g.get(PREVIEW_REQUEST) or response.get_etag()[0] is None:
        return response
    key = g.get("kb_render_key")
    if key is not None and not g.get("kb_replayed") and render_cache().max_bytes:
        headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in PER_CLIENT)
        render_cache().put(g.kb_generation, key, Rendered(headers, response.get_data()))
    if not request.if_none_match:
        if "If-Modified-Since" not in request.headers:
            return response  # unconditional: nothing to evaluate (werkzeug's check costs a tenth)
        return response.make_conditional(request)
    sent, _ = response.get_etag()
    base = sent.rsplit(":", 1)[0] if sent.endswith((":gzip", ":br")) else sent
    if any(request.if_none_match.contains_weak(base + suffix) for suffix in ENCODINGS):
        response.status_code = 304  # werkzeug sends no body and no entity headers with it
    return response


def etag(response: Response) -> str:
    """The strong ETag of a representation not named by the generation: a hash of the bytes sent."""
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
