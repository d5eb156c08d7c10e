"""Shapes shared by every resource: list arguments, the list envelope, sources."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import marshmallow as ma
from flask import has_request_context, request
from marshmallow import fields, validate
from webargs.fields import DelimitedList

from kb.schemas.details import SLUG_ERROR, SLUG_PATTERN
from kb.schemas.fields import DateString, QueryArgsSchema
from kb.schemas.validators import FullMatch
from kb.search.base import MAX_PER_PAGE  # one set of limits: kb/search/base.py's

LOCALE_PATTERN = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"

LOCALE_ERROR = "Send a language tag such as 'en' or 'pt-BR'."

Tag = fields.String(validate=[validate.Length(1, 64), FullMatch(SLUG_PATTERN, error=SLUG_ERROR)])
Locale = fields.String(validate=FullMatch(LOCALE_PATTERN, error=LOCALE_ERROR))


class PageArgsSchema(QueryArgsSchema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=1_000_000),
        metadata={"description": "1-based page number"},
    )
    per_page = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"Items per page, 1 to {MAX_PER_PAGE}"},
    )


def sort_field(allowed: list[str], default: str) -> fields.String:
    """A ``sort`` parameter: one of ``allowed``, optionally prefixed with ``-`` for descending."""
    choices = [*allowed, *(f"-{name}" for name in allowed)]
    return fields.String(
        load_default=default,
        validate=validate.OneOf(choices),
        metadata={"description": "Sort key; prefix with - for descending"},
    )


NOT_EMPTY_LIST = "Give at least one value, or leave the parameter out."


def include_field(allowed: list[str]) -> DelimitedList:
    """``include=a,b``: embeds; an empty ``include=`` is refused (it names nothing to include)."""
    return DelimitedList(
        fields.String(validate=validate.OneOf(allowed)),
        load_default=list,
        validate=validate.Length(min=1, error=f"{NOT_EMPTY_LIST} Embeds: {', '.join(allowed)}."),
        metadata={"description": f"Comma-separated embeds: {', '.join(allowed)}"},
    )


def fields_field(
    allowed: Iterable[str], *, of: str, data_key: str = "fields", attribute: str = "fields", note: str = ""
) -> DelimitedList:
    """``fields=a,b`` (or ``data_key``): a sparse answer, only those fields of ``of`` (every field
    without it); an empty value is refused. The view gets it as ``attribute``."""
    names = sorted(allowed)
    return DelimitedList(
        fields.String(validate=validate.OneOf(names)),
        data_key=data_key,
        attribute=attribute,
        validate=validate.Length(min=1, error=f"{NOT_EMPTY_LIST} Field names: {', '.join(names)}."),
        metadata={"description": f"Comma-separated fields of {of} to return (sparse response){note}"},
    )


BODY_FORMATS = ("both", "markdown", "html")


def body_format_field(of: str) -> fields.String:
    """``body_format``: which body of ``of`` to send, Markdown ``body``, ``body_html`` or both (default)."""
    return fields.String(
        load_default="both",
        validate=validate.OneOf(BODY_FORMATS),
        metadata={
            "description": f"The body of {of} to send: `markdown` (`body` only), `html` (`body_html` only) "
            "or `both` (the default)"
        },
    )


def sparse(item: dict[str, Any], wanted: Iterable[str] | None, keep: Iterable[str] = ()) -> dict[str, Any]:
    """``item`` with only the fields ``wanted`` (and ``keep``), or whole when nothing is wanted."""
    if not wanted:
        return item
    names = {*wanted, *keep}
    return {k: v for k, v in item.items() if k in names}


def with_required(schema: type[ma.Schema], required: set[str], name: str) -> type[ma.Schema]:
    """A copy of ``schema`` in which only the fields named in ``required`` are documented as required."""
    declared = {}
    for field_name, field in schema._declared_fields.items():
        field = copy.copy(field)
        field.required = field_name in required
        declared[field_name] = field
    return ma.Schema.from_dict(declared, name=name)


class PageMetaSchema(ma.Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class LinksSchema(ma.Schema):
    self_ = fields.String(data_key="self", attribute="self", required=True)
    first = fields.String(required=True)
    last = fields.String(required=True)
    next = fields.String(allow_none=True, required=True)
    prev = fields.String(allow_none=True, required=True)


def envelope(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The list envelope ``{data, meta, links}`` around ``item_schema``; honours sparse ``fields``."""

    class Envelope(ma.Schema):
        data = fields.List(fields.Nested(item_schema), required=True)
        meta = fields.Nested(PageMetaSchema, required=True)
        links = fields.Nested(LinksSchema, required=True)

        @ma.post_dump(pass_original=True)
        def sparse(self, data: dict[str, Any], original: dict[str, Any], **_: Any) -> dict[str, Any]:
            if wanted := original.get("fields"):
                data["data"] = [sparse(item, wanted) for item in data["data"]]
            return data

    Envelope.__name__ = name
    return Envelope


class SourceSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    title = fields.String(required=True, validate=validate.Length(1, 500))
    url = fields.Url(allow_none=True, load_default=None, schemes={"http", "https"})
    publisher = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))
    author = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))
    accessed = DateString(
        allow_none=True,
        load_default=None,
        metadata={"description": "Date the source was consulted, YYYY-MM-DD (a real calendar date)"},
    )


WRITES = ("POST", "PUT", "PATCH")
READ_ONLY_FIELDS = (
    "id",
    "version",
    "status",
    "created_at",
    "updated_at",
    "published_at",
    "body_html",
    "live_version",
    "has_unpublished_changes",
    "related_entries",
)


class InputSchema(ma.Schema):
    """A body editors send: unknown fields are refused, and read-only ones say so."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def refuse_an_empty_body(self, data: Any, **_: Any) -> Any:
        """A write with no body at all is a mistake, not a change of nothing (``{}`` is that)."""
        if (
            not data
            and has_request_context()
            and request.method in WRITES
            and not request.get_data(cache=True).strip()
        ):
            raise ma.ValidationError("The body is empty; send a JSON object with the fields to write.")
        return data

    @ma.pre_load
    def refuse_read_only(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and (given := [name for name in READ_ONLY_FIELDS if name in data]):
            raise ma.ValidationError({name: ["Read-only field; the server sets it."] for name in given})
        return data
