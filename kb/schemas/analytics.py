"""Search analytics: click events in, the editors' report out."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from kb.models.search_event import QUERY_ID_CHARS
from kb.schemas.common import Locale
from kb.schemas.details import SLUG_PATTERN
from kb.schemas.fields import QueryArgsSchema
from kb.schemas.instantsearch import JsonInteger

MAX_DAYS = 366


class ClickEventSchema(ma.Schema):
    query_id = fields.String(
        required=True,
        validate=validate.Regexp(rf"^[0-9a-f]{{{QUERY_ID_CHARS}}}$"),
        metadata={"description": "`meta.query_id` (or `queryID`) of the answer the hit was shown in"},
    )
    slug = fields.String(required=True, validate=[validate.Length(1, 120), validate.Regexp(SLUG_PATTERN)])
    position = JsonInteger(
        required=True,
        validate=validate.Range(1, 10_000),
        metadata={"description": "1-based rank of the hit across pages"},
    )


RANGE_RULE = (
    f"`start` must not be after `end`, and the range may span at most {MAX_DAYS} days (`end` minus "
    "`start`); a request breaking either is a 400"
)


class AnalyticsArgsSchema(QueryArgsSchema):
    start = fields.Date(
        metadata={"description": f"First day (UTC), default 30 days before `end`. {RANGE_RULE}"}
    )
    end = fields.Date(metadata={"description": f"Last day (UTC), default today. {RANGE_RULE}"})
    locale = Locale
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 200))

    @ma.post_load
    def dates(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        end = data.get("end") or date.today()
        start = data.get("start") or end - timedelta(days=30)
        if start > end:
            raise ma.ValidationError(
                f"start ({start}) is after end ({end}); send a start on or before end.", field_name="start"
            )
        if (end - start).days > MAX_DAYS:
            raise ma.ValidationError(
                f"From start ({start}) to end ({end}) is {(end - start).days} days; send a range of at "
                f"most {MAX_DAYS} days (a later start, or an earlier end).",
                field_name="start",
            )
        return {**data, "start": start, "end": end}


class PositionClicksSchema(ma.Schema):
    position = fields.Integer(required=True)
    clicks = fields.Integer(required=True)


class QueryStatsSchema(ma.Schema):
    query = fields.String(required=True, metadata={"description": "Normalised: case-folded, single spaces"})
    query_id = fields.String(required=True)
    locale = fields.String(required=True, metadata={"description": "`any` for searches without a locale"})
    searches = fields.Integer(required=True)
    no_results = fields.Integer(required=True)
    clicks = fields.Integer(required=True)
    clicks_per_search = fields.Float(required=True)
    mean_click_position = fields.Float(allow_none=True, required=True)
    clicks_by_position = fields.List(fields.Nested(PositionClicksSchema), required=True)


class NoResultQuerySchema(ma.Schema):
    query = fields.String(required=True)
    query_id = fields.String(required=True)
    locale = fields.String(required=True)
    searches = fields.Integer(required=True)
    no_results = fields.Integer(required=True)


class TotalsSchema(ma.Schema):
    searches = fields.Integer(required=True)
    no_results = fields.Integer(required=True)
    clicks = fields.Integer(required=True)
    clicks_per_search = fields.Float(required=True)


class AnalyticsReportSchema(ma.Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    locale = fields.String(allow_none=True, required=True)
    totals = fields.Nested(TotalsSchema, required=True)
    top_queries = fields.List(fields.Nested(QueryStatsSchema), required=True)
    no_result_queries = fields.List(
        fields.Nested(NoResultQuerySchema),
        required=True,
        metadata={"description": "Searches that found nothing, most frequent first: the synonym backlog"},
    )
    clicks_by_position = fields.List(fields.Nested(PositionClicksSchema), required=True)
