"""Shapes of preview links: what an editor may send, what the API answers."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from kb.schemas.fields import WholeNumber


class PreviewCreateSchema(ma.Schema):
    """Both optional: an empty body (or none) previews the current draft for KB_PREVIEW_TTL seconds."""

    class Meta:
        unknown = ma.RAISE

    version = WholeNumber(
        validate=validate.Range(min=1),
        metadata={
            "description": "The draft version to preview (a revision number); default the current. One "
            "not yet written is a 422"
        },
    )
    expires_in = WholeNumber(
        validate=validate.Range(min=60),
        metadata={
            "description": "Seconds the token is valid; default KB_PREVIEW_TTL (3600), at most "
            "KB_PREVIEW_MAX_TTL (604800): more is a 422"
        },
    )


class PreviewSchema(ma.Schema):
    token = fields.String(
        required=True,
        metadata={
            "description": "Send it as the KB-Preview-Token header (never in a URL) to the public read"
        },
    )
    header = fields.String(required=True, metadata={"description": "The header to send it in"})
    object_type = fields.String(required=True, metadata={"description": "entry or article"})
    slug = fields.String(required=True)
    locale = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "The draft version it shows"})
    expires_at = fields.AwareDateTime(required=True)
    url = fields.String(required=True, metadata={"description": "The public endpoint to read it from"})
