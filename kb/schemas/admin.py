"""Shapes of the editor API: drafts with their publishing state, revisions, tokens, audit."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from kb.models import KINDS, ROLES, STATUSES
from kb.schemas.article import ArticleSummarySchema
from kb.schemas.common import PageArgsSchema, SourceSchema, Tag, envelope, sort_field
from kb.schemas.entry import EntrySchema
from kb.schemas.fields import QueryArgsSchema, choice
from kb.schemas.validators import FullMatch, UtcDateTime


class PublishingStateMixin(ma.Schema):
    live_version = fields.Integer(
        allow_none=True, required=True, metadata={"description": "Version the public sees; null if not live"}
    )
    has_unpublished_changes = fields.Boolean(required=True)


class AdminEntrySchema(EntrySchema, PublishingStateMixin):
    """An entry's working draft, as editors read it (nothing rendered, nothing embedded)."""

    class Meta:
        exclude = ("body_html", "related_entries", "translations")


class AdminSectionSchema(ma.Schema):
    heading = fields.String(required=True)
    body = fields.String(required=True)
    entries = fields.List(fields.String(), required=True, metadata={"description": "Entry slugs"})


class AdminArticleSchema(ArticleSummarySchema, PublishingStateMixin):
    """An article's working draft, as editors read it."""

    class Meta:
        exclude = ("translations",)

    sources = fields.List(fields.Nested(SourceSchema), required=True)
    sections = fields.List(fields.Nested(AdminSectionSchema), required=True)


AdminEntryPageSchema = envelope(AdminEntrySchema, "AdminEntryPage")
AdminArticlePageSchema = envelope(AdminArticleSchema, "AdminArticlePage")


class AdminListArgsSchema(PageArgsSchema):
    status = choice("Status", STATUSES)
    kind = choice("Kind", KINDS)
    tag = Tag
    q = fields.String(validate=validate.Length(1, 200), metadata={"description": "In title or slug"})
    sort = sort_field(["slug", "title", "updated_at", "status"], "-updated_at")


class WriteArgsSchema(QueryArgsSchema):
    message = fields.String(
        validate=validate.Length(1, 500),
        metadata={"description": "Note stored with the revision this save makes"},
    )


class RevisionSummarySchema(ma.Schema):
    number = fields.Integer(required=True)
    author = fields.String(required=True)
    message = fields.String(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)


class RevisionSchema(RevisionSummarySchema):
    snapshot = fields.Dict(required=True, metadata={"description": "The whole draft as saved"})


RevisionPageSchema = envelope(RevisionSummarySchema, "RevisionPage")


class ReviewDueArgsSchema(PageArgsSchema):
    days = fields.Integer(
        load_default=0,
        validate=validate.Range(0, 3650),
        metadata={"description": "Also list reviews due within this many days"},
    )


TOKEN_EXPIRY_RULE = "It must be in the future: a time already past is a 422 (the token would never work)"


class TokenCreateSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    name = fields.String(
        required=True,
        validate=[
            validate.Length(1, 100),
            FullMatch(
                r"^[A-Za-z0-9][A-Za-z0-9 ._@-]*$",
                error="Send letters, digits, spaces and . _ @ -, starting with a letter or digit.",
            ),
        ],
    )
    role = choice("Role", ROLES, required=True)
    expires_at = UtcDateTime(
        allow_none=True,
        load_default=None,
        metadata={"description": f"When the token stops working; null: never. {TOKEN_EXPIRY_RULE}"},
    )


class TokenSchema(ma.Schema):
    id = fields.String(
        attribute="public_id",
        required=True,
        metadata={"description": "Random public id (tok_...), for /api/v1/admin/tokens/{token_id}"},
    )
    name = fields.String(required=True)
    role = choice("Role", ROLES, required=True)
    prefix = fields.String(required=True, metadata={"description": "First characters, to recognise it"})
    created_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(allow_none=True, required=True)
    revoked_at = fields.AwareDateTime(allow_none=True, required=True)
    last_used_at = fields.AwareDateTime(allow_none=True, required=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(
        attribute="secret", required=True, metadata={"description": "The secret; shown this once only"}
    )


class TokenListSchema(ma.Schema):
    data = fields.List(fields.Nested(TokenSchema), required=True)


class AuditArgsSchema(PageArgsSchema):
    actor = fields.String(validate=validate.Length(1, 100))
    action = fields.String(validate=validate.Length(1, 40))
    since = UtcDateTime()
    until = UtcDateTime()


class AuditEventSchema(ma.Schema):
    id = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    actor = fields.String(allow_none=True, required=True)
    action = fields.String(required=True)
    object_type = fields.String(allow_none=True, required=True)
    object_key = fields.String(allow_none=True, required=True)
    remote_addr = fields.String(allow_none=True, required=True)
    method = fields.String(allow_none=True, required=True)
    path = fields.String(allow_none=True, required=True)
    status = fields.Integer(allow_none=True, required=True)
    detail = fields.Dict(required=True)


AuditPageSchema = envelope(AuditEventSchema, "AuditPage")
