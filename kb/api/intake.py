"""Input refused before any view or schema sees it, with a 4xx that says what to send.

- JSON bodies are decoded by :func:`kb.services.jsonbody.loads` (no NaN, huge numbers, deep nesting,
  NUL or lone surrogates), through the webargs parser every ``@blp.arguments`` uses;
- a NUL character anywhere in the path or the query string is a 400 (PostgreSQL text cannot hold it);
- ``<int:...>`` path parts are ids and revision numbers: above :data:`MAX_PATH_INT` (the largest
  PostgreSQL ``integer``) no such object can exist, so they are a 404 before the database is asked;
- a body over the limit (``MAX_CONTENT_LENGTH``, imports ``KB_IMPORT_MAX_BYTES``) is a 413 the client
  can read: what it is still sending is read and dropped first (for at most :data:`DRAIN_SECONDS`).
"""

from __future__ import annotations

import time
import typing

import flask
from flask import Flask, Response, request
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from kb.errors import BadRequestError, http_exception_response
from kb.services import jsonbody

MAX_PATH_INT = 2**31 - 1
NUL = "\x00"
DRAIN_SECONDS = 5.0  # how long a refused body is read (and dropped) so the client can read the 413
DRAIN_CHUNK = 1 << 16


class Parser(FlaskParser):
    """webargs' Flask parser, decoding JSON bodies with :func:`kb.services.jsonbody.loads`."""

    def _raw_load_json(self, req: flask.Request) -> typing.Any:
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequestError(
                "The body is not UTF-8; send JSON encoded as UTF-8.", errors={"json": [str(exc.reason)]}
            ) from None
        return jsonbody.loads(text)


class BoundedInt(IntegerConverter):
    """``<int:...>`` limited to what an integer column holds; larger values name nothing (404)."""

    def to_python(self, value: str) -> int:
        if len(value.lstrip("0")) > len(str(MAX_PATH_INT)) or super().to_python(value) > MAX_PATH_INT:
            shown = value if len(value) <= 30 else f"{value[:30]}..."
            raise NotFound(f"Nothing has the number {shown}: numbers in paths run up to {MAX_PATH_INT}.")
        return super().to_python(value)


def has_body() -> bool:
    """Whether the request sends a body: a Content-Length above 0, or chunks of unknown length."""
    if request.content_length:
        return True
    return (
        request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    )


def init_app(app: Flask) -> None:
    """Install the converter (before any route is added) and the NUL guard."""
    app.url_map.converters["int"] = BoundedInt
    app.before_request(_refuse_nul)
    app.register_error_handler(413, _too_large)


def _refuse_nul() -> None:
    if NUL in request.path:
        raise BadRequestError("The path holds a NUL character (%00); remove it.")
    for name, value in request.args.items(multi=True):
        if NUL in name or NUL in value:
            label = name.replace(NUL, "\\x00")
            raise BadRequestError(
                f"Query parameter {label!r} holds a NUL character (%00); remove it.",
                errors={label: ["Remove the NUL character (%00)."]},
            )


def _too_large(error: RequestEntityTooLarge) -> Response:
    """The 413 problem, once the rest of the body is read: a server that answers while the client is
    still sending, then closes, resets the connection, and the client never sees the answer."""
    drained = _drain(request.environ, DRAIN_SECONDS)
    limit = request.max_content_length
    if limit is not None and error.description == RequestEntityTooLarge.description:
        error.description = (
            f"The body is larger than the {limit:,} bytes this operation takes; send a smaller one."
        )
    response = http_exception_response(error)
    if not drained:
        response.headers["Connection"] = "close"
    return response


def _drain(environ: dict[str, typing.Any], seconds: float) -> bool:
    """Read and drop what is left of the request body, for at most ``seconds``; True if it all was."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return True
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not stream.read(DRAIN_CHUNK):
                return True
    except (OSError, ValueError):  # the client went away, or the server's stream is closed
        pass
    return False
