"""How the OpenAPI document is built from the code: named enums, typed unions, security, headers.

- a field made with ``kb.schemas.fields.choice`` is documented as a ``$ref`` to a named enum component
  (``Kind``...), so that every client generator makes one type of it, not one per use;
- a field whose metadata has ``one_of`` (schema classes) is documented as a ``oneOf`` of their components
  (with a ``discriminator`` when the metadata gives one);
- a schema class with an ``openapi_extra(converter)`` classmethod adds what it returns to its component
  (e.g. the ``if``/``then`` rules tying an entry's ``details`` to its ``kind``);
- a ``Dict`` whose keys are validated says what they must be (``propertyNames``);
- every string the client sends (fields, query and path parameters) that no pattern, enum or format
  already bounds says it may not hold NUL (:data:`TEXT_PATTERN`): the server refuses it everywhere
  (kb/api/intake.py, kb/services/jsonbody.py), since PostgreSQL text cannot hold it;
- an operation on an admin path needs the bearer token (``security``), a public one says it needs
  nothing (``security: []``), or optionally a preview token (kb/api/previews.py); every response of a
  rate-limited route documents ``X-RateLimit-*``, and every 429 ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.field_converter import DEFAULT_FIELD_MAPPING
from marshmallow import fields, missing, validate

from kb.config import ADMIN_PREFIX
from kb.previews.tokens import HEADER as PREVIEW_HEADER
from kb.schemas.fields import TEXT_PATTERN

BEARER = "bearerAuth"
PREVIEW = "previewToken"  # kb/api/previews.py: the public detail reads, for a draft preview
UNLIMITED_PATHS = ("/healthz", "/readyz")  # exempt from rate limits: no X-RateLimit-* headers
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed in the current window of the limit that matters most",
    "X-RateLimit-Remaining": "Requests left in that window",
    "X-RateLimit-Reset": "When that window resets, in seconds since the Unix epoch",
}
HEADERS: dict[str, dict[str, Any]] = {
    **{
        name: {"description": description, "schema": {"type": "integer"}}
        for name, description in RATE_LIMIT_HEADERS.items()
    },
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}},
    "Link": {
        "description": 'RFC 8288 links to the other pages: rel="self", "first", "last", "next", "prev"',
        "schema": {"type": "string"},
    },
}


_BOUNDED = ("pattern", "enum", "format", "const", "$ref")
_KEY_BOUNDS = ("pattern", "enum", "minLength", "maxLength")  # of a Dict's keys, as propertyNames


def text_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with :data:`TEXT_PATTERN` when it is a string that nothing else bounds."""
    types = schema.get("type")
    if (types == "string" or (isinstance(types, list) and "string" in types)) and not any(
        key in schema for key in _BOUNDED
    ):
        schema["pattern"] = TEXT_PATTERN
    return schema


def header_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


class Converter(OpenAPIConverter):
    field_mapping = {**DEFAULT_FIELD_MAPPING, fields.Url: ("string", "uri")}  # "url" is no JSON Schema format

    def field2property(self, field: fields.Field) -> dict[str, Any]:
        if component := field.metadata.get("component"):
            return self._named_enum(field, component)
        if alternatives := field.metadata.get("one_of"):
            prop: dict[str, Any] = {"oneOf": [self.resolve_nested_schema(s) for s in alternatives]}
            if discriminator := field.metadata.get("discriminator"):
                mapping = discriminator["mapping"]
                mapping = {value: self.resolve_nested_schema(s)["$ref"] for value, s in mapping.items()}
                prop["discriminator"] = {"propertyName": discriminator["propertyName"], "mapping": mapping}
            if description := field.metadata.get("description"):
                prop["description"] = description
            return prop
        prop = super().field2property(field)
        if isinstance(field, fields.Dict) and field.key_field is not None:
            keys = super().field2property(field.key_field)
            if bounds := {k: v for k, v in keys.items() if k in _KEY_BOUNDS}:
                prop["propertyNames"] = bounds  # what the keys must be (apispec leaves them out)
        return text_schema(prop) if isinstance(field, fields.String) else prop

    def _named_enum(self, field: fields.Field, component: str) -> dict[str, Any]:
        (values,) = [v.choices for v in field.validators if isinstance(v, validate.OneOf)]
        components = self.spec.components
        if component not in components.schemas:
            components.schema(component, {"type": "string", "enum": list(values)})
        ref: dict[str, Any] = {"$ref": f"#/components/schemas/{component}"}
        prop = {"anyOf": [ref, {"type": "null"}]} if field.allow_none else ref
        for key in ("description", "example"):
            if key in field.metadata:
                prop[key] = field.metadata[key]
        if field.load_default is not missing and not callable(field.load_default):
            prop["default"] = field.load_default
        return prop

    def schema2jsonschema(self, schema: Any) -> dict[str, Any]:
        jsonschema = super().schema2jsonschema(schema)
        partial = getattr(schema, "partial", None)
        if partial:  # a PATCH body: a field left out is left as it is, it takes no default
            for name, prop in jsonschema.get("properties", {}).items():
                if partial is True or name in partial:
                    prop.pop("default", None)
        extra = getattr(schema, "openapi_extra", None)
        return {**jsonschema, **extra(self)} if extra else jsonschema


class KbMarshmallowPlugin(MarshmallowPlugin):
    Converter = Converter


class KbDocumentPlugin(BasePlugin):
    """Security on every operation (the bearer token on admin ones, none on public ones), rate-limit
    headers on every limited response."""

    def init_spec(self, spec: APISpec) -> None:
        self.spec = spec

    def path_helper(self, parameters: list[dict[str, Any]] | None = None, **_: Any) -> None:
        """Path parameters refuse NUL too (a 400 from kb/api/intake.py): say so in their schemas."""
        for parameter in parameters or []:
            if isinstance(parameter, dict) and isinstance(parameter.get("schema"), dict):
                text_schema(parameter["schema"])

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **_: Any) -> None:
        if path is None or not operations:
            return
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            # admin operations need the bearer token; public ones say explicitly that they need nothing
            operation.setdefault("security", [{BEARER: []}] if path.startswith(ADMIN_PREFIX) else [])
            if path in UNLIMITED_PATHS:
                continue
            for status, response in operation["responses"].items():
                if not isinstance(response, dict) or "$ref" in response:
                    continue
                headers = response.setdefault("headers", {})
                for name in RATE_LIMIT_HEADERS:
                    headers.setdefault(name, header_ref(name))
                if str(status) == "429":
                    headers.setdefault("Retry-After", header_ref("Retry-After"))


def register_components(spec: APISpec) -> None:
    """The bearer scheme and the shared response headers."""
    spec.components.security_scheme(
        BEARER,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (`flask --app kb token create`), sent as "
            "`Authorization: Bearer <token>`; admin routes only",
        },
    )
    spec.components.security_scheme(
        PREVIEW,
        {
            "type": "apiKey",
            "in": "header",
            "name": PREVIEW_HEADER,
            "description": "A preview token (`POST /api/v1/admin/entries/{slug}/preview`, and for articles): "
            "the public detail read of that object then shows the draft version the token names, answered "
            "`Cache-Control: private, no-store` without an ETag; an expired or altered token is 401. "
            "Optional: without it the live copy is served",
        },
    )
    for name, header in HEADERS.items():
        spec.components.header(name, header)
    # flask-smorest's own pagination header (X-Pagination) is not ours: its schema would be unused.
    spec.components.schemas.pop("PaginationMetadata", None)
