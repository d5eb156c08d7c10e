"""kb: a knowledge-base content API for clinical-aesthetics articles."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from kb import api, cli, database, errors, ratelimit
from kb.config import load_config
from kb.services import indexing


class KbFlask(Flask):
    """Flask, remembering per callable whether it is async: Flask asks for every hook, view and
    handler of every request (a dozen ``inspect`` calls on a cached read)."""

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        checked: dict[Callable[..., Any], Callable[..., Any]] = self.__dict__.setdefault("_kb_sync", {})
        try:
            return checked[func]
        except (KeyError, TypeError):  # TypeError: an unhashable callable
            made = super().ensure_sync(func)
            if len(checked) < 4096:  # hooks, views and handlers are registered once: a few hundred
                checked[func] = made
            return made


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app from ``KB_*`` settings, with ``overrides`` on top (tests use them)."""
    app = KbFlask(__name__, static_folder=None)
    app.config.from_mapping(load_config())
    app.config.update(overrides or {})
    Path(app.config["KB_INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=app.config["KB_LOG_LEVEL"])
    app.json.sort_keys = False
    database.init_app(app)
    indexing.init_app(app)
    errors.init_app(app)
    api.init_app(app)
    ratelimit.init_app(app)
    cli.init_app(app)
    if proxies := app.config["KB_TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    return app
