"""Our flavour of flask-smorest: problem+json errors, 400 for bad query parameters, 422 for bad bodies."""

from __future__ import annotations

import http
from typing import Any

import flask_smorest
import marshmallow as ma
from flask_smorest.utils import prepare_response

PROBLEM = "application/problem+json"
BODY_LOCATIONS = ("json", "form", "files")


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error response carries them."""

    type = ma.fields.String(required=True, metadata={"description": "URI naming the problem type"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True, metadata={"description": "What went wrong, for a human"})
    errors = ma.fields.Dict(metadata={"description": "Messages by field or parameter name"})


class Blueprint(flask_smorest.Blueprint):
    def arguments(self, schema: Any, *, location: str = "json", **kwargs: Any) -> Any:
        """Invalid query strings, headers and path parts are the client's request errors: 400, not 422."""
        if location not in BODY_LOCATIONS:
            kwargs.setdefault("error_status_code", 400)
        return super().arguments(schema, location=location, **kwargs)


class Api(flask_smorest.Api):
    """flask-smorest Api documenting problem+json errors; kb.errors handles every error at run time."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # each view documents the errors it gives

    def _register_error_handlers(self) -> None:
        """kb.errors registers the one handler for every error."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            if status >= 400:
                response = {"description": status.phrase, "schema": ProblemSchema}
                prepare_response(response, self.spec, PROBLEM)
                self.spec.components.response(status.name, response, lazy=True)
