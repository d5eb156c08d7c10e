"""Bulk import and export: query arguments, the import items and body, and the import report."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from kb.models import STATUSES
from kb.schemas.article import ArticleInputSchema
from kb.schemas.entry import EntryInputSchema
from kb.schemas.fields import TEXT_PATTERN, QueryArgsSchema, choice
from kb.schemas.procedures import ProcedureInputSchema

NDJSON = "application/x-ndjson"


class ImportArgsSchema(QueryArgsSchema):
    dry_run = ma.fields.Boolean(load_default=False, metadata={"description": "Validate and report only"})


class ImportReportSchema(ma.Schema):
    dry_run = ma.fields.Boolean(required=True)
    items = ma.fields.Integer(required=True)
    created = ma.fields.List(ma.fields.String(), required=True)
    updated = ma.fields.List(ma.fields.String(), required=True)
    unchanged = ma.fields.List(ma.fields.String(), required=True)


def _import_item(kind: str, body: type[ma.Schema]) -> type[ma.Schema]:
    """One item of an import (and of an export), for entries or articles (``type``)."""

    class ImportItem(ma.Schema):
        type = fields.String(required=True, validate=validate.OneOf([kind]))
        id = fields.UUID(allow_none=True, metadata={"description": "Kept when creating; export gives it"})
        status = choice("Status", STATUSES, load_default="draft")
        draft = fields.Nested(body, required=True)
        live = fields.Nested(
            body, allow_none=True, metadata={"description": "The published copy, exactly when published"}
        )

        @classmethod
        def openapi_extra(cls, converter: Any) -> dict[str, Any]:
            """What kb.services.bulk checks: the live copy is given exactly when the status is published."""
            published = {"properties": {"status": {"const": "published"}}, "required": ["status"]}
            live = converter.resolve_nested_schema(body)
            return {
                "if": published,
                "then": {"properties": {"live": live}, "required": ["live"]},
                "else": {"properties": {"live": {"type": "null"}}},
            }

    ImportItem.__name__ = f"{kind.capitalize()}ImportItem"
    return ImportItem


EntryImportItemSchema = _import_item("entry", EntryInputSchema)
ArticleImportItemSchema = _import_item("article", ArticleInputSchema)


class ProcedureImportItemSchema(ma.Schema):
    """A procedure in an import (and an export): it must come before the content that names it."""

    type = fields.String(required=True, validate=validate.OneOf(["procedure"]))
    id = fields.UUID(allow_none=True, metadata={"description": "Kept when creating; export gives it"})
    procedure = fields.Nested(ProcedureInputSchema, required=True)


class ImportBodySchema(ma.Schema):
    """The JSON import body (documentation only: kb.services.bulk validates items one by one)."""

    items = fields.List(
        fields.Dict(
            metadata={
                "one_of": [EntryImportItemSchema, ArticleImportItemSchema, ProcedureImportItemSchema],
                "discriminator": {
                    "propertyName": "type",
                    "mapping": {
                        "entry": EntryImportItemSchema,
                        "article": ArticleImportItemSchema,
                        "procedure": ProcedureImportItemSchema,
                    },
                },
            }
        ),
        required=True,
    )


ITEMS_BODY: dict[str, Any] = {
    "content": {
        "application/json": {"schema": ImportBodySchema},
        NDJSON: {
            "schema": {
                "type": "string",
                "pattern": TEXT_PATTERN,
                "description": "NDJSON: one EntryImportItem, ArticleImportItem or ProcedureImportItem JSON "
                "object per line, as export?format=ndjson gives them (procedures before the content "
                "naming them)",
            }
        },
    }
}


class ExportArgsSchema(QueryArgsSchema):
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "ndjson"]))
