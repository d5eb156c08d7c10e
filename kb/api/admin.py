"""Admin endpoints besides content: tokens, audit log, review governance, bulk import and export."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, jsonify, request, stream_with_context, url_for
from flask.views import MethodView

from kb import jobs
from kb.api import intake
from kb.api.auth import protect, requires
from kb.api.base import Blueprint
from kb.api.docs import errors, operation
from kb.api.pagination import page_response
from kb.config import ADMIN_PREFIX
from kb.errors import ValidationFailed
from kb.jobs import imports
from kb.schemas.admin import (
    TOKEN_EXPIRY_RULE,
    AdminEntryPageSchema,
    AuditArgsSchema,
    AuditPageSchema,
    NewTokenSchema,
    ReviewDueArgsSchema,
    TokenCreateSchema,
    TokenListSchema,
    TokenSchema,
)
from kb.schemas.bulk import ITEMS_BODY, NDJSON, ExportArgsSchema, ImportArgsSchema, ImportReportSchema
from kb.schemas.jobs import JobSchema
from kb.services import audit, bulk, tokens, translation_status

AUTH_ERRORS = (401, 403)
EMPTY_IMPORT = 'The body is empty; send {"items": [...]} as JSON, or one item per line as NDJSON.'

blp = Blueprint("admin", __name__, url_prefix=ADMIN_PREFIX, description="Tokens, audit, review, bulk")
protect(blp, body_types=("application/json", NDJSON))


@blp.route("/tokens")
class Tokens(MethodView):
    @requires("admin")
    @operation(blp, "listTokens")
    @blp.response(200, TokenListSchema)
    @errors(blp, *AUTH_ERRORS)
    def get(self) -> Any:
        """Every token (never its secret)."""
        return {"data": tokens.list_tokens()}

    @requires("admin")
    @operation(blp, "createToken")
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    @errors(blp, 400, *AUTH_ERRORS, 409, 413, 415, 422, described={422: f"Invalid body. {TOKEN_EXPIRY_RULE}"})
    def post(self, data: dict[str, Any]) -> Any:
        """Create a token; the response holds its secret, shown this once."""
        token, secret = tokens.create(**data)
        token.secret = secret  # transient: dumped once as "token", never stored
        return token, 201


@blp.route("/tokens/<token_id>")
class OneToken(MethodView):
    @requires("admin")
    @operation(blp, "getToken")
    @blp.response(200, TokenSchema)
    @errors(blp, *AUTH_ERRORS, 404)
    def get(self, token_id: str) -> Any:
        """One token."""
        return tokens.get(token_id)

    @requires("admin")
    @operation(blp, "revokeToken")
    @blp.response(200, TokenSchema)
    @errors(blp, *AUTH_ERRORS, 404)
    def delete(self, token_id: str) -> Any:
        """Revoke a token (it stays listed, with revoked_at)."""
        return tokens.revoke(token_id)


@blp.route("/audit")
class Audit(MethodView):
    @requires("admin")
    @operation(blp, "listAuditEvents", paged=True)
    @blp.arguments(AuditArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, AuditPageSchema)
    @errors(blp, 400, *AUTH_ERRORS)
    def get(self, **args: Any) -> Any:
        """Admin writes and failed authentications, newest first; filters actor, action, since, until."""
        return page_response(audit.query(**args))


@blp.route("/review-due")
class ReviewDue(MethodView):
    @requires("editor")
    @operation(blp, "listReviewDue", paged=True)
    @blp.arguments(ReviewDueArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, AdminEntryPageSchema)
    @errors(blp, 400, *AUTH_ERRORS)
    def get(self, **args: Any) -> Any:
        """Entries and entry translations whose next review is overdue or due within `days` days,
        soonest first; a translation is the whole entry in its `locale` (its draft, version and status)."""
        return page_response(translation_status.review_due(**args))


@blp.route("/import")
class Import(MethodView):
    @requires("admin")
    @operation(blp, "importContent")
    @blp.arguments(ImportArgsSchema, location="query", as_kwargs=True)
    @blp.doc(
        requestBody={
            **ITEMS_BODY,
            "required": True,
            "description": 'Items as export gives them: JSON `{"items": [...]}` or NDJSON',
        },
        parameters=[
            {
                "in": "header",
                "name": "Prefer",
                "schema": {"type": "string", "enum": ["respond-async"]},
                "description": "respond-async: run the import as a job (202) whatever its size",
            }
        ],
    )
    @blp.response(200, ImportReportSchema, description="A small import (KB_IMPORT_SYNC_MAX_BYTES), done")
    @blp.alt_response(
        202,
        schema=JobSchema,
        success=True,
        description="A larger import (or Prefer: respond-async) runs as a job; Location is its status",
        headers={"Location": {"description": "The job's status resource", "schema": {"type": "string"}}},
    )
    @errors(blp, 400, *AUTH_ERRORS, 409, 413, 415, 422)
    def post(self, dry_run: bool) -> Any:
        """Upsert entries and articles by slug, all or nothing; per-item errors in a 422 (or the job's
        status, the first errors and their count)."""
        if not intake.has_body():  # it would be an import job of nothing, failing once it ran
            raise ValidationFailed(EMPTY_IMPORT, errors={"body": [EMPTY_IMPORT]})
        config = current_app.config
        request.max_content_length = config["KB_IMPORT_MAX_BYTES"]
        ndjson = request.mimetype == NDJSON
        length = request.content_length
        if (
            length is not None
            and length <= config["KB_IMPORT_SYNC_MAX_BYTES"]
            and "respond-async" not in request.headers.get("Prefer", "")
        ):
            raw = bulk.parse(request.get_data(as_text=True), ndjson=ndjson)
            return bulk.import_items(raw, dry_run=dry_run, author=g.token.name).as_dict()
        job = imports.enqueue_upload(request.stream, ndjson=ndjson, dry_run=dry_run, author=g.token.name)
        location = url_for("admin.OneJob", job_id=job.id)
        response = jsonify(JobSchema().dump(job))  # a Response: not dumped again with the 200 schema
        response.status_code = 202
        response.headers.update({"Location": location, "Preference-Applied": "respond-async"})
        return response


@blp.route("/jobs/<int:job_id>")
class OneJob(MethodView):
    @requires("admin")
    @operation(blp, "getJob")
    @blp.response(200, JobSchema)
    @errors(blp, *AUTH_ERRORS, 404)
    def get(self, job_id: int) -> Any:
        """A background job's status: its phase and progress, then its result or its error."""
        return jobs.get(job_id)


@blp.route("/export")
class Export(MethodView):
    @requires("editor")
    @operation(blp, "exportContent")
    @blp.arguments(ExportArgsSchema, location="query", as_kwargs=True)
    @blp.response(
        200, description="Every procedure, entry and article, drafts too", content_type="application/json"
    )
    @blp.alt_response(
        200, description="The same as NDJSON with format=ndjson", content_type=NDJSON, success=True
    )
    @errors(blp, 400, *AUTH_ERRORS)
    def get(self, format: str) -> Any:
        """Everything, in the format import takes: export then import reproduces the content."""
        ndjson = format == "ndjson"
        chunks = bulk.dump(bulk.export_items(), ndjson=ndjson)
        return Response(stream_with_context(chunks), mimetype=NDJSON if ndjson else "application/json")
