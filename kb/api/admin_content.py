"""Editor endpoints for entries and articles, built once for both from their Resource."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g, request, url_for
from flask.views import MethodView

from kb.api.auth import protect, requires
from kb.api.base import Blueprint
from kb.api.docs import errors
from kb.api.pagination import page_response
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
from kb.services.resources import ARTICLE, ENTRY, Resource

AUTH_ERRORS = (401, 403)
WRITE_ERRORS = (*AUTH_ERRORS, 404, 412, 413, 415, 422, 428)


def with_etag(obj: Any, status: int = 200, **headers: str) -> tuple[Any, int, dict[str, str]]:
    return obj, status, {"ETag": f'"{editing.etag(obj)}"', **headers}


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
        @blp.arguments(AdminListArgsSchema, location="query", as_kwargs=True)
        @blp.response(200, page)
        @errors(blp, 400, *AUTH_ERRORS)
        def get(self, **args: Any) -> Any:
            """List drafts of every status; filters status, kind, tag, q (title or slug)."""
            return page_response(editing.list_drafts(res, **args))

        @requires("editor")
        @blp.arguments(WriteArgsSchema, location="query", as_kwargs=True)
        @blp.arguments(body)
        @blp.response(201, item)
        @errors(blp, 400, *AUTH_ERRORS, 409, 413, 415, 422)
        def post(self, data: dict[str, Any], message: str | None = None) -> Any:
            """Create a draft (not public until published)."""
            obj = editing.create(res, data, author=g.token.name, message=message)
            return with_etag(obj, 201, Location=url_for(f"{blp.name}.Item", slug=obj.slug))

    @blp.route("/<slug>")
    class Item(MethodView):
        @requires("editor")
        @blp.response(200, item)
        @errors(blp, *AUTH_ERRORS, 404)
        def get(self, slug: str) -> Any:
            """The working draft, with has_unpublished_changes and the live version; ETag for If-Match."""
            return with_etag(editing.get(res, slug))

        @requires("editor")
        @blp.arguments(WriteArgsSchema, location="query", as_kwargs=True)
        @blp.arguments(patch_body(partial=True))
        @blp.response(200, item)
        @errors(blp, 400, *WRITE_ERRORS)
        def patch(self, changes: dict[str, Any], slug: str, message: str | None = None) -> Any:
            """Change some fields of the draft; requires If-Match."""
            return with_etag(
                editing.update(
                    res,
                    slug,
                    changes,
                    if_match=request.if_match,
                    author=g.token.name,
                    message=message,
                    partial=True,
                )
            )

        @requires("editor")
        @blp.arguments(WriteArgsSchema, location="query", as_kwargs=True)
        @blp.arguments(replace_body(partial=("slug",)))
        @blp.response(200, item)
        @errors(blp, 400, *WRITE_ERRORS)
        def put(self, data: dict[str, Any], slug: str, message: str | None = None) -> Any:
            """Replace the whole draft; requires If-Match."""
            return with_etag(
                editing.update(
                    res,
                    slug,
                    data,
                    if_match=request.if_match,
                    author=g.token.name,
                    message=message,
                    partial=False,
                )
            )

        @requires("admin")
        @blp.response(204)
        @errors(blp, *AUTH_ERRORS, 404, 412, 428)
        def delete(self, slug: str) -> None:
            """Delete the object, its live copy and its revisions; requires If-Match."""
            editing.delete(res, slug, if_match=request.if_match)

    def transition(action: str, doc: str, run: Any, codes: tuple[int, ...]) -> None:
        def view(slug: str) -> Any:
            return with_etag(run(slug))

        view.__name__ = action
        view.__doc__ = doc
        decorated = errors(blp, *AUTH_ERRORS, *codes)(blp.response(200, item)(requires("publisher")(view)))
        blp.route(f"/<slug>/{action}", methods=["POST"], endpoint=action)(decorated)

    transition(
        "publish",
        "Make the draft live (public at once); requires If-Match.",
        lambda slug: editing.publish(res, slug, if_match=request.if_match),
        (404, 412, 428),
    )
    transition(
        "unpublish",
        "Take it off the public API, keeping the draft; If-Match checked if sent.",
        lambda slug: editing.unpublish(res, slug, if_match=request.if_match),
        (404, 412),
    )
    transition(
        "archive",
        "Unpublish and mark archived; If-Match checked if sent.",
        lambda slug: editing.unpublish(res, slug, if_match=request.if_match, archive=True),
        (404, 412),
    )

    @blp.route("/<slug>/revisions")
    class Revisions(MethodView):
        @requires("editor")
        @blp.arguments(PageArgsSchema, location="query", as_kwargs=True)
        @blp.response(200, RevisionPageSchema)
        @errors(blp, 400, *AUTH_ERRORS, 404)
        def get(self, slug: str, **args: Any) -> Any:
            """Every save of the draft, newest first."""
            return page_response(editing.revisions(res, slug, **args))

    @blp.route("/<slug>/revisions/<int:number>")
    class OneRevision(MethodView):
        @requires("editor")
        @blp.response(200, RevisionSchema)
        @errors(blp, *AUTH_ERRORS, 404)
        def get(self, slug: str, number: int) -> Any:
            """One revision with its full snapshot."""
            return editing.revision(res, slug, number)

    @blp.route("/<slug>/revisions/<int:number>/restore")
    class Restore(MethodView):
        @requires("editor")
        @blp.response(200, item)
        @errors(blp, *AUTH_ERRORS, 404, 412, 422, 428)
        def post(self, slug: str, number: int) -> Any:
            """Make a new draft revision from revision `number`; requires If-Match of the draft."""
            return with_etag(
                editing.restore(res, slug, number, if_match=request.if_match, author=g.token.name)
            )

    return blp


entries_blp = content_blueprint(ENTRY, AdminEntrySchema, AdminEntryPageSchema)
articles_blp = content_blueprint(ARTICLE, AdminArticleSchema, AdminArticlePageSchema)
