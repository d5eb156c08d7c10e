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
    body_format_field,
    envelope,
    fields_field,
    include_field,
    sort_field,
    with_required,
)
from kb.schemas.details import Slug
from kb.schemas.entry import ENTRY_FIELDS, EmbeddedEntrySchema, EntrySummarySchema
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
    body = fields.String(metadata={"description": "Markdown source; left out with body_format=html"})
    body_html = fields.String(
        metadata={"description": "Rendered, sanitized HTML; left out with body_format=markdown"}
    )
    entries = fields.List(
        fields.Nested(EntrySummarySchema),
        required=True,
        metadata={
            "description": "References to the published entries the section names, in order: slug, "
            "kind, title, summary and locale (each entry is served along the article's locale chain on "
            "its own); with include=entries, the whole entry is in `included.entries`, once, under "
            "the same slug"
        },
    )


class ArticleIncludedSchema(ma.Schema):
    entries = fields.List(
        fields.Nested(EmbeddedEntrySchema),
        required=True,
        metadata={
            "description": "Each entry the sections refer to, once, in the order of its first "
            "reference: every field, or those `fields[entries]` names (and its slug and locale)"
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
    """A whole article: every field (as sync sends it)."""

    sources = fields.List(fields.Nested(SourceSchema), required=True)
    sections = fields.List(fields.Nested(SectionSchema), required=True)


class _ArticleDetailSchema(ArticleSchema):
    included = fields.Nested(
        ArticleIncludedSchema,
        metadata={
            "description": "With include=entries: the whole entries the sections refer to, each once "
            "(JSON:API's compound document: sections keep references, `included` holds the resources)"
        },
    )


ARTICLE_FIELDS = sorted(ArticleSchema().fields)
LISTED_ARTICLE_FIELDS = sorted(ArticleSummarySchema().fields)

# The article a detail read sends: every field, unless `fields` names fewer (its slug and locale always);
# `included` with include=entries.
ArticleDetailSchema = with_required(_ArticleDetailSchema, {"slug", "locale"}, "ArticleDetail")
# An article in a list: every field of the summary, unless `fields` names fewer.
ListedArticleSchema = with_required(ArticleSummarySchema, set(), "ListedArticle")
ArticlePageSchema = envelope(ListedArticleSchema, "ArticlePage")


class ArticleListArgsSchema(PageArgsSchema, LocaleArgsSchema):
    procedure = fields.String(
        validate=Slug.validators,
        metadata={"description": "Only content that applies to this procedure (slug)"},
    )
    sort = sort_field(["title", "slug", "updated_at", "published_at"], "title")
    fields_ = fields_field(LISTED_ARTICLE_FIELDS, of="each article")


class ArticleDetailArgsSchema(LocaleArgsSchema):
    include = include_field(["entries"])
    fields_ = fields_field(
        ARTICLE_FIELDS,
        of="the article",
        note=": its `slug` and `locale` always; `included` follows `include`, not `fields`",
    )
    entry_fields = fields_field(
        ENTRY_FIELDS,
        of="each entry in `included.entries`",
        data_key="fields[entries]",
        attribute="entry_fields",
        note=", as JSON:API's `fields[TYPE]`: its `slug` (the key sections refer to it by) and `locale` "
        "always; no effect without include=entries",
    )
    body_format = body_format_field("each section and each included entry")


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
