"""The public changes feed apps keep their offline copy in sync with: arguments and pages."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from kb.schemas.details import Slug
from kb.schemas.fields import choice
from kb.schemas.locale import LocaleArgsSchema
from kb.schemas.validators import FullMatch


class ChangesArgsSchema(LocaleArgsSchema):
    since = fields.String(
        validate=FullMatch(r"^[0-9]{0,18}$", error="Not a cursor this feed returned."),
        metadata={"description": "A next_cursor from an earlier call; none for everything"},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    procedure = fields.String(
        validate=Slug.validators,
        metadata={
            "description": "Only changes of content that applies to this procedure (slug), or did until then"
        },
    )


class ChangeSchema(ma.Schema):
    slug = fields.String(required=True)
    kind = fields.String(
        required=True,
        metadata={
            "description": "Entry kind, `article`, or `procedure` (a procedure's title or summary in that "
            "locale; its rules change with its entries' rows)"
        },
    )
    change = choice("ChangeType", ["upsert", "remove"], required=True)
    version = fields.Integer(required=True, metadata={"description": "The version in that locale"})
    locale = fields.String(
        required=True,
        metadata={
            "description": "The translation that changed. A remove in a locale that is not the last of "
            "your chain means: fetch the item again, it now falls back to the next locale."
        },
    )
    at = fields.AwareDateTime(required=True)


class ChangesSchema(ma.Schema):
    data = fields.List(fields.Nested(ChangeSchema), required=True)
    next_cursor = fields.String(required=True, metadata={"description": "Pass as `since` next time"})
    has_more = fields.Boolean(required=True)
