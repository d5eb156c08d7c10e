"""Rate limits per client address (Flask-Limiter), answered with problem+json 429 and ``Retry-After``.

- every route: ``KB_RATELIMIT_DEFAULT`` per client address and route;
- ``/search`` and ``/suggest``: ``KB_RATELIMIT_SEARCH`` instead (widgets call suggest on every keystroke);
- guarded admin blueprints: also ``KB_RATELIMIT_AUTH_FAILURES`` failed authentications (401) per address,
  shared by every admin route and checked before the guard reads a token, so tokens cannot be brute-forced;
- ``/healthz``, ``/readyz`` and CORS preflights to public routes are exempt; unknown URLs (404, 405) are
  not counted.

Counters live in ``KB_RATELIMIT_STORAGE_URL``: ``memory://`` counts in each process, ``redis://`` is
shared by every worker and instance. When the storage fails, counting goes on in this process's
memory (Flask-Limiter's in-memory fallback, with its original limits) until the storage answers again,
and ``/readyz`` says so. Each app gets its own ``Limiter``: the object keeps its storage, limits and
fallback state, which must not leak between apps built in one process (as the tests do).
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
from limits import parse_many

from kb.errors import problem

EXTENSION = "kb_ratelimit"
LIMIT_SETTINGS = ("KB_RATELIMIT_DEFAULT", "KB_RATELIMIT_SEARCH", "KB_RATELIMIT_AUTH_FAILURES")
AUTH_FAILURES_SCOPE = "auth-failures"
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
    """Count failed authentications on ``blp``'s routes against ``KB_RATELIMIT_AUTH_FAILURES``."""
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
    limiter.request_filter(_is_public_preflight)
    limiter.exempt(app.blueprints["health"])
    limiter.limit(config["KB_RATELIMIT_SEARCH"])(app.blueprints["search"])
    for blp in _authenticated.values():
        if app.blueprints.get(blp.name) is blp:
            limiter.shared_limit(
                config["KB_RATELIMIT_AUTH_FAILURES"],
                scope=AUTH_FAILURES_SCOPE,
                deduct_when=lambda response: response.status_code == 401,
                override_defaults=False,
                error_message="Too many failed authentications from this address.",
            )(blp)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    if limiter.enabled:
        app.register_error_handler(RateLimitExceeded, _too_many_requests)
        app.after_request(_rate_limit_headers)


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


def _is_public_preflight() -> bool:
    """A CORS preflight to a public route. On admin routes OPTIONS is authenticated like any method
    (a bad token gets 401, a good one 403), so it must count, or it would be a way to test tokens."""
    return request.method == "OPTIONS" and request.blueprint not in _authenticated


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
    current = _limiter().current_limit
    window = _window(current) if current is not None else None
    if current is not None and window is not None:
        response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
        response.headers["X-RateLimit-Remaining"] = str(window[1])
        response.headers["X-RateLimit-Reset"] = str(math.ceil(window[0]))
    return response
