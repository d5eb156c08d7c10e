"""Full sync for offline apps: an initial sync in pages, then deltas, with one opaque cursor."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from kb.api.base import Blueprint
from kb.api.docs import errors, not_modified, operation
from kb.api.localization import chain
from kb.schemas.sync import SyncArgsSchema, SyncPageSchema
from kb.sync import pages
from kb.sync.cursors import Cursor

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync", description="Full sync for offline apps")
GONE = (
    "Resync required (type ending `resync-required`): the cursor is older than the changes kept; "
    "start an initial sync again (`locale=`, no cursor) and replace your copy with it"
)


@blp.route("")
class Sync(MethodView):
    @operation(blp, "sync")
    @blp.arguments(SyncArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, SyncPageSchema)
    @errors(blp, 400, 410, described={410: GONE})
    @not_modified(blp)
    def get(self, limit: int, cursor: Cursor | None = None, procedure: str | None = None, **args: Any) -> Any:
        """Without `cursor`: the first page of an initial sync of everything published along the locale
        chain (`locale=`, else Accept-Language). With the `next_cursor` of a page: the next page, or,
        once an initial sync is done, what changed since (items to store and tombstones to drop).
        Page while `has_more`; store the last `next_cursor` and ask with it later. `procedure=` syncs
        only the content of one procedure."""
        return pages.page(cursor or pages.start(chain(args), procedure), limit)
