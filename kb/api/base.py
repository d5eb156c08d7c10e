"""Our flavour of flask-smorest: problem+json errors, 400 for bad query parameters, doc responses."""

from __future__ import annotations

from typing import Any, NoReturn

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser, abort


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error response carries them."""

    type = ma.fields.String(required=True, metadata={"description": "URI naming the problem type"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True, metadata={"description": "What went wrong, for a human"})
    errors = ma.fields.Dict(metadata={"description": "Messages by field or parameter name"})


class Parser(FlaskParser):
    """Answer invalid query strings and headers with 400, invalid bodies with 422."""

    def handle_error(self, error: ma.ValidationError, req: Any, schema: ma.Schema, *,
                     error_status_code: int | None, error_headers: Any) -> NoReturn:
        location = _location_of(error)
        status = error_status_code or (422 if location in ("json", "form", "files") else 400)
        abort(status, exc=error, messages=error.messages, schema=schema, headers=error_headers)


def _location_of(error: ma.ValidationError) -> str | None:
    messages = error.messages
    if isinstance(messages, dict) and len(messages) == 1:
        return next(iter(messages))
    return None


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()


class Api(flask_smorest.Api):
    """flask-smorest Api whose documented error body is problem+json; errors are handled in kb.errors."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # we document each error response explicitly

    def _register_error_handlers(self) -> None:
        """kb.errors registers the one handler for every error."""
