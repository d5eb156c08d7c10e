"""Shapes of the translation editor API: one locale's text of an entry or article, and its state."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from kb.models import STATUSES
from kb.schemas.common import LOCALE_ERROR, LOCALE_PATTERN, PageArgsSchema, envelope
from kb.schemas.fields import choice
from kb.schemas.locale import LocaleField
from kb.schemas.validators import FullMatch

STATUS_FILTERS = ("missing", "stale", *STATUSES, "unpublished_changes", "review_due")
SOURCE_VERSION = fields.Integer(
    validate=validate.Range(min=1),
    metadata={
        "description": "The source version this text translates (at most the source's current version). "
        "Set on create to the source's current version; send it again after updating the text to the "
        "source's changes, to clear `stale`."
    },
)


class TranslationWriteSchema(ma.Schema):
    """What a translation write may carry: text and review metadata only.

    Clinical structure (kind, tags, related, sources, severity, hours, actions, timing, section entries)
    is the source's: a write that sets any of it is a 422 naming the field.
    """

    class Meta:
        unknown = ma.INCLUDE  # checked field by field by kb.services.translations, naming each

    title = fields.String(validate=validate.Length(1, 200))
    summary = fields.String(validate=validate.Length(max=1000))
    last_reviewed = fields.Date(allow_none=True)
    next_review_due = fields.Date(allow_none=True)
    reviewed_by = fields.String(allow_none=True, validate=validate.Length(max=200))
    source_version = SOURCE_VERSION


class EntryTranslationWriteSchema(TranslationWriteSchema):
    body = fields.String(validate=validate.Length(max=100_000), metadata={"description": "Markdown"})
    details = fields.Dict(
        metadata={
            "description": "Only the text of the kind's details, lists in the source's length and order: "
            "complication `signs`, `causes`, `warning_signs: [{sign, terms?}]` (`terms`: the language's "
            "own words for the sign, any number of them); technique `steps`, `rationale`; "
            "aftercare `instructions: [{text}]`"
        }
    )


class ArticleTranslationWriteSchema(TranslationWriteSchema):
    sections = fields.List(
        fields.Dict(),
        metadata={"description": "`[{heading, body}]`, as many and in the order of the source's sections"},
    )


class AdminTranslationSchema(ma.Schema):
    """A translation's working draft with its publishing state."""

    type = fields.String(required=True, validate=validate.OneOf(["entry", "article"]))
    slug = fields.String(required=True)
    locale = fields.String(required=True)
    source_locale = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    version = fields.Integer(required=True)
    live_version = fields.Integer(allow_none=True, required=True)
    has_unpublished_changes = fields.Boolean(required=True)
    source_version = fields.Integer(required=True, metadata={"description": "Source version translated"})
    source_current_version = fields.Integer(required=True, metadata={"description": "The source's draft"})
    stale = fields.Boolean(required=True, metadata={"description": "The source changed since"})
    title = fields.String(required=True)
    summary = fields.String(required=True)
    body = fields.String(metadata={"description": "Entries only"})
    details = fields.Dict(metadata={"description": "Entries only: the text of the details"})
    sections = fields.List(fields.Dict(), metadata={"description": "Articles only: [{heading, body}]"})
    last_reviewed = fields.Date(allow_none=True, required=True)
    next_review_due = fields.Date(allow_none=True, required=True)
    reviewed_by = fields.String(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    published_at = fields.AwareDateTime(allow_none=True, required=True)


class TranslationStateSchema(ma.Schema):
    """Where one locale of one item stands."""

    type = fields.String(required=True, validate=validate.OneOf(["entry", "article"]))
    slug = fields.String(required=True)
    locale = fields.String(required=True)
    source_locale = fields.String(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(["missing", *STATUSES]),
        metadata={"description": "`missing`: no translation in this supported locale yet"},
    )
    version = fields.Integer(allow_none=True, required=True)
    live_version = fields.Integer(allow_none=True, required=True)
    source_version = fields.Integer(allow_none=True, required=True)
    source_current_version = fields.Integer(required=True)
    stale = fields.Boolean(required=True)
    next_review_due = fields.Date(allow_none=True, required=True)


class TranslationStateListSchema(ma.Schema):
    data = fields.List(fields.Nested(TranslationStateSchema), required=True)


TranslationStatePageSchema = envelope(TranslationStateSchema, "TranslationStatePage")


class TranslationTodoArgsSchema(PageArgsSchema):
    status = fields.String(
        validate=validate.OneOf(STATUS_FILTERS),
        metadata={
            "description": "`missing` (no translation yet), `stale` (the source changed since), a status, "
            "`unpublished_changes` (draft ahead of the live copy) or `review_due` (next review today or "
            "earlier; articles' translations too)"
        },
    )
    locale = LocaleField(validate=FullMatch(LOCALE_PATTERN, error=LOCALE_ERROR))
    type = choice("ContentType", ["entry", "article"])
