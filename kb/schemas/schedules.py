"""Shapes of scheduled actions: what an editor sends, what the API shows."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from kb.models import SCHEDULE_ACTIONS, SCHEDULE_STATUSES
from kb.schemas.common import PageArgsSchema, envelope
from kb.schemas.fields import choice
from kb.schemas.validators import UtcDateTime


class ScheduleCreateSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    action = choice("ScheduleAction", SCHEDULE_ACTIONS, required=True)
    at = UtcDateTime(
        required=True,
        metadata={"description": "RFC 3339 with an offset, in the future: a time already past is a 422"},
    )


class SchedulePatchSchema(ScheduleCreateSchema):
    """The time, the action, or both."""


class ScheduleSchema(ma.Schema):
    id = fields.String(attribute="public_id", required=True, metadata={"description": "Public id (sch_...)"})
    object_type = fields.String(required=True, metadata={"description": "entry or article"})
    slug = fields.String(required=True)
    locale = fields.String(
        allow_none=True, required=True, metadata={"description": "The translation's locale; null: the source"}
    )
    action = choice("ScheduleAction", SCHEDULE_ACTIONS, required=True)
    at = fields.AwareDateTime(required=True)
    draft_version = fields.Integer(
        required=True, metadata={"description": "The draft version a publish publishes (or fails)"}
    )
    status = choice("ScheduleStatus", SCHEDULE_STATUSES, required=True)
    error = fields.String(allow_none=True, required=True, metadata={"description": "Why it failed"})
    created_by = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    executed_at = fields.AwareDateTime(allow_none=True, required=True)


SchedulePageSchema = envelope(ScheduleSchema, "SchedulePage")


class ScheduleArgsSchema(PageArgsSchema):
    status = choice("ScheduleStatus", SCHEDULE_STATUSES)
