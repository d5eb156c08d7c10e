"""Search analytics: click events from widgets (public), the report for editors (admin)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from kb.api.auth import protect, requires
from kb.api.base import Blueprint
from kb.api.docs import errors, operation
from kb.api.search import blp as search_blp
from kb.config import ADMIN_PREFIX
from kb.schemas.analytics import RANGE_RULE, AnalyticsArgsSchema, AnalyticsReportSchema, ClickEventSchema
from kb.services import analytics

blp = Blueprint("search_analytics", __name__, url_prefix=ADMIN_PREFIX, description="Search analytics")
protect(blp)


@search_blp.route("/search/events")
class ClickEvents(MethodView):
    @operation(search_blp, "recordSearchClick")
    @search_blp.arguments(ClickEventSchema)
    @search_blp.response(204)
    @errors(search_blp, 400, 413, 415, 422)
    def post(self, event: dict[str, Any]) -> Any:
        """Record a click on a search hit (query id, slug, position); nothing about the user is kept."""
        analytics.count_click(**event)
        return None


@blp.route("/search/analytics")
class Report(MethodView):
    @operation(blp, "getSearchAnalytics")
    @requires("admin")
    @blp.arguments(AnalyticsArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, AnalyticsReportSchema)
    @errors(
        blp,
        400,
        401,
        403,
        described={400: f"A parameter is invalid, or the dates break the rule: {RANGE_RULE}"},
    )
    def get(self, **args: Any) -> Any:
        """Top queries, no-result queries and click-through by query and position, per locale and days."""
        return analytics.report(**args)
