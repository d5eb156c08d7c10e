"""Search and suggest: arguments and results."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from kb.models import KINDS
from kb.schemas.common import PageArgsSchema, Tag, envelope
from kb.schemas.details import Slug
from kb.schemas.fields import choice
from kb.schemas.locale import LocaleArgsSchema
from kb.search.base import MAX_PREFIX_CHARS, MAX_QUERY_CHARS, MAX_SUGGEST_LIMIT, TYPES


def procedure_filter(what: str) -> fields.String:
    """The ``procedure=`` query parameter: a procedure slug, as on the lists (one that no content names
    finds nothing)."""
    return fields.String(
        validate=Slug.validators,
        metadata={
            "description": f"Only {what} that apply to this procedure (slug, see /api/v1/procedures; one "
            "that no content applies to finds nothing). Facets count within it",
            "example": "microneedling",
        },
    )


class SearchArgsSchema(PageArgsSchema, LocaleArgsSchema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(1, 100),
        metadata={"description": "1-based page; the first 10,000 results are reachable (page * per_page)"},
    )
    q = fields.String(
        required=True,
        validate=validate.Length(1, MAX_QUERY_CHARS),
        metadata={
            "description": 'Words, "quoted phrases"; the last word matches as a prefix. A q with nothing '
            "to search for (only spaces, punctuation or control characters) finds nothing"
        },
    )
    kind = choice(
        "Kind",
        KINDS,
        metadata={"description": "Only entries of this kind (articles have no kind, so none of them)"},
    )
    tag = Tag
    type = choice(
        "SearchType",
        TYPES,
        metadata={"description": "Only entries, or only articles (default: both)"},
    )
    procedure = procedure_filter("entries and articles")


class SectionRefSchema(ma.Schema):
    heading = fields.String(required=True, metadata={"description": "The section's heading"})
    anchor = fields.String(
        required=True,
        metadata={
            "description": "The section's anchor, as the article names it (`sections[].anchor` of "
            "getArticle): link to `/articles/<slug>#<anchor>`",
            "example": "risk-of-infection",
        },
    )


class SearchHitSchema(ma.Schema):
    type = choice(
        "SearchType",
        TYPES,
        required=True,
        metadata={"description": "What the hit is: an entry, or an article (slug of getArticle)"},
    )
    slug = fields.String(required=True)
    kind = choice(
        "Kind",
        KINDS,
        required=True,
        allow_none=True,
        metadata={"description": "The entry's kind; null for an article"},
    )
    title = fields.String(required=True)
    summary = fields.String(required=True)
    locale = fields.String(required=True, metadata={"description": "The language of this hit"})
    score = fields.Float(required=True)
    highlights = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "HTML-escaped title and best matching fragment; matches wrapped in <mark>"},
    )
    urgent = fields.Boolean(
        required=True,
        metadata={
            "description": "The query matched one of this entry's warning signs whose action is urgent "
            "(seek_care_promptly): show it prominently. Urgent hits rank first."
        },
    )
    action = fields.String(
        allow_none=True,
        metadata={"description": "The matched warning sign's action when urgent, else null"},
    )
    section = fields.Nested(
        SectionRefSchema,
        allow_none=True,
        metadata={
            "description": "Articles only: the section that matches the query best (most query words in "
            "its heading, which count double, and body; the first on a tie), whose body the body "
            "highlight comes from; null when only the title, summary or tags matched"
        },
    )


class QueryWordsSchema(ma.Schema):
    used = fields.List(fields.String(), required=True, metadata={"description": "Words the results match"})
    dropped = fields.List(
        fields.String(), required=True, metadata={"description": "Words left out (no result has them all)"}
    )


class SearchMetaSchema(ma.Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    suggestion = fields.String(allow_none=True, required=True, metadata={"description": "Did you mean"})
    query_id = fields.String(
        required=True,
        metadata={"description": "Names the query (not the user); send it with clicks to /search/events"},
    )
    facets_estimated = fields.Boolean(
        required=True,
        metadata={
            "description": "Whether the facet counts are estimates: on PostgreSQL, a facet over more "
            "matches than KB_SEARCH_FACET_CAP (2,000 by default) is counted over the first that many and "
            "scaled, as search engines do (Algolia's exhaustiveFacetsCount); `total` is always exact"
        },
    )
    words = fields.Nested(
        QueryWordsSchema,
        metadata={
            "description": "Present when not every word could be used: no document has them all, so words "
            "were dropped from the end of the query until something matched (results with more of the "
            "leading words rank first); folded words in query order"
        },
    )


class FacetsSchema(ma.Schema):
    """Counts over every match; each facet applies every filter but its own (so other values stay).
    Estimates when `meta.facets_estimated` is true."""

    kind = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "Entries by kind (articles have none)"},
    )
    tags = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "Entries and articles by tag"},
    )
    type = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "Matches by type: entry, article", "example": {"entry": 7, "article": 1}},
    )


class SearchPageSchema(envelope(SearchHitSchema, "SearchPageBase")):
    meta = fields.Nested(SearchMetaSchema, required=True)
    facets = fields.Nested(FacetsSchema, required=True)


class SuggestArgsSchema(LocaleArgsSchema):
    q = fields.String(
        required=True,
        validate=validate.Length(1, MAX_PREFIX_CHARS),
        metadata={"description": "What the user has typed so far"},
    )
    limit = fields.Integer(load_default=8, validate=validate.Range(1, MAX_SUGGEST_LIMIT))
    procedure = procedure_filter("titles of entries and articles")


class SuggestionSchema(ma.Schema):
    type = choice(
        "SearchType", TYPES, required=True, metadata={"description": "An entry's or an article's title"}
    )
    slug = fields.String(required=True)
    kind = choice(
        "Kind",
        KINDS,
        required=True,
        allow_none=True,
        metadata={"description": "The entry's kind; null for an article"},
    )
    title = fields.String(required=True)
    locale = fields.String(required=True, metadata={"description": "The language of this title"})


class SuggestionListSchema(ma.Schema):
    data = fields.List(fields.Nested(SuggestionSchema), required=True)
