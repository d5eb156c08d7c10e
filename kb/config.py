"""Every setting of the service, read from ``KB_*`` environment variables in one place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"
ADMIN_PREFIX = "/api/v1/admin"  # editors' routes: token-protected, never cached, write transactions
API_DESCRIPTION = (
    "Published clinical-aesthetics entries (complications, techniques, aftercare) and articles for apps "
    "and widgets, with search, tags and a sync feed; and, under `/api/v1/admin`, the editors' API "
    "(drafts, publishing, revisions, tokens, audit, bulk import and export), which needs a bearer token. "
    "Errors are RFC 9457 `application/problem+json`. Human-readable docs: `/api/v1/docs`."
)


def _env(name: str, default: str) -> str:
    return os.environ.get(f"KB_{name}", default)


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"KB_{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name, "true" if default else "false").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise RuntimeError(f"KB_{name} must be true or false, got {raw!r}")


def _env_seconds_list(name: str, default: str) -> list[float]:
    raw = _env(name, default)
    try:
        values = [float(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise RuntimeError(f"KB_{name} must be seconds separated by commas, got {raw!r}") from exc
    if any(value < 0 for value in values):
        raise RuntimeError(f"KB_{name} must not hold negative seconds, got {raw!r}")
    return values


def server_settings() -> dict[str, Any]:
    """Where and how gunicorn serves (read by gunicorn.conf.py)."""
    return {
        "host": _env("HOST", "127.0.0.1"),
        "port": _env_int("PORT", 8000),
        "workers": _env_int("WORKERS", 2),
        "timeout": _env_int("TIMEOUT", 30),
        "job_workers": _env_int("JOB_WORKERS", 1),  # `flask --app kb worker` processes gunicorn runs
    }


def load_config() -> dict[str, Any]:
    """Build the Flask config from the environment (see README.md, "Settings")."""
    instance = Path(_env("INSTANCE_PATH", str(DEFAULT_INSTANCE)))
    public_url = _env("PUBLIC_URL", "").rstrip("/")
    contact = _env("API_CONTACT_EMAIL", "").strip()
    return {
        "KB_INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{instance / 'kb.sqlite3'}"),
        "KB_SEED_PATH": _env("SEED_PATH", str(ROOT / "seed")),
        # Seconds a PostgreSQL connect or statement may take before the request is answered 503.
        "KB_DATABASE_TIMEOUT": float(_env("DATABASE_TIMEOUT", "5")),
        "KB_SEARCH_BACKEND": _env("SEARCH_BACKEND", "whoosh"),
        "KB_SEARCH_INDEX_PATH": _env("SEARCH_INDEX_PATH", str(instance / "search-index")),
        "KB_SEARCH_LOCK_TIMEOUT": float(_env("SEARCH_LOCK_TIMEOUT", "5")),
        # PostgreSQL search: facets are exact up to this many matches, estimates beyond (meta says so).
        "KB_SEARCH_FACET_CAP": _env_int("SEARCH_FACET_CAP", 2000),
        "KB_SEARCH_CACHE_BYTES": _env_int("SEARCH_CACHE_BYTES", 32 * 1024 * 1024),
        "KB_SYNONYMS_PATH": _env("SYNONYMS_PATH", str(ROOT / "seed" / "synonyms.txt")),
        "KB_CACHE_MAX_AGE": _env_int("CACHE_MAX_AGE", 60),
        # Rendered public responses kept per worker (kb/api/render_cache.py), in bytes; 0 turns it off.
        "KB_RENDER_CACHE_BYTES": _env_int("RENDER_CACHE_BYTES", 32 * 1024 * 1024),
        # Languages (kb/services/locales.py): supported BCP 47 tags, the source language, and extra
        # fallbacks ("pt-BR:pt,es;fr:es": after pt-BR try pt then es; the default locale always ends a chain).
        "KB_LOCALES": _env("LOCALES", "en,es"),
        "KB_DEFAULT_LOCALE": _env("DEFAULT_LOCALE", "en"),
        "KB_LOCALE_FALLBACKS": _env("LOCALE_FALLBACKS", ""),
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 1024 * 1024),
        "KB_IMPORT_MAX_BYTES": _env_int("IMPORT_MAX_BYTES", 64 * 1024 * 1024),
        # Imports up to this size are done in the request (200); larger ones become a job (202).
        "KB_IMPORT_SYNC_MAX_BYTES": _env_int("IMPORT_SYNC_MAX_BYTES", 1024 * 1024),
        "KB_JOB_LEASE": float(_env("JOB_LEASE", "60")),  # seconds a worker holds a job between renewals
        # Webhooks (kb/webhooks): the waits between a delivery's attempts (Standard Webhooks' schedule,
        # each with +-20% jitter; one attempt more than waits), the receiver's time to answer, how long
        # a rotated secret still signs, and whether private, loopback and link-local addresses may receive.
        "KB_WEBHOOK_RETRY_SCHEDULE": _env_seconds_list(
            "WEBHOOK_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,36000"
        ),
        "KB_WEBHOOK_TIMEOUT": float(_env("WEBHOOK_TIMEOUT", "10")),
        "KB_WEBHOOK_SECRET_OVERLAP": float(_env("WEBHOOK_SECRET_OVERLAP", "86400")),
        "KB_WEBHOOK_ALLOW_PRIVATE": _env_bool("WEBHOOK_ALLOW_PRIVATE", False),
        # Draft previews (kb/previews): the key preview tokens are signed with (every instance needs the
        # same one; unset, a random key kept in the instance folder), and their lifetime in seconds,
        # by default and at most.
        "KB_PREVIEW_SECRET": _env("PREVIEW_SECRET", ""),
        "KB_PREVIEW_TTL": _env_int("PREVIEW_TTL", 3600),
        "KB_PREVIEW_MAX_TTL": _env_int("PREVIEW_MAX_TTL", 7 * 86400),
        # Cleanup (kb/jobs/cleanup.py, run by the worker every KB_CLEANUP_INTERVAL seconds): finished
        # webhook deliveries (with their attempts and events) and finished jobs older than these days.
        "KB_CLEANUP_INTERVAL": float(_env("CLEANUP_INTERVAL", "3600")),
        "KB_WEBHOOK_LOG_RETENTION_DAYS": _env_int("WEBHOOK_LOG_RETENTION_DAYS", 30),
        "KB_JOB_RETENTION_DAYS": _env_int("JOB_RETENTION_DAYS", 14),
        # ... and changes feed rows (the sync's tombstones) older than these days: a sync or changes
        # cursor from before the pruned rows is then answered 410 resync-required (kb/sync/horizon.py).
        "KB_SYNC_TOMBSTONE_RETENTION_DAYS": _env_int("SYNC_TOMBSTONE_RETENTION_DAYS", 90),
        "KB_LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (client address
        # for rate limits and audit, scheme and host for links); 0 when clients connect directly.
        "KB_TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        # Absolute links (list links, Link headers) start with this, e.g. https://kb.example.org; never
        # with the Host header. Unset: links are relative, unless KB_TRUSTED_HOSTS (comma-separated)
        # lists the hosts served, when any other Host gets 400 (kb/api/security.py).
        "KB_PUBLIC_URL": public_url,
        "KB_TRUSTED_HOSTS": [h.strip() for h in _env("TRUSTED_HOSTS", "").split(",") if h.strip()],
        # Rate limits (kb/ratelimit.py), per client address: "N per minute" (";" joins several). Public
        # cacheable reads share one high budget per address (a NAT of 1,000 app users: README).
        "KB_RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "KB_RATELIMIT_STORAGE_URL": _env("RATELIMIT_STORAGE_URL", "memory://"),
        "KB_RATELIMIT_KEY_PREFIX": _env("RATELIMIT_KEY_PREFIX", "kb"),
        "KB_RATELIMIT_DEFAULT": _env("RATELIMIT_DEFAULT", "300 per minute"),
        "KB_RATELIMIT_PUBLIC_READS": _env("RATELIMIT_PUBLIC_READS", "10000 per minute"),
        "KB_RATELIMIT_SEARCH": _env("RATELIMIT_SEARCH", "600 per minute"),
        "KB_RATELIMIT_AUTH_FAILURES": _env("RATELIMIT_AUTH_FAILURES", "10 per minute"),
        # Failed authentications written to the audit log, from all addresses together (the rest are
        # counted in the next one written), so they cannot flood the database.
        "KB_AUDIT_AUTH_FAILURES": _env("AUDIT_AUTH_FAILURES", "60 per minute"),
        # Origins of editor tools allowed to call the admin API from a browser (comma-separated, e.g.
        # https://editor.example.org); empty: the admin API is not exposed cross-origin.
        "KB_ADMIN_CORS_ORIGINS": [
            origin.strip().rstrip("/")
            for origin in _env("ADMIN_CORS_ORIGINS", "").split(",")
            if origin.strip()
        ],
        # Search analytics (kb/services/analytics.py): counted in memory, written every N seconds.
        "KB_ANALYTICS_ENABLED": _env_bool("ANALYTICS_ENABLED", True),
        "KB_ANALYTICS_FLUSH_SECONDS": float(_env("ANALYTICS_FLUSH_SECONDS", "10")),
        # Where the widget demo page (/widget/) loads InstantSearch.js from.
        "KB_WIDGET_INSTANTSEARCH_URL": _env(
            "WIDGET_INSTANTSEARCH_URL",
            "https://cdn.jsdelivr.net/npm/instantsearch.js@4.118.1/dist/instantsearch.production.min.js",
        ),
        # Third-party settings derived from ours; not meant to be changed.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "API_TITLE": "kb: clinical-aesthetics knowledge base",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": API_DESCRIPTION,
                # who answers for this deployment's API (KB_API_CONTACT_EMAIL); no made-up address
                "contact": {"name": "kb maintainers", **({"email": contact} if contact else {})},
                # not open source: all rights reserved, an SPDX LicenseRef (no license page to link)
                "license": {
                    "name": "Proprietary (all rights reserved)",
                    "identifier": "LicenseRef-kb-proprietary",
                },
            },
            "servers": [
                {"url": public_url or "http://localhost:8000", "description": "This service (KB_PUBLIC_URL)"}
            ],
        },
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None},  # no badge fetched from swagger.io
        "JSON_SORT_KEYS": False,
        # Compression (kb/api/compression.py): brotli when the client asks for it, else gzip.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
        "COMPRESS_MIMETYPES": [
            "application/json",
            "application/problem+json",
            "application/x-ndjson",
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
        ],
        "COMPRESS_MIN_SIZE": 500,
        "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": False,  # kb.api.caching does, for every encoding
    }
