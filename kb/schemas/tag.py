"""Tag counts over published entries."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from kb.models import KINDS
from kb.schemas.common import PageArgsSchema, envelope, sort_field
from kb.schemas.fields import choice
from kb.schemas.locale import LocaleArgsSchema


class TagCountSchema(ma.Schema):
    tag = fields.String(required=True)
    count = fields.Integer(required=True, metadata={"description": "Entries served with this tag"})


TagPageSchema = envelope(TagCountSchema, "TagPage")


class TagListArgsSchema(PageArgsSchema, LocaleArgsSchema):
    kind = choice("Kind", KINDS)
    sort = sort_field(["tag", "count"], "-count")
