"""The exception tree and the one builder of RFC 9457 ``application/problem+json`` responses."""

from __future__ import annotations

import logging
from http import HTTPStatus
from json import JSONDecodeError
from typing import Any

from flask import Flask, Response, has_request_context, json, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

PROBLEM_MIMETYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://kb.example/problems/"
log = logging.getLogger(__name__)


class RequestDeadline(BaseException):
    """A request's app call ran past the worker timeout while it waited on I/O (``kb.serving``); a
    BaseException, so that the app's error handlers let it through to the worker."""


class KbError(Exception):
    """An error the API reports to the client; subclasses set the status."""

    status: int = 500
    title: str | None = None
    problem_type: str | None = None  # the end of the problem ``type``; by default the status phrase

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


class ResyncRequiredError(KbError):
    """A sync cursor older than the changes kept: the app starts an initial sync again."""

    status = 410
    title = "Resync required"
    problem_type = "resync-required"


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    errors: Any = None,
    headers: dict[str, str] | None = None,
    problem_type: str | None = None,
    **extensions: Any,
) -> Response:
    """Build the problem+json response; every error of the service goes through here.

    ``extensions`` are RFC 9457 extension members added to the body (e.g. ``checks`` on /readyz).
    """
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (problem_type or phrase.lower().replace(" ", "-").replace("'", "")),
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
    cause = getattr(error, "exc", None)
    if isinstance(cause, (JSONDecodeError, UnicodeDecodeError)):
        return problem(400, _not_json(cause), errors={"body": [_not_json(cause)]}, headers=headers)
    data = getattr(error, "data", None) or {}
    headers.update(data.get("headers") or {})
    errors = data.get("errors") or data.get("messages")
    generic = error.description == type(error).description  # werkzeug's own text, not ours
    detail = data.get("message") or (generic and _routing_detail(code, headers)) or error.description
    if errors and isinstance(errors, dict):
        errors, detail = _flatten_locations(errors, detail, code)
    return problem(code, detail, errors=errors, headers=headers)


def _routing_detail(code: int, headers: dict[str, str]) -> str | None:
    """What werkzeug's routing errors say, in terms of this request (its generic text names neither)."""
    if not has_request_context():
        return None
    if code == 404:
        return f"No route {request.path}: the API's routes are in /api/v1/openapi.json (docs: /api/v1/docs)."
    if code == 405:
        return f"{request.method} is not allowed on {request.path}; use {headers.get('Allow', 'GET')}."
    return None


def _not_json(cause: ValueError) -> str:
    where = f" at line {cause.lineno} column {cause.colno}" if isinstance(cause, JSONDecodeError) else ""
    reason = cause.msg if isinstance(cause, JSONDecodeError) else "it is not UTF-8"
    return f'The body is not valid JSON ({reason}{where}); send a JSON object such as {{"title": "..."}}.'


def _flatten_locations(errors: dict[str, Any], detail: str | None, code: int) -> tuple[Any, str | None]:
    """webargs nests messages by location ({"query": {"per_page": [...]}}); name the fields instead.

    marshmallow's ``_schema`` (an error about a whole object, not one field) is never shown: at the top
    it becomes ``body``, inside it becomes the messages of the object's own name (``sources.0``), and
    "Invalid input type." says what was sent and what is expected."""
    locations = {"query", "json", "headers", "view_args", "form", "files", "cookies"}
    if not errors.keys() <= locations:
        return errors, detail
    sent = request.get_json(silent=True) if has_request_context() else None
    flat: dict[str, Any] = {}
    for location, messages in errors.items():
        if isinstance(messages, dict):
            messages = _public(messages, sent if location == "json" else None)
            whole = messages.pop(SCHEMA_KEY, None)
            flat.update(messages)
            if whole:
                flat["body" if location == "json" else location] = whole
        else:
            flat["body" if location == "json" else location] = _public(messages, sent)
    if code in (400, 422) and list(flat) == ["body"]:
        return flat, " ".join(flat["body"])
    if code not in (400, 422):
        return flat, detail
    if "query" in errors and has_request_context():
        sent = "; ".join(f"{name}={_sent(name)!r}: {_first(flat[name])}" for name in sorted(flat))
        return flat, f"Invalid query parameter{'s' if len(flat) > 1 else ''} {sent}"
    plural = "s" if len(flat) > 1 else ""
    return flat, f"Invalid field{plural}: {', '.join(sorted(flat))}."


def _sent(name: str, limit: int = 80) -> str:
    value = request.args.get(name, "")
    return value if len(value) <= limit else value[:limit] + "..."


def _first(messages: Any) -> str:
    """The first message of a field's messages, however nested (``{"0": ["..."]}`` for list items)."""
    while isinstance(messages, dict | list) and messages:
        messages = next(iter(messages.values())) if isinstance(messages, dict) else messages[0]
    return str(messages)


SCHEMA_KEY = "_schema"
WRONG_TYPE = "Invalid input type."


# marshmallow's own messages say what is wrong, not what to send; these say both. (Its range, length
# and choice messages, "Must be one of: a, b.", already name what is accepted.)
WHAT_TO_SEND = {
    "Missing data for required field.": "Required: send this field.",
    "Unknown field.": "Not a field of this object: remove it (the OpenAPI document lists the fields).",
    "Field may not be null.": "May not be null: send a value (or leave the field out if it is optional).",
    "Not a valid string.": "Not a string: send text.",
    "Not a valid integer.": "Not an integer: send a whole number such as 3.",
    "Not a valid number.": "Not a number: send a number such as 1.5.",
    "Not a valid boolean.": "Not a boolean: send true or false.",
    "Not a valid date.": "Not a date: send a real calendar date as YYYY-MM-DD.",
    "Not a valid datetime.": "Not a date-time: send RFC 3339 with an offset, e.g. 2024-05-01T09:30:00Z.",
    "Not a valid aware datetime.": "No offset: send RFC 3339 with an offset, e.g. 2024-05-01T09:30:00Z.",
    "Not a valid URL.": "Not a URL: send an absolute http(s) URL such as https://example.org/page.",
    "Not a valid UUID.": "Not a UUID: send one such as 123e4567-e89b-12d3-a456-426614174000.",
    "Not a valid list.": "Not an array: send a JSON array.",
    "Not a valid mapping type.": "Not an object: send a JSON object.",
    "String does not match expected pattern.": "Not in the expected form: see the field's pattern.",
}


def what_to_send(messages: Any) -> Any:
    """``messages`` (a field's list, or a dict of them, however nested) in :data:`WHAT_TO_SEND`'s words."""
    if isinstance(messages, list):
        return [what_to_send(m) for m in messages]
    if isinstance(messages, dict):
        return {key: what_to_send(value) for key, value in messages.items()}
    if isinstance(messages, str):
        return WHAT_TO_SEND.get(messages, messages)
    return messages


def _public(messages: Any, sent: Any) -> Any:
    """``messages`` with marshmallow's internal ``_schema`` folded into the object it is about, and its
    wording replaced by what to send."""
    if isinstance(messages, list):
        return [_describe(m, sent) if m == WRONG_TYPE else what_to_send(m) for m in messages]
    if not isinstance(messages, dict):
        return messages
    out: dict[str, Any] = {}
    for key, value in messages.items():
        child = _child(sent, key)
        out[str(key)] = _public(value, child)
        if isinstance(out[str(key)], dict) and list(out[str(key)]) == [SCHEMA_KEY]:
            out[str(key)] = out[str(key)][SCHEMA_KEY]
    if SCHEMA_KEY in out and len(out) > 1:
        out["(object)"] = out.pop(SCHEMA_KEY)
    return out


def _child(sent: Any, key: Any) -> Any:
    if key == SCHEMA_KEY:
        return sent
    if isinstance(sent, dict):
        return sent.get(key)
    if isinstance(sent, list) and str(key).isdigit() and int(key) < len(sent):
        return sent[int(key)]
    return None


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


def _describe(_: str, sent: Any) -> str:
    got = _JSON_TYPES.get(type(sent), "a number")
    return f"Expected a JSON object, got {got}; send an object of the fields this operation documents."


def init_app(app: Flask) -> None:
    """Answer every error, including unexpected ones, with problem+json and never a traceback."""

    @app.errorhandler(KbError)
    def _kb_error(error: KbError) -> Response:
        errors = what_to_send(error.errors)
        return problem(
            error.status,
            error.detail,
            title=error.title,
            errors=errors,
            headers=error.headers,
            problem_type=error.problem_type,
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
