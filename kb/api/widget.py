"""The search widget's files and demo page under /widget/ (kb/widget/): long-cached assets, a strict CSP."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Response, abort, current_app, render_template_string, request, send_from_directory

from kb.api.base import Blueprint
from kb.api.docs import errors
from kb.api.security import link

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"
ASSETS = {".js": "text/javascript", ".css": "text/css"}
ONE_DAY = 86400
ONE_YEAR = 365 * ONE_DAY

blp = Blueprint("widget", __name__, url_prefix="/widget", description="Search widget and demo")


@blp.route("/", methods=["GET"])
@blp.response(200, description="Demo: kb widget and InstantSearch.js", content_type="text/html")
@errors(blp)
def demo() -> Any:
    """The widget demo page (no inline script; Content-Security-Policy set)."""
    library = current_app.config["KB_WIDGET_INSTANTSEARCH_URL"]
    page = render_template_string(
        (WIDGET_DIR / "index.html").read_text(),
        asset=lambda name: f"{request.script_root}/widget/{name}?v={_version(name)}",
        asset_url=lambda name: link(f"/widget/{name}"),  # never from the Host header (kb.api.security)
        api=f"{request.script_root}/api/v1",
        instantsearch_url=library,
    )
    origin = urlsplit(library)
    script_src = "'self'" + (f" {origin.scheme}://{origin.netloc}" if origin.netloc else "")
    csp = (
        f"default-src 'none'; script-src {script_src}; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
    )
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = csp
    return response


@blp.route("/<path:filename>", methods=["GET"])
@blp.response(200, description="A widget file (JavaScript or CSS)", content_type="text/javascript")
@errors(blp, 404)
def asset(filename: str) -> Any:
    """A widget file; with ``?v=<its version>`` (as the demo page links it) cached for a year, immutable."""
    if Path(filename).suffix not in ASSETS or "/" in filename or not (WIDGET_DIR / filename).is_file():
        abort(404)
    versioned = request.args.get("v") == _version(filename)
    response = send_from_directory(
        WIDGET_DIR,
        filename,
        mimetype=ASSETS[Path(filename).suffix],
        max_age=ONE_YEAR if versioned else ONE_DAY,
    )
    response.headers["Access-Control-Allow-Origin"] = "*"  # modules load cross-origin with CORS
    if versioned:
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response


@cache
def _version(name: str) -> str:
    """A short hash of a file's content, for cache-busting URLs (files change only with a deploy)."""
    return hashlib.sha256((WIDGET_DIR / name).read_bytes()).hexdigest()[:12]
