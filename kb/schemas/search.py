"""Search and suggest: arguments and results."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from kb.models import KINDS
from kb.schemas.common import Locale, PageArgsSchema, Tag, envelope
from kb.search.base import MAX_PREFIX_CHARS, MAX_QUERY_CHARS


class SearchArgsSchema(PageArgsSchema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(1, 100),
        metadata={"description": "1-based page; the first 10,000 results are reachable (page * per_page)"},
    )
    q = fields.String(
        required=True,
        validate=validate.Length(1, MAX_QUERY_CHARS),
        metadata={"description": 'Words, "quoted phrases"; the last word matches as a prefix'},
    )
    kind = fields.String(validate=validate.OneOf(KINDS))
    tag = Tag
    locale = Locale


class SearchHitSchema(ma.Schema):
    slug = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    score = fields.Float(required=True)
    highlights = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "HTML-escaped title and best matching fragment; matches wrapped in <mark>"},
    )


class SearchMetaSchema(ma.Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    took_ms = fields.Float(required=True)
    suggestion = fields.String(allow_none=True, required=True, metadata={"description": "Did you mean"})


class FacetsSchema(ma.Schema):
    kind = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    tags = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class SearchPageSchema(envelope(SearchHitSchema, "SearchPageBase")):
    meta = fields.Nested(SearchMetaSchema, required=True)
    facets = fields.Nested(FacetsSchema, required=True)


class SuggestArgsSchema(ma.Schema):
    q = fields.String(
        required=True,
        validate=validate.Length(1, MAX_PREFIX_CHARS),
        metadata={"description": "What the user has typed so far"},
    )
    limit = fields.Integer(load_default=8, validate=validate.Range(1, 20))
    locale = Locale


class SuggestionSchema(ma.Schema):
    slug = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)


class SuggestionListSchema(ma.Schema):
    data = fields.List(fields.Nested(SuggestionSchema), required=True)
