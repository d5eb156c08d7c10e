"""Tags of published entries with their counts."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from kb.api.base import Blueprint
from kb.api.caching import by_generation
from kb.api.docs import errors, not_modified, operation
from kb.api.localization import chain
from kb.api.pagination import page_response
from kb.schemas.tag import TagListArgsSchema, TagPageSchema
from kb.services import entries

blp = Blueprint("tags", __name__, url_prefix="/api/v1/tags", description="Tags with counts")


@blp.route("")
class TagList(MethodView):
    @by_generation(query_in_body=True)
    @operation(blp, "listTags", paged=True)
    @blp.arguments(TagListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, TagPageSchema)
    @errors(blp, 400)
    @not_modified(blp)
    def get(self, **args: Any) -> Any:
        """Tags used by published entries, most used first."""
        return page_response(entries.tag_counts(chain=chain(args), **args))
