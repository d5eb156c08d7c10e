"""Every setting of the service, read from ``KB_*`` environment variables in one place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"
ADMIN_PREFIX = "/api/v1/admin"  # editors' routes: token-protected, never cached, write transactions


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


def server_settings() -> dict[str, Any]:
    """Where and how gunicorn serves (read by gunicorn.conf.py)."""
    return {
        "host": _env("HOST", "127.0.0.1"),
        "port": _env_int("PORT", 8000),
        "workers": _env_int("WORKERS", 2),
        "timeout": _env_int("TIMEOUT", 30),
    }


def load_config() -> dict[str, Any]:
    """Build the Flask config from the environment (see README.md, "Settings")."""
    instance = Path(_env("INSTANCE_PATH", str(DEFAULT_INSTANCE)))
    return {
        "KB_INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{instance / 'kb.sqlite3'}"),
        "KB_SEED_PATH": _env("SEED_PATH", str(ROOT / "seed")),
        "KB_SEARCH_BACKEND": _env("SEARCH_BACKEND", "whoosh"),
        "KB_SEARCH_INDEX_PATH": _env("SEARCH_INDEX_PATH", str(instance / "search-index")),
        "KB_SEARCH_LOCK_TIMEOUT": float(_env("SEARCH_LOCK_TIMEOUT", "5")),
        "KB_SYNONYMS_PATH": _env("SYNONYMS_PATH", str(ROOT / "seed" / "synonyms.txt")),
        "KB_CACHE_MAX_AGE": _env_int("CACHE_MAX_AGE", 60),
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 1024 * 1024),
        "KB_IMPORT_MAX_BYTES": _env_int("IMPORT_MAX_BYTES", 64 * 1024 * 1024),
        "KB_LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (client address
        # for rate limits and audit, scheme and host for links); 0 when clients connect directly.
        "KB_TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        # Rate limits (kb/ratelimit.py), per client address: "N per minute" (";" joins several).
        "KB_RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "KB_RATELIMIT_STORAGE_URL": _env("RATELIMIT_STORAGE_URL", "memory://"),
        "KB_RATELIMIT_KEY_PREFIX": _env("RATELIMIT_KEY_PREFIX", "kb"),
        "KB_RATELIMIT_DEFAULT": _env("RATELIMIT_DEFAULT", "300 per minute"),
        "KB_RATELIMIT_SEARCH": _env("RATELIMIT_SEARCH", "600 per minute"),
        "KB_RATELIMIT_AUTH_FAILURES": _env("RATELIMIT_AUTH_FAILURES", "10 per minute"),
        # Third-party settings derived from ours; not meant to be changed.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "API_TITLE": "kb: clinical-aesthetics knowledge base",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "JSON_SORT_KEYS": False,
    }
