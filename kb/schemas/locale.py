"""Locale arguments of public reads and the ``translations`` listing of a served item."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from kb.schemas.common import LOCALE_ERROR, LOCALE_PATTERN
from kb.schemas.fields import QueryArgsSchema, choice
from kb.schemas.validators import FullMatch


class LocaleField(fields.String):
    """A supported locale; the OpenAPI document lists the app's ``KB_LOCALES`` as its ``enum``."""


class LocaleArgsSchema(QueryArgsSchema):
    """``locale`` (else ``Accept-Language``, else the default) and whether to fall back along the chain."""

    locale = LocaleField(
        validate=FullMatch(LOCALE_PATTERN, error=LOCALE_ERROR),
        metadata={
            "description": "BCP 47 tag of the language wanted (one of the supported locales, else 400); "
            "without it, Accept-Language chooses (q-values honoured; the response then varies on it), "
            "else the default locale. Each item is served in the best published translation along the "
            "fallback chain (e.g. pt-BR, pt, then the default)."
        },
    )
    fallback = choice(
        "Fallback",
        ["chain", "none"],
        load_default="chain",
        metadata={"description": "`none`: only items published in the requested locale itself"},
    )


class TranslationListingSchema(ma.Schema):
    locale = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "Published version in that locale"})
    stale = fields.Boolean(
        required=True,
        metadata={"description": "Translated from an older published version of the source"},
    )


def translations_field() -> fields.List:
    return fields.List(
        fields.Nested(TranslationListingSchema),
        required=True,
        metadata={"description": "Every published translation of the item (the source first)"},
    )
