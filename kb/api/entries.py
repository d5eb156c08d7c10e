"""Public entry endpoints: published entries only, no auth."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from kb.api.base import Blueprint
from kb.api.caching import with_last_modified
from kb.api.docs import errors, not_modified
from kb.api.pagination import page_response
from kb.schemas.entry import EntryDetailArgsSchema, EntryListArgsSchema, EntryPageSchema, EntrySchema
from kb.services import entries

blp = Blueprint("entries", __name__, url_prefix="/api/v1/entries", description="Published entries")


@blp.route("")
class EntryList(MethodView):
    @blp.arguments(EntryListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, EntryPageSchema)
    @errors(blp, 400)
    @not_modified(blp)
    def get(self, **args: Any) -> Any:
        """List published entries, filtered, sorted and paginated."""
        return page_response(entries.list_live(**args))


@blp.route("/<slug>")
class EntryDetail(MethodView):
    @blp.arguments(EntryDetailArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, EntrySchema)
    @errors(blp, 400, 404)
    @not_modified(blp)
    def get(self, slug: str, include: list[str]) -> Any:
        """One published entry; `include=related` embeds its related entries' summaries."""
        return with_last_modified(entries.get_live(slug, include=include), include)
