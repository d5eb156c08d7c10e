"""Background jobs as the editor API shows them: status, progress, result or the first errors."""

from __future__ import annotations

import marshmallow as ma


class JobErrorSchema(ma.Schema):
    """Why a job failed. An invalid import's error always has ``errors`` and ``error_count`` (what the
    synchronous import would have answered in its 422); a job abandoned after its attempts has neither."""

    detail = ma.fields.String(required=True)
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={
            "description": "The first errors, by item (`items[n]`), or under `body` when the body as a "
            "whole was refused (not JSON, not a list of items...)"
        },
    )
    error_count = ma.fields.Integer(
        metadata={"description": "How many items are invalid in all (1 when the body as a whole is)"}
    )


class JobSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["queued", "running", "succeeded", "failed"])
    )
    progress = ma.fields.Dict(
        required=True,
        metadata={
            "description": "phase (queued, importing, indexing, done) and counts (read, written, items)"
        },
    )
    result = ma.fields.Dict(
        allow_none=True, metadata={"description": "An import's counts: items, created, updated, unchanged"}
    )
    error = ma.fields.Nested(JobErrorSchema, allow_none=True)
    attempts = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    started_at = ma.fields.AwareDateTime(allow_none=True)
    finished_at = ma.fields.AwareDateTime(allow_none=True)
