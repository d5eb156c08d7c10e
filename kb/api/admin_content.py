"""Editor endpoints for entries and articles, built once for both from their Resource."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g, url_for
from flask.views import MethodView

from kb.api.auth import protect, requires
from kb.api.base import Blueprint
from kb.api.docs import errors, operation
from kb.api.pagination import page_response
from kb.api.versions import OPTIONAL, REQUIRED, versioned
from kb.config import ADMIN_PREFIX
from kb.schemas.admin import (
    AdminArticlePageSchema,
    AdminArticleSchema,
    AdminEntryPageSchema,
    AdminEntrySchema,
    AdminListArgsSchema,
    RevisionPageSchema,
    RevisionSchema,
    WriteArgsSchema,
)
from kb.schemas.common import PageArgsSchema
from kb.services import editing
from kb.services.preconditions import IfMatch
from kb.services.resources import ARTICLE, ENTRY, Resource

AUTH_ERRORS = (401, 403)
WRITE_ERRORS = (*AUTH_ERRORS, 404, 413, 415, 422)


def content_blueprint(res: Resource, item: type[ma.Schema], page: type[ma.Schema]) -> Blueprint:
    plural = res.plural
    blp = Blueprint(
        f"admin_{plural}",
        __name__,
        url_prefix=f"{ADMIN_PREFIX}/{plural}",
        description=f"Editing {plural}: drafts, publishing, revisions",
    )
    protect(blp)
    body = res.input_schema
    name = res.name.capitalize()
    # Subclasses only so that the OpenAPI document names the partial variants apart.
    patch_body: type[ma.Schema] = type(f"{name}PatchSchema", (body,), {})
    replace_body: type[ma.Schema] = type(f"{name}ReplaceSchema", (body,), {})

    @blp.route("")
    class Collection(MethodView):
        @requires("editor")
        @operation(blp, f"list{name}Drafts", paged=True)
        @blp.arguments(AdminListArgsSchema, location="query", as_kwargs=True)
        @blp.response(200, page)
        @errors(blp, 400, *AUTH_ERRORS)
        def get(self, **args: Any) -> Any:
            """List drafts of every status; filters status, kind, tag, q (title or slug)."""
            return page_response(editing.list_drafts(res, **args))

        @requires("editor")
        @operation(blp, f"create{name}")
        @blp.arguments(WriteArgsSchema, location="query", as_kwargs=True)
        @blp.arguments(body)
        @blp.response(201, item)
        @errors(blp, 400, *AUTH_ERRORS, 409, 413, 415, 422)
        @versioned(blp)
        def post(self, data: dict[str, Any], message: str | None = None) -> Any:
            """Create a draft (not public until published)."""
            obj = editing.create(res, data, author=g.token.name, message=message)
            return obj, 201, {"Location": url_for(f"{blp.name}.Item", slug=obj.slug)}

    @blp.route("/<slug>")
    class Item(MethodView):
        @requires("editor")
        @operation(blp, f"get{name}Draft")
        @blp.response(200, item)
        @errors(blp, *AUTH_ERRORS, 404)
        @versioned(blp)
        def get(self, slug: str) -> Any:
            """The working draft, with has_unpublished_changes and the live version; ETag for If-Match."""
            return editing.get(res, slug)

        @requires("editor")
        @operation(blp, f"patch{name}")
        @blp.arguments(WriteArgsSchema, location="query", as_kwargs=True)
        @blp.arguments(patch_body(partial=tuple(body().fields)))  # top level only: a section keeps its rules
        @blp.response(200, item)
        @errors(blp, 400, *WRITE_ERRORS)
        @versioned(blp, if_match=REQUIRED)
        def patch(
            self, changes: dict[str, Any], slug: str, if_match: IfMatch, message: str | None = None
        ) -> Any:
            """Change some fields of the draft; requires If-Match."""
            return editing.update(
                res, slug, changes, if_match=if_match, author=g.token.name, message=message, partial=True
            )

        @requires("editor")
        @operation(blp, f"replace{name}")
        @blp.arguments(WriteArgsSchema, location="query", as_kwargs=True)
        @blp.arguments(replace_body(partial=("slug",)))
        @blp.response(200, item)
        @errors(blp, 400, *WRITE_ERRORS)
        @versioned(blp, if_match=REQUIRED)
        def put(self, data: dict[str, Any], slug: str, if_match: IfMatch, message: str | None = None) -> Any:
            """Replace the whole draft; requires If-Match."""
            return editing.update(
                res, slug, data, if_match=if_match, author=g.token.name, message=message, partial=False
            )

        @requires("admin")
        @operation(blp, f"delete{name}")
        @blp.response(204)
        @errors(blp, *AUTH_ERRORS, 404, 409)
        @versioned(blp, if_match=REQUIRED)
        def delete(self, slug: str, if_match: IfMatch) -> None:
            """Delete the object, its live copy and its revisions; requires If-Match."""
            editing.delete(res, slug, if_match=if_match)

    def transition(action: str, doc: str, run: Any, if_match: str) -> None:
        def view(slug: str, if_match: IfMatch) -> Any:
            return run(slug, if_match)

        view.__name__ = action
        view.__doc__ = doc
        decorated = versioned(blp, if_match=if_match)(requires("publisher")(view))
        decorated = errors(blp, *AUTH_ERRORS, 404)(blp.response(200, item)(decorated))
        decorated = operation(blp, f"{action}{name}")(decorated)
        blp.route(f"/<slug>/{action}", methods=["POST"], endpoint=action)(decorated)

    transition(
        "publish",
        "Make the draft live (public at once); requires If-Match.",
        lambda slug, if_match: editing.publish(res, slug, if_match=if_match),
        REQUIRED,
    )
    transition(
        "unpublish",
        "Take it off the public API, keeping the draft; If-Match is checked if sent.",
        lambda slug, if_match: editing.unpublish(res, slug, if_match=if_match),
        OPTIONAL,
    )
    transition(
        "archive",
        "Unpublish and mark archived; If-Match is checked if sent.",
        lambda slug, if_match: editing.unpublish(res, slug, if_match=if_match, archive=True),
        OPTIONAL,
    )

    @blp.route("/<slug>/revisions")
    class Revisions(MethodView):
        @requires("editor")
        @operation(blp, f"list{name}Revisions", paged=True)
        @blp.arguments(PageArgsSchema, location="query", as_kwargs=True)
        @blp.response(200, RevisionPageSchema)
        @errors(blp, 400, *AUTH_ERRORS, 404)
        def get(self, slug: str, **args: Any) -> Any:
            """Every save of the draft, newest first."""
            return page_response(editing.revisions(res, slug, **args))

    @blp.route("/<slug>/revisions/<int:number>")
    class OneRevision(MethodView):
        @requires("editor")
        @operation(blp, f"get{name}Revision")
        @blp.response(200, RevisionSchema)
        @errors(blp, *AUTH_ERRORS, 404)
        def get(self, slug: str, number: int) -> Any:
            """One revision with its full snapshot."""
            return editing.revision(res, slug, number)

    @blp.route("/<slug>/revisions/<int:number>/restore")
    class Restore(MethodView):
        @requires("editor")
        @operation(blp, f"restore{name}Revision")
        @blp.response(200, item)
        @errors(blp, *AUTH_ERRORS, 404, 422)
        @versioned(blp, if_match=REQUIRED)
        def post(self, slug: str, number: int, if_match: IfMatch) -> Any:
            """Make a new draft revision from revision `number`; requires If-Match of the draft."""
            return editing.restore(res, slug, number, if_match=if_match, author=g.token.name)

    return blp


entries_blp = content_blueprint(ENTRY, AdminEntrySchema, AdminEntryPageSchema)
articles_blp = content_blueprint(ARTICLE, AdminArticleSchema, AdminArticlePageSchema)
