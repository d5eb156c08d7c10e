"""Editor endpoints for procedures: list, read, create, change and delete. A procedure has no draft
(a write is live at once), so writes need the publisher role; logic in kb/services/procedure_editing."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView

from kb.api.auth import protect, requires
from kb.api.base import Blueprint
from kb.api.docs import errors, operation
from kb.api.pagination import page_response
from kb.api.versions import REQUIRED, versioned
from kb.config import ADMIN_PREFIX
from kb.schemas.procedures import (
    AdminProcedureListArgsSchema,
    AdminProcedurePageSchema,
    AdminProcedureSchema,
    ProcedureInputSchema,
    ProcedurePatchSchema,
    ProcedureReplaceSchema,
)
from kb.services import procedure_editing, procedures
from kb.services.preconditions import IfMatch

AUTH_ERRORS = (401, 403)
WRITE_ERRORS = (400, *AUTH_ERRORS, 404, 413, 415, 422)

blp = Blueprint(
    "admin_procedures",
    __name__,
    url_prefix=f"{ADMIN_PREFIX}/procedures",
    description="Editing procedures (live as soon as written)",
)
protect(blp)


@blp.route("")
class Procedures(MethodView):
    @requires("editor")
    @operation(blp, "listProcedureDrafts", paged=True)
    @blp.arguments(AdminProcedureListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, AdminProcedurePageSchema)
    @errors(blp, 400, *AUTH_ERRORS)
    def get(self, **args: Any) -> Any:
        """Every procedure with the text of every locale; q filters title or slug."""
        return page_response(procedure_editing.list_all(**args))

    @requires("publisher")
    @operation(blp, "createProcedure")
    @blp.arguments(ProcedureInputSchema)
    @blp.response(201, AdminProcedureSchema)
    @errors(blp, *WRITE_ERRORS, 409)
    @versioned(blp)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a procedure (public at once: content can then name it)."""
        procedure = procedure_editing.create(data)
        return procedure, 201, {"Location": url_for("admin_procedures.OneProcedure", slug=procedure.slug)}


@blp.route("/<slug>")
class OneProcedure(MethodView):
    @requires("editor")
    @operation(blp, "getProcedureDraft")
    @blp.response(200, AdminProcedureSchema)
    @errors(blp, *AUTH_ERRORS, 404)
    @versioned(blp)
    def get(self, slug: str) -> Any:
        """One procedure; its ETag is what If-Match takes."""
        return procedures.find(slug)

    @requires("publisher")
    @operation(blp, "patchProcedure")
    @blp.arguments(ProcedurePatchSchema(partial=True))
    @blp.response(200, AdminProcedureSchema)
    @errors(blp, *WRITE_ERRORS)
    @versioned(blp, if_match=REQUIRED)
    def patch(self, changes: dict[str, Any], slug: str, if_match: IfMatch) -> Any:
        """Change some fields (live at once); `translations` replaces every other locale's text;
        requires If-Match."""
        return procedure_editing.update(slug, changes, if_match=if_match, partial=True)

    @requires("publisher")
    @operation(blp, "replaceProcedure")
    @blp.arguments(ProcedureReplaceSchema)
    @blp.response(200, AdminProcedureSchema)
    @errors(blp, *WRITE_ERRORS)
    @versioned(blp, if_match=REQUIRED)
    def put(self, data: dict[str, Any], slug: str, if_match: IfMatch) -> Any:
        """Replace the whole procedure (live at once); requires If-Match."""
        return procedure_editing.update(slug, data, if_match=if_match, partial=False)

    @requires("admin")
    @operation(blp, "deleteProcedure")
    @blp.response(204)
    @errors(blp, *AUTH_ERRORS, 404, 409)
    @versioned(blp, if_match=REQUIRED)
    def delete(self, slug: str, if_match: IfMatch) -> None:
        """Delete a procedure no content names (409 lists what does); requires If-Match."""
        procedure_editing.delete(slug, if_match=if_match)
