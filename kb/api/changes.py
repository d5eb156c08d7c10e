"""The public changes feed apps keep their offline copy in sync with."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from kb.api.base import Blueprint
from kb.api.docs import errors, not_modified
from kb.schemas.admin import ChangesArgsSchema, ChangesSchema
from kb.services import changes

blp = Blueprint("changes", __name__, url_prefix="/api/v1/changes", description="Sync feed for apps")


@blp.route("")
class Changes(MethodView):
    @blp.arguments(ChangesArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, ChangesSchema)
    @errors(blp, 400)
    @not_modified(blp)
    def get(self, since: str | None = None, limit: int = 100) -> Any:
        """Published changes after cursor `since`, oldest first: upserts, and removals for unpublished
        or deleted content. Store `next_cursor` and pass it as `since` next time."""
        return changes.feed(since=since, limit=limit)
