"""InstantSearch (Algolia-shaped) multi-search: requests in, results out."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from kb.schemas.fields import TEXT_PATTERN
from kb.schemas.locale import LocaleArgsSchema
from kb.search.base import MAX_PER_PAGE, MAX_QUERY_CHARS

MAX_REQUESTS = 20
MAX_FILTER_GROUPS = 20
MAX_FILTER_VALUES = 50
FACET_DESCRIPTION = (
    "Facets: `kind` (of entries), `tags` and `type` (`entry` or `article`; a `kind` filter keeps "
    "entries only)"
)


_ESTIMATED = "False when the facet counts are estimates (PostgreSQL, beyond KB_SEARCH_FACET_CAP matches)"


class FacetFilters(fields.Field):
    """``"kind:technique"``, or a list whose items are such strings (AND) or lists of them (OR)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value == "":
            return None
        groups = value if isinstance(value, list) else [value]
        if len(groups) > MAX_FILTER_GROUPS:
            raise ma.ValidationError(f"At most {MAX_FILTER_GROUPS} filter groups.")
        for group in groups:
            members = group if isinstance(group, list) else [group]
            if len(members) > MAX_FILTER_VALUES:
                raise ma.ValidationError(f"At most {MAX_FILTER_VALUES} values in one OR group.")
            if not all(isinstance(member, str) and 0 < len(member) <= 200 for member in members):
                raise ma.ValidationError("Filters are 'facet:value' strings, or lists of them (OR).")
        return value


class JsonInteger(fields.Integer):
    """A JSON integer (``3`` or ``3.0``), never a fraction or a string."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        integral = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not integral:
            raise ma.ValidationError("Not a valid integer.")
        return super()._deserialize(int(value), attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """JSON true or false only (not 0, 1 or "yes")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ma.ValidationError("Not a valid boolean.")
        return value


class FacetNames(fields.Field):
    """A facet name or a list of them (InstantSearch.js sends a string for its facet-only requests)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        names = ([value] if value else []) if isinstance(value, str) else value
        if not isinstance(names, list) or len(names) > 10:
            raise ma.ValidationError("A facet name or a list of at most 10.")
        if not all(isinstance(name, str) and 0 < len(name) <= 64 for name in names):
            raise ma.ValidationError("Facet names are non-empty strings.")
        return names


FILTER = {"type": "string", "pattern": r"^(kind|tags|type|procedure):[^-\x00][^\x00]*$", "maxLength": 200}
FACET_FILTERS_SPEC = {
    "description": "AND across the list, OR inside an inner list: "
    '`["kind:technique", ["tags:sun", "tags:healing"]]`; `procedure:<slug>` keeps what applies to that '
    "procedure (as `procedure=` on searchEntries; a filter, not a counted facet)",
    "oneOf": [
        {"type": "null"},
        {"type": "string", "maxLength": 0},
        FILTER,
        {
            "type": "array",
            "maxItems": MAX_FILTER_GROUPS,
            "items": {"oneOf": [FILTER, {"type": "array", "maxItems": MAX_FILTER_VALUES, "items": FILTER}]},
        },
    ],
}


def _no_filters(name: str) -> fields.Raw:
    """Algolia filter syntaxes kb does not speak; empty values (as InstantSearch.js sends) are accepted."""

    def empty(value: Any) -> None:
        if value not in (None, "", []):
            raise ma.ValidationError(f"{name} is not supported; use facetFilters.")

    return fields.Raw(
        allow_none=True,
        validate=empty,
        metadata={
            "description": f"Not supported: {name} must be empty or absent",
            "type": ["string", "array"],
            "items": {},
            "maxLength": 0,
            "maxItems": 0,
        },
    )


# Algolia's other search parameters (attributesToSnippet, clickAnalytics, userToken, optionalFilters...)
# are accepted and ignored: a string, number, boolean or null, or a list of them, or a list of such lists.
_SCALAR = {"type": ["string", "number", "boolean", "null"], "pattern": TEXT_PATTERN}
OTHER_PARAM_SPEC = {
    "description": "Another Algolia search parameter (attributesToSnippet, clickAnalytics...): ignored",
    "anyOf": [
        _SCALAR,
        {"type": "array", "items": {"anyOf": [_SCALAR, {"type": "array", "items": _SCALAR}]}},
    ],
}


def _other_param(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` has a shape :data:`OTHER_PARAM_SPEC` allows."""
    if value is None or isinstance(value, str | int | float | bool):
        return True
    return isinstance(value, list) and depth < 2 and all(_other_param(item, depth + 1) for item in value)


class SearchParamsSchema(ma.Schema):
    """The Algolia search parameters kb understands; others (attributesToSnippet, ...) are ignored."""

    class Meta:
        unknown = ma.EXCLUDE

    @ma.validates_schema(pass_original=True)
    def other_params(self, _: dict[str, Any], original: Any, **__: Any) -> None:
        """The parameters kb ignores still have an Algolia parameter's shape (as the document says)."""
        if not isinstance(original, dict):
            return
        wrong = [key for key, value in original.items() if key not in self.fields and not _other_param(value)]
        if wrong:
            message = "Send a string, number, boolean or null, or a list of them (or of such lists)."
            raise ma.ValidationError({key: [message] for key in wrong})

    @classmethod
    def openapi_extra(cls, _: Any) -> dict[str, Any]:
        return {"additionalProperties": OTHER_PARAM_SPEC, "propertyNames": {"pattern": TEXT_PATTERN}}

    query = fields.String(load_default="", validate=validate.Length(0, MAX_QUERY_CHARS))
    page = JsonInteger(load_default=0, validate=validate.Range(0, 99), metadata={"description": "0-based"})
    hitsPerPage = JsonInteger(
        load_default=20,
        validate=validate.Range(0, MAX_PER_PAGE),
        metadata={"description": "0 asks for facet counts only"},
    )
    facets = FacetNames(
        load_default=list,
        metadata={
            "description": f"{FACET_DESCRIPTION}, or `*` for all; one name or a list (as Algolia takes)",
            "oneOf": [
                {"type": "string", "enum": ["", "kind", "tags", "type", "*"]},
                {
                    "type": "array",
                    "maxItems": 10,
                    "items": {"type": "string", "enum": ["kind", "tags", "type", "*"]},
                },
            ],
        },
    )
    facetFilters = FacetFilters(load_default=None, allow_none=True, metadata=FACET_FILTERS_SPEC)
    highlightPreTag = fields.String(load_default="<em>", validate=validate.Length(0, 100))
    highlightPostTag = fields.String(load_default="</em>", validate=validate.Length(0, 100))
    maxValuesPerFacet = JsonInteger(load_default=100, validate=validate.Range(1, 1000))
    analytics = StrictBoolean(
        load_default=True, metadata={"description": "false: not counted in search analytics"}
    )
    filters = _no_filters("filters")
    numericFilters = _no_filters("numericFilters")
    tagFilters = _no_filters("tagFilters")


class FacetSearchParamsSchema(SearchParamsSchema):
    facetName = fields.String(required=True, validate=validate.OneOf(["kind", "tags", "type"]))
    facetQuery = fields.String(load_default="", validate=validate.Length(0, 100))
    maxFacetHits = JsonInteger(load_default=10, validate=validate.Range(1, 100))


class SearchRequestSchema(ma.Schema):
    indexName = fields.String(
        required=True,
        validate=validate.Length(1, 100),
        metadata={"description": "Echoed back as `index`; kb has one index"},
    )
    params = fields.Nested(SearchParamsSchema, load_default=lambda: SearchParamsSchema().load({}))


class FacetSearchRequestSchema(ma.Schema):
    indexName = fields.String(required=True, validate=validate.Length(1, 100))
    params = fields.Nested(FacetSearchParamsSchema, required=True)


class MultiSearchSchema(ma.Schema):
    requests = fields.List(
        fields.Nested(SearchRequestSchema), required=True, validate=validate.Length(1, MAX_REQUESTS)
    )


class FacetSearchSchema(ma.Schema):
    requests = fields.List(
        fields.Nested(FacetSearchRequestSchema), required=True, validate=validate.Length(1, MAX_REQUESTS)
    )


class MultiSearchArgsSchema(LocaleArgsSchema):
    """``locale`` and ``fallback`` as for ``/search``: each hit in its best translation along the chain."""


class HighlightSchema(ma.Schema):
    value = fields.String(required=True, metadata={"description": "Raw text, matches between the tags"})
    matchLevel = fields.String(required=True, validate=validate.OneOf(["none", "partial", "full"]))
    matchedWords = fields.List(fields.String(), required=True)


class HitHighlightsSchema(ma.Schema):
    title = fields.Nested(HighlightSchema, required=True)
    summary = fields.Nested(HighlightSchema, required=True)


class InstantSearchSectionSchema(ma.Schema):
    heading = fields.String(required=True)
    anchor = fields.String(required=True, metadata={"description": "Link to `/articles/<slug>#<anchor>`"})


class InstantSearchHitSchema(ma.Schema):
    objectID = fields.String(required=True, metadata={"description": "The entry's or article's slug"})
    slug = fields.String(required=True)
    kind = fields.String(required=True, allow_none=True, metadata={"description": "null for an article"})
    title = fields.String(required=True)
    summary = fields.String(required=True)
    locale = fields.String(required=True, metadata={"description": "The language of this hit"})
    tags = fields.List(fields.String(), required=True)
    type = fields.String(
        validate=validate.OneOf(["entry", "article"]), metadata={"description": "entry or article"}
    )
    section = fields.Nested(
        InstantSearchSectionSchema,
        allow_none=True,
        metadata={"description": "An article's best matching section, as on /search (absent for entries)"},
    )
    urgent = fields.Boolean(metadata={"description": "Guidance to seek care: show it prominently"})
    action = fields.String(metadata={"description": "The urgent hit's action"})
    highlight_result = fields.Nested(HitHighlightsSchema, data_key="_highlightResult", required=True)


class InstantSearchResultSchema(ma.Schema):
    hits = fields.List(fields.Nested(InstantSearchHitSchema), required=True)
    nbHits = fields.Integer(required=True)
    page = fields.Integer(required=True)
    nbPages = fields.Integer(required=True)
    hitsPerPage = fields.Integer(required=True)
    processingTimeMS = fields.Integer(required=True)
    query = fields.String(required=True)
    params = fields.String(required=True)
    index = fields.String(required=True)
    exhaustiveNbHits = fields.Boolean(required=True)
    exhaustiveFacetsCount = fields.Boolean(required=True, metadata={"description": _ESTIMATED})
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        required=True,
        metadata={"description": "Counts per value of each requested facet"},
    )
    queryID = fields.String(required=True, metadata={"description": "For click events"})
    suggestion = fields.String(allow_none=True, required=True, metadata={"description": "Did you mean"})


class MultiSearchResultSchema(ma.Schema):
    results = fields.List(fields.Nested(InstantSearchResultSchema), required=True)


class FacetHitSchema(ma.Schema):
    value = fields.String(required=True)
    highlighted = fields.String(required=True)
    count = fields.Integer(required=True)


class FacetSearchResultSchema(ma.Schema):
    facetHits = fields.List(fields.Nested(FacetHitSchema), required=True)
    exhaustiveFacetsCount = fields.Boolean(required=True, metadata={"description": _ESTIMATED})
    processingTimeMS = fields.Integer(required=True)


class FacetSearchResultsSchema(ma.Schema):
    results = fields.List(fields.Nested(FacetSearchResultSchema), required=True)
