"""Where links point and what every response tells a browser about itself.

Links (the list envelope's ``links``, the ``Link`` header) never come from the ``Host`` header, which
any client sets: behind a shared cache, one request with a forged ``Host`` would serve its links to
everyone (``Cache-Control: public``). They are

- absolute, from ``KB_PUBLIC_URL`` (e.g. ``https://kb.example.org``), when it is set;
- else absolute from the request's host when ``KB_TRUSTED_HOSTS`` lists the hosts the service answers
  to (Flask's ``TRUSTED_HOSTS``: a request for any other host gets 400 before a view runs);
- else relative references (``/api/v1/entries?page=2``), which RFC 8288 and every client resolve
  against the URL they requested.

Every response carries ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and a
Content-Security-Policy: ``default-src 'none'`` with ``frame-ancestors 'none'`` for data, and for the
HTML docs page a policy that admits only our own bundled Swagger UI files plus the page's one inline
script (by its hash), with ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, current_app, request

DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The Swagger UI page: its scripts and styles are served by us (kb/api/apidocs.py); it fetches the
# OpenAPI document from us; its CSS holds data: images. Nothing may frame it.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self' {scripts}; style-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def init_app(app: Flask) -> None:
    """Check the link settings and add the headers to every response."""
    public_url = app.config["KB_PUBLIC_URL"].rstrip("/")
    if public_url and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", public_url):
        raise RuntimeError(
            f"KB_PUBLIC_URL must be an http(s) URL such as https://kb.example.org, got {public_url!r}"
        )
    app.config["KB_PUBLIC_URL"] = public_url
    if hosts := app.config["KB_TRUSTED_HOSTS"]:
        app.config["TRUSTED_HOSTS"] = hosts
    app.after_request(_security_headers)


def url_for_request(query: str) -> str:
    """The current request's path with ``query``, as a link (see the module docstring)."""
    return link(f"{request.path}?{query}")


def link(path: str) -> str:
    """A link to ``path`` (from the application root), built as the module docstring says."""
    if base := current_app.config["KB_PUBLIC_URL"]:
        return f"{base}{path}"
    if current_app.config["KB_TRUSTED_HOSTS"]:
        return f"{request.host_url.rstrip('/')}{request.script_root}{path}"
    return f"{request.script_root}{path}"


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html" and not response.direct_passthrough:
        if "Content-Security-Policy" not in headers:  # a page may bring its own (the widget demo)
            scripts = " ".join(_hash(script) for script in _INLINE_SCRIPT.findall(response.get_data()))
            headers["Content-Security-Policy"] = DOCS_POLICY.format(scripts=scripts).replace("  ", " ")
        headers["X-Frame-Options"] = "DENY"
    else:
        headers.setdefault("Content-Security-Policy", DATA_POLICY)
    return response


def _hash(script: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
