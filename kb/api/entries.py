"""Public entry endpoints: published entries only, no auth."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from kb.api.base import Blueprint
from kb.api.caching import by_generation, with_last_modified
from kb.api.docs import errors, not_modified, operation
from kb.api.localization import chain, says_language, served
from kb.api.pagination import page_response
from kb.api.previews import previewable
from kb.previews import drafts
from kb.schemas.entry import EntryDetailArgsSchema, EntryListArgsSchema, EntryPageSchema, EntrySchema
from kb.services import entries

blp = Blueprint("entries", __name__, url_prefix="/api/v1/entries", description="Published entries")


@blp.route("")
class EntryList(MethodView):
    @by_generation(query_in_body=True)
    @operation(blp, "listEntries", paged=True)
    @blp.arguments(EntryListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, EntryPageSchema)
    @errors(blp, 400)
    @not_modified(blp)
    def get(self, **args: Any) -> Any:
        """List published entries, filtered, sorted and paginated."""
        return page_response(entries.list_live(chain=chain(args), **args))


@blp.route("/<slug>")
class EntryDetail(MethodView):
    @by_generation()
    @operation(blp, "getEntry")
    @blp.arguments(EntryDetailArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, EntrySchema)
    @errors(blp, 400, 404)
    @not_modified(blp, last_modified=True)
    @previewable(blp, "entry", drafts.entry)
    @says_language
    def get(self, slug: str, include: list[str], **args: Any) -> Any:
        """One published entry, in the best published translation along the locale chain (see
        Content-Language); `include=related` embeds its related entries' summaries; `body_format`
        picks its body (Markdown, HTML or both)."""
        entry = entries.get_live(slug, chain=chain(args), include=include, **args)
        return with_last_modified(served(entry), include)
