"""Public procedure endpoints: procedures, their warning-sign rules and check, the aftercare timeline
and its calendar. Everything is computed from published content; no auth."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response
from flask.views import MethodView

from kb.api.base import Blueprint
from kb.api.docs import errors, not_modified, operation
from kb.api.localization import chain, says_language, served
from kb.api.pagination import page_response
from kb.api.security import link
from kb.schemas.locale import LocaleArgsSchema
from kb.schemas.procedures import (
    CalendarArgsSchema,
    CheckBodySchema,
    CheckResultSchema,
    ProcedureListArgsSchema,
    ProcedurePageSchema,
    ProcedureSchema,
    RulesSchema,
    TimelineArgsSchema,
    TimelineSchema,
)
from kb.services import procedures
from kb.services.guidance import service

blp = Blueprint(
    "procedures", __name__, url_prefix="/api/v1/procedures", description="Procedures and their care guidance"
)
CALENDAR = "text/calendar"


@blp.route("")
class ProcedureList(MethodView):
    @operation(blp, "listProcedures", paged=True)
    @blp.arguments(ProcedureListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, ProcedurePageSchema)
    @errors(blp, 400)
    @not_modified(blp)
    def get(self, **args: Any) -> Any:
        """List procedures, each in the best locale of the chain it has."""
        return page_response(procedures.list_published(chain=chain(args), **args))


@blp.route("/<slug>")
class ProcedureDetail(MethodView):
    @operation(blp, "getProcedure")
    @blp.arguments(LocaleArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, ProcedureSchema)
    @errors(blp, 400, 404)
    @not_modified(blp)
    @says_language
    def get(self, slug: str, **args: Any) -> Any:
        """One procedure, in the best locale of the chain it has (see Content-Language)."""
        return served(procedures.get(slug, chain(args)))


@blp.route("/<slug>/rules")
class ProcedureRules(MethodView):
    @operation(blp, "getProcedureRules")
    @blp.arguments(LocaleArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, RulesSchema)
    @errors(blp, 400, 404)
    @not_modified(blp)
    def get(self, slug: str, **args: Any) -> Any:
        """The procedure's warning signs as plain data (ids, windows, actions, sentences), to cache
        and evaluate offline as the check does."""
        return service.rules_document(slug, chain=chain(args))


@blp.route("/<slug>/check")
class ProcedureCheck(MethodView):
    @operation(blp, "checkProcedureSigns")
    @blp.arguments(LocaleArgsSchema, location="query", as_kwargs=True)
    @blp.arguments(CheckBodySchema, as_kwargs=True)
    @blp.response(200, CheckResultSchema)
    @errors(blp, 400, 404, 413, 415, 422)
    def post(self, slug: str, hours_since: float, signs: list[str], **args: Any) -> Any:
        """Evaluate signs (rule ids or words) `hours_since` hours after the procedure: the matching
        warning signs by urgency, the highest action, what is expected now; information, not a diagnosis.
        Words are analysed in the language each sign is served in (its stems and synonyms)."""
        return service.check(slug, hours_since=hours_since, signs=signs, chain=chain(args))


@blp.route("/<slug>/timeline")
class ProcedureTimeline(MethodView):
    @operation(blp, "getProcedureTimeline")
    @blp.arguments(TimelineArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, TimelineSchema)
    @errors(blp, 400, 404)
    @not_modified(blp)
    def get(self, slug: str, start: datetime | None = None, tz: str | None = None, **args: Any) -> Any:
        """Every aftercare step and warning-sign check in order: offsets, and with `start` absolute times
        in zone `tz` (daylight saving handled)."""
        return service.timeline_document(slug, start=start, tz=tz, chain=chain(args))


@blp.route("/<slug>/calendar.ics")
class ProcedureCalendar(MethodView):
    @operation(blp, "getProcedureCalendar")
    @blp.arguments(CalendarArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, {"type": "string"}, description="The timeline as iCalendar", content_type=CALENDAR)
    @errors(blp, 400, 404)
    @not_modified(blp)
    def get(self, slug: str, start: datetime, tz: str | None = None, **args: Any) -> Any:
        """The aftercare timeline as an iCalendar file to import or subscribe to: one event per step,
        alarms, stable UIDs. The URL holds only the procedure, its time, a zone and a locale."""
        body = service.calendar_file(
            slug, start=start, tz=tz, chain=chain(args), link=lambda entry: link(f"/api/v1/entries/{entry}")
        )
        return Response(body, mimetype=CALENDAR)
