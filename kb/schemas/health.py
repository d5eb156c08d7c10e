"""Health and readiness bodies."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


class LivenessSchema(ma.Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


class ReadinessSchema(ma.Schema):
    ok = fields.Boolean(required=True)
    checks = fields.Dict(required=True, metadata={"description": "One object per dependency, each with ok"})
