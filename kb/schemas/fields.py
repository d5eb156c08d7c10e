"""Fields with a meaning of their own in the OpenAPI document (see kb/api/openapi.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import has_request_context, request
from marshmallow import Schema, ValidationError, fields, pre_load, validate

# Any text but NUL (U+0000), which the server refuses in every string it is sent (PostgreSQL text cannot
# hold it). ECMA-262 and Python read the escape alike; the anchors make the pattern hold for the whole
# string. kb/api/openapi.py puts it on every string of the document that nothing else bounds.
TEXT_PATTERN = r"^[^\x00]*$"


def choice(component: str, values: tuple[str, ...] | list[str], **kwargs: Any) -> fields.String:
    """A string taking one of ``values``, documented once as the named enum ``component`` (``Kind``...),
    so that a generated client has one type for it, not one per use."""
    metadata = {**kwargs.pop("metadata", {}), "component": component}
    return fields.String(validate=validate.OneOf(values), metadata=metadata, **kwargs)


class DateString(fields.Date):
    """A calendar date (``format: date``) kept as its ISO string: ``2024-02-30`` is refused."""

    default_error_messages = {"invalid": "Not a date. Send a real calendar date as YYYY-MM-DD."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        date: dt.date = super()._deserialize(value, attr, data, **kwargs)
        return date.isoformat()

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)


class WholeNumber(fields.Integer):
    """An integer in a JSON body: ``3`` or ``3.0``, never ``2.5`` (which ``Integer`` would cut to 2),
    ``true`` (which it would take for 1) or ``"3"`` (a string)."""

    default_error_messages = {"invalid": "Not a whole number: send an integer such as 3."}

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool | str) or (isinstance(value, float) and not value.is_integer()):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)  # type: ignore[no-any-return]


class QueryArgsSchema(Schema):
    """Query parameters: one given twice (``days=1&days=2``, ``fields=a&fields=b``) is refused, not
    silently read as one of them. Lists are one comma-separated value (``fields=a,b``)."""

    @pre_load
    def refuse_repeats(self, data: Any, **_: Any) -> Any:
        if not has_request_context():
            return data
        repeated = {
            field.data_key or name: len(request.args.getlist(field.data_key or name))
            for name, field in self.fields.items()
            if len(request.args.getlist(field.data_key or name)) > 1
        }
        if repeated:
            raise ValidationError({key: [f"Give {key} once; got {n} values."] for key, n in repeated.items()})
        return data
