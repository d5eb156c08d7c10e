"""The public changes feed apps keep their offline copy in sync with."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from kb.api.base import Blueprint
from kb.api.docs import errors, not_modified, operation
from kb.api.localization import chain
from kb.api.sync import GONE
from kb.schemas.changes import ChangesArgsSchema, ChangesSchema
from kb.services import changes

blp = Blueprint("changes", __name__, url_prefix="/api/v1/changes", description="Sync feed for apps")


@blp.route("")
class Changes(MethodView):
    @operation(blp, "listChanges")
    @blp.arguments(ChangesArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, ChangesSchema)
    @errors(blp, 400, 410, described={410: GONE})
    @not_modified(blp)
    def get(
        self, since: str | None = None, limit: int = 100, procedure: str | None = None, **args: Any
    ) -> Any:
        """Published changes after cursor `since`, oldest first: upserts, and removals for unpublished
        or deleted content, in the locales of the chain asked for (`locale=`, else Accept-Language).
        Store `next_cursor` and pass it as `since` next time; a cursor older than the changes kept is
        410 (see /api/v1/sync). `procedure=` keeps the changes of content that applies to it (or did
        until the change)."""
        return changes.feed(since=since, limit=limit, chain=chain(args), procedure=procedure)
