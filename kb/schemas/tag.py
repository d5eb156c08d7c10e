"""Tag counts over published entries."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from kb.models import KINDS
from kb.schemas.common import Locale, PageArgsSchema, envelope, sort_field


class TagCountSchema(ma.Schema):
    tag = fields.String(required=True)
    count = fields.Integer(required=True, metadata={"description": "Published entries with this tag"})


TagPageSchema = envelope(TagCountSchema, "TagPage")


class TagListArgsSchema(PageArgsSchema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    locale = Locale
    sort = sort_field(["tag", "count"], "-count")
