"""Kind-specific ``details`` of an entry, validated per kind."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from kb.schemas.fields import WholeNumber, choice
from kb.schemas.validators import FullMatch

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_ERROR = "Send lower-case letters and digits in words joined by single hyphens, e.g. 'post-care-redness'."
Slug = fields.String(validate=[validate.Length(1, 120), FullMatch(SLUG_PATTERN, error=SLUG_ERROR)])
Text = fields.String(validate=validate.Length(1, 2000))


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class WarningSignSchema(Strict):
    sign = fields.String(required=True, validate=validate.Length(1, 500))
    after_hours = WholeNumber(validate=validate.Range(0, 24 * 365))
    action = choice(
        "WarningAction", ["self_care", "contact_practitioner", "seek_care_promptly"], required=True
    )


class ComplicationDetailsSchema(Strict):
    severity = choice("Severity", ["minor", "moderate", "serious"], required=True)
    signs = fields.List(Text, load_default=list, validate=validate.Length(max=50))
    expected_duration_hours = WholeNumber(
        allow_none=True, load_default=None, validate=validate.Range(0, 24 * 365)
    )
    causes = fields.List(Text, load_default=list, validate=validate.Length(max=50))
    prevention = fields.List(
        Slug,
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Slugs of technique or aftercare entries"},
    )
    warning_signs = fields.List(
        fields.Nested(WarningSignSchema), load_default=list, validate=validate.Length(max=50)
    )


class TechniqueDetailsSchema(Strict):
    phase = choice("Phase", ["before", "during", "after"], required=True)
    steps = fields.List(Text, required=True, validate=validate.Length(1, 50))
    rationale = fields.String(load_default="", validate=validate.Length(max=5000))


class TimingSchema(Strict):
    starts_after_hours = WholeNumber(required=True, validate=validate.Range(0, 24 * 365))
    lasts_days = WholeNumber(required=True, validate=validate.Range(0, 3650))


class InstructionSchema(Strict):
    type = choice("InstructionType", ["do", "avoid"], required=True)
    text = fields.String(required=True, validate=validate.Length(1, 2000))


class AftercareDetailsSchema(Strict):
    timing = fields.Nested(TimingSchema, required=True)
    instructions = fields.List(
        fields.Nested(InstructionSchema), required=True, validate=validate.Length(1, 50)
    )


DETAILS_SCHEMAS: dict[str, type[ma.Schema]] = {
    "complication": ComplicationDetailsSchema,
    "technique": TechniqueDetailsSchema,
    "aftercare": AftercareDetailsSchema,
}
