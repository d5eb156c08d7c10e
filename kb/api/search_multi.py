"""InstantSearch's search client protocol on the search blueprint (same CORS and rate limit as search)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView

from kb.api.docs import errors, operation
from kb.api.localization import asked, chain
from kb.api.search import blp
from kb.errors import UnsupportedMediaTypeError
from kb.schemas.instantsearch import (
    FacetSearchResultsSchema,
    FacetSearchSchema,
    MultiSearchArgsSchema,
    MultiSearchResultSchema,
    MultiSearchSchema,
)
from kb.services import instantsearch

ERRORS = (400, 413, 415, 422)


@blp.before_request
def _json_only() -> None:
    """The search blueprint's bodies (multi-search, facet values, click events) are JSON."""
    if request.method == "POST" and request.mimetype != "application/json":
        raise UnsupportedMediaTypeError("Send the body as application/json.")


@blp.route("/search/multi")
class MultiSearch(MethodView):
    @operation(blp, "multiSearch")
    @blp.arguments(MultiSearchArgsSchema, location="query", as_kwargs=True)
    @blp.arguments(MultiSearchSchema)
    @blp.response(200, MultiSearchResultSchema)
    @errors(blp, *ERRORS)
    def post(self, body: dict[str, Any], **args: Any) -> Any:
        """InstantSearch.js / Algolia multi-search: `searchClient.search(requests)`, Algolia's results."""
        served = chain(args)
        return instantsearch.multi_search(body["requests"], chain=served, locale=asked())


@blp.route("/search/multi/facet-values")
class FacetValues(MethodView):
    @operation(blp, "searchFacetValues")
    @blp.arguments(MultiSearchArgsSchema, location="query", as_kwargs=True)
    @blp.arguments(FacetSearchSchema)
    @blp.response(200, FacetSearchResultsSchema)
    @errors(blp, *ERRORS)
    def post(self, body: dict[str, Any], **args: Any) -> Any:
        """InstantSearch.js `searchClient.searchForFacetValues(requests)`: facet values by prefix, counted."""
        return instantsearch.facet_values(body["requests"], chain=chain(args))
