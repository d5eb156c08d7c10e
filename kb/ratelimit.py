"""Rate limits per client address (Flask-Limiter), answered with problem+json 429 and ``Retry-After``.

- public cacheable reads (entries, articles, tags, the changes feed, the OpenAPI document and docs):
  ``KB_RATELIMIT_PUBLIC_READS`` per client address, one budget shared by all of them and every path
  (``/entries/a`` and ``/entries/b`` alike), sized for a carrier NAT of 1,000 app users; a CDN or cache
  in front should answer most of them (README, "Rate limits");
- ``/search`` and ``/suggest``: ``KB_RATELIMIT_SEARCH`` per address (widgets call suggest on every
  keystroke, and each query costs real work);
- every other route (the admin API): ``KB_RATELIMIT_DEFAULT`` per client address and route;
- guarded admin blueprints: requests whose token does not verify (no token, a malformed header, an
  unknown, expired or revoked token) also count against ``KB_RATELIMIT_AUTH_FAILURES`` per address;
  once it is spent such requests get 429 without a database write. A token that verifies is never
  counted nor refused by it, so failures from one office or NAT address cannot lock editors out
  (:func:`failed_authentication`; tokens are 256-bit random secrets, so this admits no guessing);
- failed authentications written to the audit log: at most ``KB_AUDIT_AUTH_FAILURES`` for all
  addresses together (:func:`audit_write_allowed`), so they cannot flood the database;
- ``/healthz``, ``/readyz`` and CORS preflights (OPTIONS) are exempt; unknown URLs (404, 405) are
  not counted.

Counters live in ``KB_RATELIMIT_STORAGE_URL``: ``memory://`` counts in each process (with N gunicorn
workers an address may get up to N times each limit), ``redis://`` is shared by every worker and
instance. When the storage fails, counting goes on in this process's memory (Flask-Limiter's
in-memory fallback, with its original limits) until the storage answers again, and ``/readyz`` says
so. Each app gets its own ``Limiter``: the object keeps its storage, limits and fallback state, which
must not leak between apps built in one process (as the tests do).
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse, parse_many

from kb.errors import KbError, problem

EXTENSION = "kb_ratelimit"
LIMIT_SETTINGS = (
    "KB_RATELIMIT_DEFAULT",
    "KB_RATELIMIT_PUBLIC_READS",
    "KB_RATELIMIT_SEARCH",
    "KB_RATELIMIT_AUTH_FAILURES",
    "KB_AUDIT_AUTH_FAILURES",
)
AUTH_FAILURES_SCOPE = "auth-failures"
AUDIT_SCOPE = "audit-auth-failures"
PUBLIC_READS_SCOPE = "public-reads"
# Blueprints of cacheable public GETs (flask-smorest serves the OpenAPI document and docs in api-docs).
PUBLIC_READ_BLUEPRINTS = ("entries", "articles", "tags", "changes", "docs_assets", "api-docs")
# A slow or vanished Redis must not hold requests up: give up quickly and fall back to memory.
STORAGE_TIMEOUT_SECONDS = 0.5
REDIS_SCHEMES = ("redis", "rediss", "redis+unix", "valkey", "valkeys", "valkey+unix")
log = logging.getLogger(__name__)

# Blueprints whose guard authenticates (kb.api.auth.protect registers them), by name.
_authenticated: dict[str, Blueprint] = {}


class KbLimiter(Limiter):
    """Flask-Limiter's ``Limiter`` that can tell whether it is counting in its in-memory fallback."""

    @property
    def in_fallback(self) -> bool:
        """True while the configured storage is down and counts are kept in this process's memory."""
        # Flask-Limiter (4.1) keeps this state in attributes of its own, with no public accessor.
        return bool(self._storage_dead and self._in_memory_fallback_enabled)


def limit_failed_authentication(blp: Blueprint) -> None:
    """Mark ``blp`` as guarded: its failed authentications count (:func:`failed_authentication`)."""
    _authenticated[blp.name] = blp


def init_app(app: Flask) -> None:
    """Bind a limiter to ``app``; call it after the blueprints are registered."""
    config = app.config
    for name in LIMIT_SETTINGS:
        _check_limit(name, config[name])
    storage_url = config["KB_RATELIMIT_STORAGE_URL"]
    limiter = KbLimiter(
        get_remote_address,
        default_limits=[config["KB_RATELIMIT_DEFAULT"]],
        storage_uri=storage_url,
        storage_options=_storage_options(storage_url),
        key_prefix=config["KB_RATELIMIT_KEY_PREFIX"],
        in_memory_fallback_enabled=True,
        swallow_errors=True,  # a storage error never turns into a 500
        headers_enabled=False,  # ours below: Flask-Limiter's put Retry-After on every 200
        enabled=config["KB_RATELIMIT_ENABLED"],
    )
    limiter.request_filter(_is_preflight)
    limiter.exempt(app.blueprints["health"])
    limiter.limit(config["KB_RATELIMIT_SEARCH"])(app.blueprints["search"])
    public_reads = limiter.shared_limit(config["KB_RATELIMIT_PUBLIC_READS"], scope=PUBLIC_READS_SCOPE)
    for name in PUBLIC_READ_BLUEPRINTS:
        if name in app.blueprints:
            public_reads(app.blueprints[name])
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    if limiter.enabled:
        app.register_error_handler(RateLimitExceeded, _too_many_requests)
        app.after_request(_rate_limit_headers)


class TooManyFailedAuthentications(KbError):
    status = 429


def failed_authentication() -> None:
    """Count a request whose token did not verify against its address's ``KB_RATELIMIT_AUTH_FAILURES``;
    raise :class:`TooManyFailedAuthentications` (429) instead when that budget is already spent.

    Only requests without a valid token come here: the guard verifies a token first, so a valid one
    is never counted or refused, whatever others at the same address send. A storage error lets the
    request through (401 as usual): the per-route limits still apply.
    """
    limiter = _limiter()
    if not limiter.enabled:
        return
    item = parse(current_app.config["KB_RATELIMIT_AUTH_FAILURES"])
    keys = _keys(get_remote_address(), AUTH_FAILURES_SCOPE)
    try:
        strategy = limiter.limiter
        if strategy.hit(item, *keys):
            return
        reset, _ = strategy.get_window_stats(item, *keys)
    except Exception:  # the storage failed: do not turn a 401 into a 500
        log.warning("rate limit storage failed while counting a failed authentication", exc_info=True)
        return
    retry_after = max(1, math.ceil(reset - time.time()))
    detail = (
        f"Too many failed authentications from this address. The limit is {item}; retry after "
        f"{retry_after} s, or send a valid token: valid tokens are never refused by this limit."
    )
    headers = {
        "Retry-After": str(retry_after),
        "X-RateLimit-Limit": str(item.amount),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(math.ceil(reset)),
    }
    raise TooManyFailedAuthentications(detail, headers=headers)


def audit_write_allowed() -> bool:
    """Whether a failed authentication may still be written to the audit log in this window:
    ``KB_AUDIT_AUTH_FAILURES`` for every address together. True when limiting is off or fails."""
    limiter = _limiter()
    if not limiter.enabled:
        return True
    item = parse(current_app.config["KB_AUDIT_AUTH_FAILURES"])
    try:
        return bool(limiter.limiter.hit(item, *_keys("all", AUDIT_SCOPE)))
    except Exception:
        log.warning("rate limit storage failed while capping audit writes", exc_info=True)
        return True


def _keys(key: str, scope: str) -> list[str]:
    prefix = current_app.config["KB_RATELIMIT_KEY_PREFIX"]
    return [prefix, key, scope] if prefix else [key, scope]


def health() -> dict[str, Any]:
    """The readiness check: where counts are kept now. Always ok: without Redis we count in memory."""
    limiter = _limiter()
    configured = storage_name(current_app.config["KB_RATELIMIT_STORAGE_URL"])
    if not limiter.enabled:
        detail = "Rate limiting is off (KB_RATELIMIT_ENABLED)."
        return {"ok": True, "enabled": False, "storage": configured, "fallback": False, "detail": detail}
    fallback = limiter.in_fallback or not limiter.storage.check()
    if fallback:
        detail = f"{configured} is unreachable: each process counts in its own memory until it is back."
    elif configured == "memory":
        detail = "Each process counts in its own memory; set KB_RATELIMIT_STORAGE_URL to share counts."
    else:
        detail = f"Counts are shared through {configured}."
    storage = "memory" if fallback else configured
    return {"ok": True, "enabled": True, "storage": storage, "fallback": fallback, "detail": detail}


def storage_name(url: str) -> str:
    """``redis``, ``memory``, ... from a storage URL (never the host or credentials)."""
    scheme = urlsplit(url).scheme
    return "redis" if scheme.startswith("redis") else scheme.split("+")[0]


def _is_preflight() -> bool:
    """A CORS preflight (OPTIONS): answered by the CORS policy, never authenticated (kb.api.auth), so it
    can test no token and counts against no limit, the failed-authentication one least of all."""
    return request.method == "OPTIONS"


def _check_limit(name: str, value: str) -> None:
    try:
        parse_many(value)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a rate limit such as '300 per minute', got {value!r}") from exc


def _storage_options(url: str) -> dict[str, Any]:
    if urlsplit(url).scheme in REDIS_SCHEMES:
        return {"socket_connect_timeout": STORAGE_TIMEOUT_SECONDS, "socket_timeout": STORAGE_TIMEOUT_SECONDS}
    return {}


def _limiter() -> KbLimiter:
    limiter: KbLimiter = current_app.extensions[EXTENSION]
    return limiter


def _window(limit: RequestLimit) -> tuple[float, int] | None:
    """Reset time and remaining hits of ``limit``, or None when the storage cannot say."""
    try:
        reset, remaining = limit.window
    except Exception:  # the request was already admitted; headers are a courtesy
        log.warning("rate limit storage did not answer for headers", exc_info=True)
        return None
    return reset, remaining


def _too_many_requests(error: RateLimitExceeded) -> Response:
    current = _limiter().current_limit
    window = _window(current) if current is not None else None
    reset = window[0] if window else time.time() + error.limit.limit.get_expiry()
    retry_after = max(1, math.ceil(reset - time.time()))
    reason = error.description if error.limit.error_message else "Too many requests from this address."
    detail = f"{reason} The limit is {error.limit.limit}; retry after {retry_after} s."
    return problem(429, detail, headers={"Retry-After": str(retry_after)})


def _rate_limit_headers(response: Response) -> Response:
    """``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (Unix time) of the limit that matters most."""
    if "X-RateLimit-Limit" in response.headers:  # a 429 of failed_authentication() set its own
        return response
    current = _limiter().current_limit
    window = _window(current) if current is not None else None
    if current is not None and window is not None:
        response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
        response.headers["X-RateLimit-Remaining"] = str(window[1])
        response.headers["X-RateLimit-Reset"] = str(math.ceil(window[0]))
    return response
