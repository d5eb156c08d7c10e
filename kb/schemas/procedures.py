"""Procedure shapes, and the care guidance computed from their published content: the rules an app can
cache, an evaluation of signs, the aftercare timeline."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from kb.models import KINDS, STATUSES
from kb.schemas.common import Locale, PageArgsSchema, envelope, sort_field
from kb.schemas.details import ACTIONS, MAX_HOURS, Slug
from kb.schemas.fields import choice
from kb.schemas.locale import LocaleArgsSchema

Action = choice("WarningAction", ACTIONS, required=True)
FIRST_YEAR, LAST_YEAR = 1900, 2200  # a procedure's time; far enough from datetime's limits


class ProcedureTextSchema(ma.Schema):
    """A procedure's text in one more locale."""

    class Meta:
        unknown = ma.RAISE

    title = fields.String(required=True, validate=validate.Length(1, 200))
    summary = fields.String(load_default="", validate=validate.Length(max=1000))


class ProcedureInputSchema(ma.Schema):
    """A procedure as seed/procedures/<slug>.json and the admin API hold it."""

    class Meta:
        unknown = ma.RAISE

    slug = fields.String(required=True, validate=Slug.validators)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    summary = fields.String(load_default="", validate=validate.Length(max=1000))
    locale = fields.String(load_default="en", validate=Locale.validators)
    translations = fields.Dict(
        keys=fields.String(validate=Locale.validators),
        values=fields.Nested(ProcedureTextSchema),
        load_default=dict,
        validate=validate.Length(max=50),
        metadata={"description": "The title and summary in other locales, by BCP 47 tag"},
    )


class _ProcedureChangeSchema(ProcedureInputSchema):
    slug = fields.String(
        validate=Slug.validators,
        metadata={
            "readOnly": True,
            "description": "Read-only once created (content names it): if sent, the procedure's own slug",
        },
    )


class ProcedurePatchSchema(_ProcedureChangeSchema):
    """Some fields of a procedure (named apart in the OpenAPI document)."""


class ProcedureReplaceSchema(_ProcedureChangeSchema):
    """A whole procedure (named apart in the OpenAPI document)."""


class ProcedureSchema(ma.Schema):
    """A procedure as clients read it, in the best locale of the chain it has."""

    id = fields.UUID(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    locale = fields.String(required=True, metadata={"description": "The language served (BCP 47)"})
    source_locale = fields.String(required=True, metadata={"description": "The language it is written in"})
    locales = fields.List(
        fields.String(), required=True, metadata={"description": "Every locale it has (the source first)"}
    )
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    published_at = fields.AwareDateTime(required=True)


ProcedurePageSchema = envelope(ProcedureSchema, "ProcedurePage")


class AdminProcedureSchema(ma.Schema):
    """A procedure as editors read and write it: every locale's text. Live as soon as written."""

    id = fields.UUID(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    locale = fields.String(required=True, metadata={"description": "The language title and summary are in"})
    translations = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(ProcedureTextSchema),
        required=True,
        metadata={"description": "Title and summary in other locales, by BCP 47 tag"},
    )
    status = choice("Status", STATUSES, required=True)
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    published_at = fields.AwareDateTime(required=True)


AdminProcedurePageSchema = envelope(AdminProcedureSchema, "AdminProcedurePage")


class AdminProcedureListArgsSchema(PageArgsSchema):
    q = fields.String(validate=validate.Length(1, 200), metadata={"description": "In title or slug"})
    sort = sort_field(["slug", "title", "updated_at"], "slug")


class ProcedureListArgsSchema(PageArgsSchema, LocaleArgsSchema):
    sort = sort_field(["title", "slug"], "title")


class ProcedureRefSchema(ma.Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)


class EntryRefSchema(ma.Schema):
    slug = fields.String(required=True)
    kind = choice("Kind", KINDS, required=True)
    title = fields.String(required=True)


class RuleSchema(ma.Schema):
    """One warning sign as plain data: applies when ``from_hours <= hours_since < to_hours``."""

    id = fields.String(required=True, metadata={"description": "`<entry slug>.<sign id>`: stable"})
    entry = fields.Nested(EntryRefSchema, required=True)
    sign = fields.String(required=True)
    group = fields.String(
        required=True,
        metadata={"description": "Signs of one group are one observation; at most one applies at a time"},
    )
    from_hours = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null: from the start"}
    )
    to_hours = fields.Integer(required=True, allow_none=True, metadata={"description": "null: open-ended"})
    action = Action
    terms = fields.List(fields.String(), required=True, metadata={"description": "Words that name the sign"})
    locale = fields.String(
        required=True, metadata={"description": "The language of sign, terms and message (its entry's)"}
    )
    message = fields.String(required=True, metadata={"description": "The sentence to show"})


class AdviceSchema(ma.Schema):
    self_care = fields.String(required=True)
    contact_practitioner = fields.String(required=True)
    seek_care_promptly = fields.String(required=True)
    emergency = fields.String(required=True)


class RulesSchema(ma.Schema):
    """Everything an app needs to evaluate warning signs offline (see the README)."""

    procedure = fields.Nested(ProcedureRefSchema, required=True)
    locale = fields.String(required=True, allow_none=True)
    actions = fields.List(
        choice("WarningAction", ACTIONS), required=True, metadata={"description": "Tiers, least urgent first"}
    )
    advice = fields.Nested(AdviceSchema, required=True, metadata={"description": "What each tier asks"})
    disclaimer = fields.String(required=True)
    signs = fields.List(fields.Nested(RuleSchema), required=True)


class CheckBodySchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    hours_since = fields.Float(
        required=True,
        validate=validate.Range(0, MAX_HOURS),
        metadata={"description": "Hours since the procedure (0 to 8760)"},
    )
    signs = fields.List(
        fields.String(validate=validate.Length(1, 200)),
        required=True,
        validate=validate.Length(1, 20),
        metadata={"description": "Warning-sign ids from the rules, or words as a patient would say them"},
    )


class MatchSchema(ma.Schema):
    id = fields.String(required=True)
    entry = fields.Nested(EntryRefSchema, required=True)
    sign = fields.String(required=True)
    action = Action
    message = fields.String(required=True)
    from_hours = fields.Integer(required=True, allow_none=True)
    to_hours = fields.Integer(required=True, allow_none=True)
    inputs = fields.List(
        fields.String(), required=True, metadata={"description": "What was sent that named it"}
    )


class OutsideWindowSchema(ma.Schema):
    input = fields.String(required=True)
    signs = fields.List(
        fields.String(), required=True, metadata={"description": "Ids it named, none applying now"}
    )


class CheckResultSchema(ma.Schema):
    procedure = fields.Nested(ProcedureRefSchema, required=True)
    hours_since = fields.Float(required=True)
    locale = fields.String(required=True, allow_none=True)
    highest_action = choice(
        "WarningAction",
        ACTIONS,
        required=True,
        allow_none=True,
        metadata={"description": "null: nothing matched"},
    )
    matches = fields.List(
        fields.Nested(MatchSchema), required=True, metadata={"description": "Most urgent first"}
    )
    expected = fields.List(
        fields.Nested(MatchSchema),
        required=True,
        metadata={"description": "Self-care signs expected at this time (whatever was sent)"},
    )
    not_recognised = fields.List(fields.String(), required=True)
    outside_window = fields.List(fields.Nested(OutsideWindowSchema), required=True)
    disclaimer = fields.String(required=True)


# The zones of the pinned tzdata release (not the machine's: its zoneinfo may add "localtime" and
# the like): the same on every machine. Not an enum in the document: names such as GMT+0 and GMT-0
# would collide in a generated client.
ZONES = frozenset(resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


def _zone(value: str) -> None:
    if value not in ZONES:
        raise ma.ValidationError("Not a time zone: send an IANA zone such as 'Europe/London'.")


def _plausible(value: datetime) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ma.ValidationError(f"Send a time between the years {FIRST_YEAR} and {LAST_YEAR}.")


class TimelineArgsSchema(LocaleArgsSchema):
    start = fields.AwareDateTime(
        format="iso",
        validate=_plausible,
        metadata={
            "description": "When the procedure took place (RFC 3339 with an offset, years 1900-2200); "
            "none: offsets only"
        },
    )
    tz = fields.String(
        validate=[validate.Length(1, 64), _zone],
        metadata={
            "pattern": r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$",
            "description": "IANA time zone of the absolute times, one of the tz database's (default "
            "UTC); needs start",
        },
    )

    @ma.validates_schema
    def tz_needs_start(self, data: dict[str, Any], **_: Any) -> None:
        if "tz" in data and "start" not in data:
            raise ma.ValidationError("tz places absolute times: give start too.", "tz")


class SignRefSchema(ma.Schema):
    id = fields.String(required=True)
    sign = fields.String(required=True)
    action = Action
    message = fields.String(required=True)


class InstructionOutSchema(ma.Schema):
    type = choice("InstructionType", ["do", "avoid"], required=True)
    text = fields.String(required=True)


class TimelineItemSchema(ma.Schema):
    id = fields.String(required=True, metadata={"description": "Stable id of the step"})
    type = choice("TimelineItemType", ["aftercare", "check"], required=True)
    title = fields.String(required=True)
    offset_hours = fields.Integer(required=True, metadata={"description": "Hours after the procedure"})
    duration_days = fields.Integer(
        required=True, allow_none=True, metadata={"description": "Calendar days it lasts (aftercare)"}
    )
    start = fields.AwareDateTime(required=True, allow_none=True)
    end = fields.AwareDateTime(required=True, allow_none=True)
    instructions = fields.List(fields.Nested(InstructionOutSchema), required=True)
    signs = fields.List(fields.Nested(SignRefSchema), required=True, metadata={"description": "To check"})
    entries = fields.List(fields.Nested(EntryRefSchema), required=True)


class TimelineSchema(ma.Schema):
    procedure = fields.Nested(ProcedureRefSchema, required=True)
    locale = fields.String(required=True, allow_none=True)
    start = fields.AwareDateTime(required=True, allow_none=True)
    tz = fields.String(required=True, allow_none=True)
    items = fields.List(fields.Nested(TimelineItemSchema), required=True)
    disclaimer = fields.String(required=True)


class CalendarArgsSchema(TimelineArgsSchema):
    start = fields.AwareDateTime(
        format="iso",
        required=True,
        validate=_plausible,
        metadata={"description": "When the procedure took place (RFC 3339 with an offset, years 1900-2200)"},
    )
