"""Entry shapes: what clients read and what editors and the seed loader write."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from kb.models import KINDS, STATUSES
from kb.schemas.common import (
    InputSchema,
    Locale,
    PageArgsSchema,
    SourceSchema,
    Tag,
    body_format_field,
    envelope,
    fields_field,
    include_field,
    sort_field,
    with_required,
)
from kb.schemas.details import DETAILS_SCHEMAS, Slug
from kb.schemas.fields import choice
from kb.schemas.locale import LocaleArgsSchema, translations_field

DETAILS_METADATA = {
    "description": "Kind-specific structured details: ComplicationDetails for a complication, "
    "TechniqueDetails for a technique, AftercareDetails for aftercare",
    "one_of": list(DETAILS_SCHEMAS.values()),
}


class EntrySummarySchema(ma.Schema):
    """The few fields needed to list or link an entry."""

    slug = fields.String(required=True)
    kind = choice("Kind", KINDS, required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    locale = fields.String(required=True, metadata={"description": "The language served (BCP 47)"})


class EntrySchema(EntrySummarySchema):
    """A published entry as clients read it."""

    id = fields.UUID(required=True)
    body = fields.String(metadata={"description": "Markdown source; left out with body_format=html"})
    body_html = fields.String(
        metadata={"description": "Rendered, sanitized HTML; left out with body_format=markdown"}
    )
    tags = fields.List(fields.String(), required=True)
    translations = translations_field()
    related = fields.List(fields.String(), required=True, metadata={"description": "Slugs"})
    procedures = fields.List(
        fields.String(), required=True, metadata={"description": "Slugs of the procedures it applies to"}
    )
    related_entries = fields.List(
        fields.Nested(EntrySummarySchema),
        metadata={"description": "Published related entries; present with include=related"},
    )
    details = fields.Dict(required=True, metadata=DETAILS_METADATA)
    sources = fields.List(fields.Nested(SourceSchema), required=True)
    last_reviewed = fields.Date(allow_none=True, required=True)
    next_review_due = fields.Date(allow_none=True, required=True)
    reviewed_by = fields.String(allow_none=True, required=True)
    status = choice("Status", STATUSES, required=True)
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    published_at = fields.AwareDateTime(allow_none=True, required=True)


ENTRY_FIELDS = sorted(EntrySchema().fields)


# An entry an article includes (include=entries): its slug (what sections refer to it by) and locale
# always, every other field unless `fields[entries]` or `body_format` asks for fewer.
EmbeddedEntrySchema = with_required(EntrySchema, {"slug", "locale"}, "EmbeddedEntry")
# An entry in a list: every field, unless the `fields` parameter asks for fewer.
ListedEntrySchema = with_required(EntrySchema, set(), "ListedEntry")


EntryPageSchema = envelope(ListedEntrySchema, "EntryPage")


class EntryListArgsSchema(PageArgsSchema, LocaleArgsSchema):
    kind = choice("Kind", KINDS)
    tag = Tag
    procedure = fields.String(
        validate=Slug.validators,
        metadata={"description": "Only content that applies to this procedure (slug)"},
    )
    sort = sort_field(["title", "slug", "updated_at", "published_at"], "title")
    fields_ = fields_field(ENTRY_FIELDS, of="each entry")
    body_format = body_format_field("each entry")


class EntryDetailArgsSchema(LocaleArgsSchema):
    include = include_field(["related"])
    body_format = body_format_field("the entry")


class EntryInputSchema(InputSchema):
    """A whole entry as editors, imports and the seed loader write it; ``details`` checked per kind."""

    slug = fields.String(required=True, validate=Slug.validators)
    kind = choice("Kind", KINDS, required=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    summary = fields.String(load_default="", validate=validate.Length(max=1000))
    body = fields.String(load_default="", validate=validate.Length(max=100_000))
    tags = fields.List(Tag, load_default=list, validate=validate.Length(max=30))
    locale = fields.String(load_default="en", validate=Locale.validators)
    related = fields.List(Slug, load_default=list, validate=validate.Length(max=50))
    procedures = fields.List(
        Slug,
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "Slugs of the procedures it applies to (see /api/v1/procedures)"},
    )
    details = fields.Dict(
        required=True,
        metadata=DETAILS_METADATA,
        error_messages={"invalid": "Send details as a JSON object with the fields of the entry's kind."},
    )
    sources = fields.List(fields.Nested(SourceSchema), load_default=list, validate=validate.Length(max=50))
    last_reviewed = fields.Date(allow_none=True, load_default=None)
    next_review_due = fields.Date(allow_none=True, load_default=None)
    reviewed_by = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))

    @classmethod
    def openapi_extra(cls, converter: Any) -> dict[str, Any]:
        """Document what ``details_match_kind`` checks: the shape of ``details`` follows ``kind``."""
        rules = [
            {
                "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                "then": {"properties": {"details": converter.resolve_nested_schema(schema)}},
            }
            for kind, schema in DETAILS_SCHEMAS.items()
        ]
        return {"allOf": rules}

    @ma.validates_schema
    def details_match_kind(self, data: dict[str, Any], **_: Any) -> None:
        schema = _details_schema(data.get("kind", ""))
        if schema is None:
            return
        try:
            data["details"] = schema.load(data.get("details") or {})
        except ma.ValidationError as exc:
            raise ma.ValidationError(exc.messages, field_name="details") from exc


_DETAILS_INSTANCES: dict[str, ma.Schema] = {}


def _details_schema(kind: str) -> ma.Schema | None:
    """One instance per kind's details schema (making one copies its fields: an import validates
    thousands of entries)."""
    found = _DETAILS_INSTANCES.get(kind)
    if found is None and (schema := DETAILS_SCHEMAS.get(kind)) is not None:
        found = _DETAILS_INSTANCES[kind] = schema()
    return found
