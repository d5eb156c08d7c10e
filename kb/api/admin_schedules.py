"""Admin endpoints for scheduled publishing; logic in kb/scheduling."""

from __future__ import annotations

from typing import Any

from flask import g, url_for
from flask.views import MethodView

from kb.api.auth import protect, requires
from kb.api.base import Blueprint
from kb.api.docs import errors, operation
from kb.api.pagination import page_response
from kb.api.versions import REQUIRED, versioned
from kb.config import ADMIN_PREFIX
from kb.scheduling import actions
from kb.schemas.schedules import (
    ScheduleArgsSchema,
    ScheduleCreateSchema,
    SchedulePageSchema,
    SchedulePatchSchema,
    ScheduleSchema,
)
from kb.services.preconditions import IfMatch
from kb.services.resources import ARTICLE, ENTRY, Resource

AUTH_ERRORS = (401, 403)
WRITE_ERRORS = (400, *AUTH_ERRORS, 404, 413, 415, 422)

blp = Blueprint(
    "admin_schedules",
    __name__,
    url_prefix=ADMIN_PREFIX,
    description="Scheduled publishing: publish or unpublish at a given time",
)
protect(blp)


def _object_routes(res: Resource) -> None:
    name = res.name.capitalize()

    class ObjectSchedules(MethodView):
        @requires("publisher")
        @operation(blp, f"list{name}Schedules", paged=True)
        @blp.arguments(ScheduleArgsSchema, location="query", as_kwargs=True)
        @blp.response(200, SchedulePageSchema)
        @errors(blp, 400, *AUTH_ERRORS, 404)
        def get(self, slug: str, **args: Any) -> Any:
            """This object's scheduled actions, soonest first."""
            return page_response(actions.list_actions(res=res, slug=slug, **args))

        @requires("publisher")
        @operation(blp, f"schedule{name}")
        @blp.arguments(ScheduleCreateSchema)
        @blp.response(201, ScheduleSchema)
        @errors(blp, *WRITE_ERRORS)
        @versioned(blp)
        def post(self, data: dict[str, Any], slug: str) -> Any:
            """Publish (the current draft version) or unpublish at `at`; run once by a job worker."""
            action = actions.create(res, slug, data, actor=g.token.name)
            return (
                action,
                201,
                {"Location": url_for("admin_schedules.OneSchedule", schedule_id=action.public_id)},
            )

    class TranslationSchedules(MethodView):
        @requires("publisher")
        @operation(blp, f"list{name}TranslationSchedules", paged=True)
        @blp.arguments(ScheduleArgsSchema, location="query", as_kwargs=True)
        @blp.response(200, SchedulePageSchema)
        @errors(blp, 400, *AUTH_ERRORS, 404, 409)
        def get(self, slug: str, locale: str, **args: Any) -> Any:
            """The scheduled actions of this translation, soonest first."""
            return page_response(actions.list_actions(res=res, slug=slug, locale=locale, **args))

        @requires("publisher")
        @operation(blp, f"schedule{name}Translation")
        @blp.arguments(ScheduleCreateSchema)
        @blp.response(201, ScheduleSchema)
        @errors(blp, *WRITE_ERRORS, 409)
        @versioned(blp)
        def post(self, data: dict[str, Any], slug: str, locale: str) -> Any:
            """Publish (the translation's current draft version) or unpublish this locale at `at`; run
            once by a job worker, failing if the source is not live then or the draft changed."""
            action = actions.create(res, slug, data, actor=g.token.name, locale=locale)
            return (
                action,
                201,
                {"Location": url_for("admin_schedules.OneSchedule", schedule_id=action.public_id)},
            )

    ObjectSchedules.__name__ = f"{name}Schedules"
    TranslationSchedules.__name__ = f"{name}TranslationSchedules"
    blp.route(f"/{res.plural}/<slug>/schedule")(ObjectSchedules)
    blp.route(f"/{res.plural}/<slug>/translations/<locale:locale>/schedule")(TranslationSchedules)


_object_routes(ENTRY)
_object_routes(ARTICLE)


@blp.route("/schedules")
class Schedules(MethodView):
    @requires("publisher")
    @operation(blp, "listSchedules", paged=True)
    @blp.arguments(ScheduleArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, SchedulePageSchema)
    @errors(blp, 400, *AUTH_ERRORS)
    def get(self, **args: Any) -> Any:
        """Every scheduled action, soonest first; filter by status."""
        return page_response(actions.list_actions(**args))


@blp.route("/schedules/<schedule_id>")
class OneSchedule(MethodView):
    @requires("publisher")
    @operation(blp, "getSchedule")
    @blp.response(200, ScheduleSchema)
    @errors(blp, *AUTH_ERRORS, 404)
    @versioned(blp)
    def get(self, schedule_id: str) -> Any:
        """One scheduled action: its status, and the error of a failed one."""
        return actions.get(schedule_id)

    @requires("publisher")
    @operation(blp, "updateSchedule")
    @blp.arguments(SchedulePatchSchema(partial=True))
    @blp.response(200, ScheduleSchema)
    @errors(blp, *WRITE_ERRORS, 409)
    @versioned(blp, if_match=REQUIRED)
    def patch(self, data: dict[str, Any], schedule_id: str, if_match: IfMatch) -> Any:
        """Change the time or action of a scheduled action; requires If-Match; 409 once it ran."""
        return actions.update(schedule_id, data, if_match, actor=g.token.name)


@blp.route("/schedules/<schedule_id>/cancel")
class CancelSchedule(MethodView):
    @requires("publisher")
    @operation(blp, "cancelSchedule")
    @blp.response(200, ScheduleSchema)
    @errors(blp, *AUTH_ERRORS, 404, 409)
    @versioned(blp, if_match=REQUIRED)
    def post(self, schedule_id: str, if_match: IfMatch) -> Any:
        """Cancel a scheduled action; requires If-Match; 409 once it ran."""
        return actions.cancel(schedule_id, if_match, actor=g.token.name)
