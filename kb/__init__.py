"""kb: a knowledge-base content API for clinical-aesthetics articles."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from kb import api, cli, errors
from kb.config import load_config
from kb.extensions import db


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app from ``KB_*`` settings, with ``overrides`` on top (tests use them)."""
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(load_config())
    app.config.update(overrides or {})
    Path(app.config["KB_INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=app.config["KB_LOG_LEVEL"])
    app.json.sort_keys = False
    db.init_app(app)
    errors.init_app(app)
    api.init_app(app)
    cli.init_app(app)
    return app
