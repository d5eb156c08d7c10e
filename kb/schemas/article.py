"""Article shapes: a whole article in order, ready for a front end to render."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from kb.models import STATUSES
from kb.schemas.common import (
    InputSchema,
    Locale,
    PageArgsSchema,
    SourceSchema,
    Tag,
    envelope,
    include_field,
    sort_field,
)
from kb.schemas.details import Slug
from kb.schemas.entry import EmbeddedEntrySchema
from kb.schemas.fields import choice
from kb.schemas.locale import LocaleArgsSchema, translations_field


class SectionSchema(ma.Schema):
    heading = fields.String(required=True)
    anchor = fields.String(
        required=True,
        metadata={
            "description": "The section's URL fragment (`/articles/<slug>#<anchor>`), unique in the "
            "article: its heading in the served language folded to lower-case ASCII words joined by "
            "hyphens (`section-<n>` when it has none, `-2`, `-3` on repeats). Search hits name "
            "sections by it.",
            "example": "risk-of-infection",
        },
    )
    body = fields.String(required=True, metadata={"description": "Markdown source"})
    body_html = fields.String(required=True, metadata={"description": "Rendered, sanitized HTML"})
    entries = fields.List(
        fields.Nested(EmbeddedEntrySchema),
        required=True,
        metadata={
            "description": "Published entries the section references, in order: slug, kind, title, "
            "summary and locale (each entry is served along the article's locale chain on its own); "
            "every entry field with include=entries"
        },
    )


class ArticleSummarySchema(ma.Schema):
    id = fields.UUID(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    locale = fields.String(required=True, metadata={"description": "The language served (BCP 47)"})
    translations = translations_field()
    tags = fields.List(fields.String(), required=True)
    procedures = fields.List(
        fields.String(), required=True, metadata={"description": "Slugs of the procedures it applies to"}
    )
    status = choice("Status", STATUSES, required=True)
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    published_at = fields.AwareDateTime(allow_none=True, required=True)


class ArticleSchema(ArticleSummarySchema):
    sources = fields.List(fields.Nested(SourceSchema), required=True)
    sections = fields.List(fields.Nested(SectionSchema), required=True)


ArticlePageSchema = envelope(ArticleSummarySchema, "ArticlePage")


class ArticleListArgsSchema(PageArgsSchema, LocaleArgsSchema):
    procedure = fields.String(
        validate=Slug.validators,
        metadata={"description": "Only content that applies to this procedure (slug)"},
    )
    sort = sort_field(["title", "slug", "updated_at", "published_at"], "title")


class ArticleDetailArgsSchema(LocaleArgsSchema):
    include = include_field(["entries"])


class SectionInputSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    heading = fields.String(required=True, validate=validate.Length(1, 300))
    body = fields.String(load_default="", validate=validate.Length(max=100_000))
    entries = fields.List(Slug, load_default=list, validate=validate.Length(max=100))


class ArticleInputSchema(InputSchema):
    """A whole article as editors, imports and the seed loader write it."""

    slug = fields.String(required=True, validate=Slug.validators)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    summary = fields.String(load_default="", validate=validate.Length(max=1000))
    locale = fields.String(load_default="en", validate=Locale.validators)
    tags = fields.List(Tag, load_default=list, validate=validate.Length(max=30))
    procedures = fields.List(
        Slug,
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "Slugs of the procedures it applies to (see /api/v1/procedures)"},
    )
    sources = fields.List(fields.Nested(SourceSchema), load_default=list, validate=validate.Length(max=50))
    sections = fields.List(fields.Nested(SectionInputSchema), required=True, validate=validate.Length(1, 200))
