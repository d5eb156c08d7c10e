"""Our flavour of flask-smorest: problem+json errors, 400 for bad query parameters, 422 for bad bodies,
and the request and response headers of conditional requests in the document."""

from __future__ import annotations

import http
from typing import Any

import flask_smorest
import marshmallow as ma
from flask_smorest.utils import prepare_response

from kb.api.intake import Parser

PROBLEM = "application/problem+json"
BODY_LOCATIONS = ("json", "form", "files")
HTTP_DOC = "kb_http"  # _apidoc key of the header parameters and response headers kb.api.docs declares
NO_CONTENT = 204  # has no representation, so no ETag either
NOT_MODIFIED = 304

# `*` or a list of entity-tags (RFC 9110 8.8.3): anything else is no If-Match (428) or matches none (412).
ETAG = r'(W/)?"[\x21\x23-\x7e]*"'
ENTITY_TAGS = rf"^\s*(\*|{ETAG}(\s*,\s*{ETAG})*)\s*$"
# Header parameters and response headers, as components the operations refer to by name.
HEADER_PARAMETERS: dict[str, dict[str, Any]] = {
    "IfNoneMatch": {
        "name": "If-None-Match",
        "required": False,
        "description": "ETag(s) of a copy you hold; if one still matches, the answer is 304 with no body",
        "schema": {"type": "string"},
    },
    "IfModifiedSince": {
        "name": "If-Modified-Since",
        "required": False,
        "description": "Last-Modified of a copy you hold; 304 if unchanged since (If-None-Match wins)",
        "schema": {"type": "string"},
    },
    "IfMatch": {
        "name": "If-Match",
        "required": True,
        "description": "The ETag of your last read of this object, or `*`: without it the write is "
        "refused (428), and if someone saved since, it is refused (412)",
        "schema": {"type": "string", "pattern": ENTITY_TAGS},
    },
    "IfMatchOptional": {
        "name": "If-Match",
        "required": False,
        "description": "The ETag of your last read of this object, or `*`: checked if sent (412 when "
        "someone saved since); without it the change is made whatever the object's version",
        "schema": {"type": "string"},
    },
}
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "Strong validator of this representation; send it as If-None-Match to revalidate",
        "schema": {"type": "string"},
    },
    "LastModified": {
        "description": "When the content was last published (sent without embeds only)",
        "schema": {"type": "string"},
    },
    "ObjectETag": {
        "description": "Version of the object (draft, status and live version); send it as If-Match",
        "schema": {"type": "string"},
    },
    "ServerTiming": {
        "description": "How long the search took on the server, e.g. `search;dur=1.23` (milliseconds)",
        "schema": {"type": "string"},
    },
    "ContentLanguage": {
        "description": "The locale (BCP 47) of the translation served, the item's `locale`",
        "schema": {"type": "string"},
    },
}


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error response carries them."""

    type = ma.fields.String(required=True, metadata={"description": "URI naming the problem type"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True, metadata={"description": "What went wrong, for a human"})
    errors = ma.fields.Dict(metadata={"description": "Messages by field or parameter name"})


class Blueprint(flask_smorest.Blueprint):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_http_doc)

    ARGUMENTS_PARSER = Parser()  # JSON bodies decoded by kb.services.jsonbody

    def arguments(self, schema: Any, *, location: str = "json", **kwargs: Any) -> Any:
        """Invalid query strings, headers and path parts are the client's request errors: 400, not 422."""
        if location not in BODY_LOCATIONS:
            kwargs.setdefault("error_status_code", 400)
        return super().arguments(schema, location=location, **kwargs)

    @staticmethod
    def _prepare_http_doc(doc: dict[str, Any], doc_info: dict[str, Any], **_: Any) -> dict[str, Any]:
        """Add the header parameters and the success responses' headers kb.api.docs declared."""
        declared = doc_info.get(HTTP_DOC)
        if not declared:
            return doc
        doc.setdefault("parameters", []).extend(declared["parameters"])
        for code in doc_info.get("success_status_codes", []):
            if int(code) != NO_CONTENT:
                doc["responses"][code].setdefault("headers", {}).update(declared["headers"])
        if NOT_MODIFIED in doc["responses"]:
            doc["responses"][NOT_MODIFIED].setdefault("headers", {}).update(declared["not_modified"])
        return doc


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

    def _register_etag_headers(self) -> None:
        """Ours instead of flask-smorest's: listed in the document when an operation refers to them."""
        for name, parameter in HEADER_PARAMETERS.items():
            self.spec.components.parameter(name, "header", parameter, lazy=True)
        for name, header in RESPONSE_HEADERS.items():
            self.spec.components.header(name, header, lazy=True)
