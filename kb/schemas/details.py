"""Kind-specific ``details`` of an entry, validated per kind."""

from __future__ import annotations

import re
from typing import Any

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


ACTIONS = ("self_care", "contact_practitioner", "seek_care_promptly", "emergency")  # in rising urgency
MAX_HOURS = 24 * 365
SIGN_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class WarningSignSchema(Strict):
    """A sign to watch for: what it is, when it applies (hours after the procedure, ``from_hours``
    inclusive to ``to_hours`` exclusive, either open) and what to do (``action``)."""

    id = fields.String(
        validate=[validate.Length(1, 60), FullMatch(SIGN_ID_PATTERN, error=SLUG_ERROR)],
        metadata={"description": "Stable id within the entry (default: the sign's words as a slug)"},
    )
    sign = fields.String(required=True, validate=validate.Length(1, 500))
    group = fields.String(
        validate=[validate.Length(1, 60), FullMatch(SIGN_ID_PATTERN, error=SLUG_ERROR)],
        metadata={
            "description": "Signs of one group are the same observation at different times: their "
            "windows must not overlap (default: the sign is a group of its own)"
        },
    )
    from_hours = WholeNumber(
        validate=validate.Range(0, MAX_HOURS),
        metadata={"description": "Applies from this many hours after the procedure (none: from the start)"},
    )
    to_hours = WholeNumber(
        validate=validate.Range(1, MAX_HOURS),
        metadata={"description": "Applies until this many hours after the procedure (none: open-ended)"},
    )
    after_hours = WholeNumber(
        load_only=True,
        validate=validate.Range(0, MAX_HOURS),
        metadata={"description": "The same as from_hours (read back as from_hours)", "deprecated": True},
    )
    action = choice("WarningAction", ACTIONS, required=True)
    terms = fields.List(
        fields.String(validate=validate.Length(1, 200)),
        validate=validate.Length(max=20),
        metadata={
            "description": "Words a patient would use for this sign, matched by the check like a search "
            "(the sign's own words always match)"
        },
    )

    @ma.post_load
    def normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        after = data.pop("after_hours", None)
        if after is not None:
            if data.get("from_hours", after) != after:
                raise ma.ValidationError(
                    "Give from_hours or after_hours (its old name), not both.", "after_hours"
                )
            data["from_hours"] = after
        if "id" not in data:
            data["id"] = sign_slug(data["sign"])
        start, end = data.get("from_hours"), data.get("to_hours")
        if start is not None and end is not None and end <= start:
            raise ma.ValidationError(f"to_hours ({end}) must be after from_hours ({start}).", "to_hours")
        return data


def sign_slug(text: str) -> str:
    """A sign's default id: its words, lower-case, joined by hyphens (at most 60 characters)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    slug = "-".join(words)[:60].strip("-")
    return slug or "sign"


def check_windows(signs: list[dict[str, Any]]) -> dict[int, dict[str, list[str]]]:
    """Errors by sign position: ids used twice, and signs of one group whose windows overlap (at some
    hour two of them would apply, so an app could not tell which action holds)."""
    errors: dict[int, dict[str, list[str]]] = {}
    seen: dict[str, int] = {}
    for n, sign in enumerate(signs):
        if sign["id"] in seen:
            errors.setdefault(n, {}).setdefault("id", []).append(
                f"Id {sign['id']!r} is already the id of warning sign {seen[sign['id']]}; give each its own."
            )
        seen.setdefault(sign["id"], n)
    groups: dict[str, list[int]] = {}
    for n, sign in enumerate(signs):
        groups.setdefault(sign.get("group") or f"id:{sign['id']}", []).append(n)
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[:i]:
                if _overlap(signs[a], signs[b]):
                    errors.setdefault(a, {}).setdefault("from_hours", []).append(
                        f"Its window overlaps that of warning sign {b} ({signs[b]['id']!r}) of the same "
                        "group; make one end where the other starts."
                    )
    return errors


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    start_a, end_a = a.get("from_hours") or 0, a.get("to_hours")
    start_b, end_b = b.get("from_hours") or 0, b.get("to_hours")
    return (end_b is None or start_a < end_b) and (end_a is None or start_b < end_a)


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

    @ma.validates_schema
    def windows_agree(self, data: dict[str, Any], **_: Any) -> None:
        errors = check_windows(data.get("warning_signs") or [])
        if errors:
            raise ma.ValidationError({"warning_signs": errors})


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
