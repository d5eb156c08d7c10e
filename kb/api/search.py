"""Search for apps and widgets: full-text search and as-you-type suggestions."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from kb.api.base import Blueprint
from kb.api.docs import errors, not_modified, operation
from kb.api.localization import asked, chain
from kb.api.pagination import page_response
from kb.api.timing import server_timing
from kb.schemas.search import SearchArgsSchema, SearchPageSchema, SuggestArgsSchema, SuggestionListSchema
from kb.services import search

blp = Blueprint("search", __name__, url_prefix="/api/v1", description="Search published entries and articles")


@blp.route("/search")
class Search(MethodView):
    @operation(blp, "searchEntries", paged=True)
    @blp.arguments(SearchArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, SearchPageSchema)
    @errors(blp, 400)
    @not_modified(blp)
    @server_timing("search")
    def get(self, **args: Any) -> Any:
        """Search published entries and articles (each hit says its `type`; an article hit names its best
        matching `section`): stemming, typo tolerance, synonyms, phrases, facets, highlights."""
        served = chain(args)
        return page_response(search.search(chain=served, locale=asked(), **args))


@blp.route("/suggest")
class Suggest(MethodView):
    @operation(blp, "suggestTitles")
    @blp.arguments(SuggestArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, SuggestionListSchema)
    @errors(blp, 400)
    @not_modified(blp)
    def get(self, **args: Any) -> Any:
        """Title suggestions (of entries and articles) for what the user has typed so far, best first."""
        return search.suggest(chain=chain(args), **args)
