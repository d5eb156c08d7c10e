"""Admin endpoints besides content: tokens, audit log, review governance, bulk import and export."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app, g, request, stream_with_context
from flask.views import MethodView

from kb.api.auth import protect, requires
from kb.api.base import Blueprint
from kb.api.docs import errors
from kb.api.pagination import page_response
from kb.config import ADMIN_PREFIX
from kb.schemas.admin import (
    AdminEntryPageSchema,
    AuditArgsSchema,
    AuditPageSchema,
    NewTokenSchema,
    ReviewDueArgsSchema,
    TokenCreateSchema,
    TokenListSchema,
    TokenSchema,
)
from kb.services import audit, bulk, editing, tokens
from kb.services.editing import commit_write

NDJSON = "application/x-ndjson"
AUTH_ERRORS = (401, 403)

blp = Blueprint("admin", __name__, url_prefix=ADMIN_PREFIX, description="Tokens, audit, review, bulk")
protect(blp, body_types=("application/json", NDJSON))


@blp.route("/tokens")
class Tokens(MethodView):
    @requires("admin")
    @blp.response(200, TokenListSchema)
    @errors(blp, *AUTH_ERRORS)
    def get(self) -> Any:
        """Every token (never its secret)."""
        return {"data": tokens.list_tokens()}

    @requires("admin")
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    @errors(blp, *AUTH_ERRORS, 409, 413, 415, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a token; the response holds its secret, shown this once."""
        token, secret = tokens.create(**data)
        audit.record("token.create", object_type="token", object_key=token.name, status=201, role=token.role)
        commit_write()
        token.secret = secret  # transient: dumped once as "token", never stored
        return token, 201


@blp.route("/tokens/<int:token_id>")
class OneToken(MethodView):
    @requires("admin")
    @blp.response(200, TokenSchema)
    @errors(blp, *AUTH_ERRORS, 404)
    def get(self, token_id: int) -> Any:
        """One token."""
        return tokens.get(token_id)

    @requires("admin")
    @blp.response(200, TokenSchema)
    @errors(blp, *AUTH_ERRORS, 404)
    def delete(self, token_id: int) -> Any:
        """Revoke a token (it stays listed, with revoked_at)."""
        token = tokens.revoke(token_id)
        audit.record("token.revoke", object_type="token", object_key=token.name, status=200)
        commit_write()
        return token


@blp.route("/audit")
class Audit(MethodView):
    @requires("admin")
    @blp.arguments(AuditArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, AuditPageSchema)
    @errors(blp, 400, *AUTH_ERRORS)
    def get(self, **args: Any) -> Any:
        """Admin writes and failed authentications, newest first; filters actor, action, since, until."""
        return page_response(audit.query(**args))


@blp.route("/review-due")
class ReviewDue(MethodView):
    @requires("editor")
    @blp.arguments(ReviewDueArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, AdminEntryPageSchema)
    @errors(blp, 400, *AUTH_ERRORS)
    def get(self, **args: Any) -> Any:
        """Entries whose next review is overdue or due within `days` days, soonest first."""
        return page_response(editing.review_due(**args))


class ImportArgsSchema(ma.Schema):
    dry_run = ma.fields.Boolean(load_default=False, metadata={"description": "Validate and report only"})


class ImportReportSchema(ma.Schema):
    dry_run = ma.fields.Boolean(required=True)
    items = ma.fields.Integer(required=True)
    created = ma.fields.List(ma.fields.String(), required=True)
    updated = ma.fields.List(ma.fields.String(), required=True)
    unchanged = ma.fields.List(ma.fields.String(), required=True)


ITEMS_BODY = {
    "content": {
        "application/json": {"schema": {"type": "object", "properties": {"items": {"type": "array"}}}},
        NDJSON: {"schema": {"type": "string", "description": "One item per line"}},
    }
}


@blp.route("/import")
class Import(MethodView):
    @requires("admin")
    @blp.arguments(ImportArgsSchema, location="query", as_kwargs=True)
    @blp.doc(
        requestBody={
            **ITEMS_BODY,
            "required": True,
            "description": 'Items {"type", "status", "draft", "live"}, as export gives them',
        }
    )
    @blp.response(200, ImportReportSchema)
    @errors(blp, 400, *AUTH_ERRORS, 413, 415, 422)
    def post(self, dry_run: bool) -> Any:
        """Upsert entries and articles by slug, all or nothing; per-item errors in a 422."""
        request.max_content_length = current_app.config["KB_IMPORT_MAX_BYTES"]
        raw = bulk.parse(request.get_data(as_text=True), ndjson=request.mimetype == NDJSON)
        return bulk.import_items(raw, dry_run=dry_run, author=g.token.name).as_dict()


class ExportArgsSchema(ma.Schema):
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "ndjson"]))


@blp.route("/export")
class Export(MethodView):
    @requires("editor")
    @blp.arguments(ExportArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, description="Every entry and article, drafts too", content_type="application/json")
    @blp.alt_response(
        200, description="The same as NDJSON with format=ndjson", content_type=NDJSON, success=True
    )
    @errors(blp, 400, *AUTH_ERRORS)
    def get(self, format: str) -> Any:
        """Everything, in the format import takes: export then import reproduces the content."""
        ndjson = format == "ndjson"
        chunks = bulk.dump(bulk.export_items(), ndjson=ndjson)
        return Response(stream_with_context(chunks), mimetype=NDJSON if ndjson else "application/json")
