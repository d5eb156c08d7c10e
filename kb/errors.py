"""The exception tree and the one builder of RFC 9457 ``application/problem+json`` responses."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, json
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

PROBLEM_MIMETYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://kb.example/problems/"
log = logging.getLogger(__name__)


class KbError(Exception):
    """An error the API reports to the client; subclasses set the status."""

    status: int = 500
    title: str | None = None

    def __init__(self, detail: str, *, errors: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


class BadRequestError(KbError):
    status = 400


class NotFoundError(KbError):
    status = 404


class UnauthorizedError(KbError):
    status = 401

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="kb"'})


class ForbiddenError(KbError):
    status = 403


class ConflictError(KbError):
    status = 409


class PreconditionFailedError(KbError):
    status = 412


class UnsupportedMediaTypeError(KbError):
    status = 415


class PreconditionRequiredError(KbError):
    status = 428


class ValidationFailed(KbError):
    status = 422


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    errors: Any = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """Build the problem+json response; every error of the service goes through here.

    ``extensions`` are RFC 9457 extension members added to the body (e.g. ``checks`` on /readyz).
    """
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + phrase.lower().replace(" ", "-").replace("'", ""),
        "title": title or phrase,
        "status": status,
        "detail": detail or phrase,
    }
    if errors:
        body["errors"] = errors
    body.update(extensions)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


# Headers a werkzeug exception carries that are worth keeping (e.g. Allow on 405, Retry-After on 429).
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def http_exception_response(error: HTTPException) -> Response:
    """Turn any werkzeug/Flask HTTP exception (including webargs' aborts) into problem+json."""
    code = error.code or 500
    if code == 304:
        return Response(status=304)
    headers = {k: v for k, v in error.get_headers() if k in _KEPT_HEADERS}
    data = getattr(error, "data", None) or {}
    headers.update(data.get("headers") or {})
    errors = data.get("errors") or data.get("messages")
    detail = data.get("message") or error.description
    if errors and isinstance(errors, dict):
        errors, detail = _flatten_locations(errors, detail, code)
    return problem(code, detail, errors=errors, headers=headers)


def _flatten_locations(errors: dict[str, Any], detail: str | None, code: int) -> tuple[Any, str | None]:
    """webargs nests messages by location ({"query": {"per_page": [...]}}); name the fields instead."""
    locations = {"query", "json", "headers", "view_args", "form", "files", "cookies"}
    if not errors.keys() <= locations:
        return errors, detail
    flat: dict[str, Any] = {}
    for messages in errors.values():
        flat.update(messages if isinstance(messages, dict) else {"_schema": messages})
    where = "query parameter" if "query" in errors else "field"
    names = ", ".join(sorted(flat))
    plural = "s" if len(flat) > 1 else ""
    return flat, f"Invalid {where}{plural}: {names}." if code in (400, 422) else detail


def init_app(app: Flask) -> None:
    """Answer every error, including unexpected ones, with problem+json and never a traceback."""

    @app.errorhandler(KbError)
    def _kb_error(error: KbError) -> Response:
        return problem(
            error.status, error.detail, title=error.title, errors=error.errors, headers=error.headers
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        return http_exception_response(error)

    @app.errorhandler(StaleDataError)
    def _stale(_: StaleDataError) -> Response:
        return problem(412, "Another edit of this object was saved first: read it again and reapply yours.")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error", exc_info=error)
        return problem(500, "The server met an unexpected error; it has been logged.")
