"""Editor endpoints for translations: one locale of an entry or article, without touching the others.

``/admin/<plural>/<slug>/translations/<locale>``: create or replace (PUT), read, PATCH, publish,
unpublish, revisions and restore; ``/admin/translations`` lists what editors must do.
"""

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
from kb.schemas.admin import RevisionPageSchema, RevisionSchema, WriteArgsSchema
from kb.schemas.common import PageArgsSchema
from kb.schemas.translation import (
    AdminTranslationSchema,
    ArticleTranslationWriteSchema,
    EntryTranslationWriteSchema,
    TranslationStateListSchema,
    TranslationStatePageSchema,
    TranslationTodoArgsSchema,
)
from kb.services import translation_status, translations
from kb.services.preconditions import IfMatch
from kb.services.resources import ARTICLE, ENTRY, Resource

AUTH_ERRORS = (401, 403)
WRITE_ERRORS = (400, *AUTH_ERRORS, 404, 409, 413, 415, 422)


def translations_blueprint(res: Resource, body: type[ma.Schema]) -> Blueprint:
    plural = res.plural
    blp = Blueprint(
        f"admin_{res.name}_translations",
        __name__,
        url_prefix=f"{ADMIN_PREFIX}/{plural}",
        description=(
            f"Translations of {plural}: one locale at a time, text only. The {res.name}'s own (source) "
            f"locale is edited at the {res.name} itself: naming it here is a 409"
        ),
    )
    protect(blp)
    name = res.name.capitalize()
    patch_body: type[ma.Schema] = type(f"{name}TranslationPatchSchema", (body,), {})

    @blp.route("/<slug>/translations")
    class Locales(MethodView):
        @requires("editor")
        @operation(blp, f"list{name}Translations")
        @blp.response(200, TranslationStateListSchema)
        @errors(blp, *AUTH_ERRORS, 404)
        def get(self, slug: str) -> Any:
            """Every supported locale of the item: the source, each translation's state, missing ones."""
            return {"data": translations.overview(res, slug)}

    @blp.route("/<slug>/translations/<locale:locale>")
    class Item(MethodView):
        @requires("editor")
        @operation(blp, f"get{name}Translation")
        @blp.response(200, AdminTranslationSchema)
        @errors(blp, 400, *AUTH_ERRORS, 404, 409)
        @versioned(blp)
        def get(self, slug: str, locale: str) -> Any:
            """The translation's working draft and state; ETag for If-Match."""
            return translations.read(res, slug, locale)

        @requires("editor")
        @operation(blp, f"replace{name}Translation")
        @blp.arguments(WriteArgsSchema, location="query", as_kwargs=True)
        @blp.arguments(body)
        @blp.response(200, AdminTranslationSchema)
        @blp.alt_response(201, schema=AdminTranslationSchema, description="Created", success=True)
        @errors(blp, *WRITE_ERRORS, 428)
        @versioned(blp, if_match=OPTIONAL)
        def put(
            self, data: dict[str, Any], slug: str, locale: str, if_match: IfMatch, message: str | None = None
        ) -> Any:
            """Create the translation (201; no If-Match), or replace its whole draft (If-Match required,
            428 without it). Text only, every text of the source, lists in its length and order;
            structure is a 422 naming the field."""
            found, created = translations.put(
                res, slug, locale, data, if_match=if_match, author=g.token.name, message=message
            )
            if created:
                return found, 201, {"Location": url_for(f"{blp.name}.Item", slug=slug, locale=found.locale)}
            return found

        @requires("editor")
        @operation(blp, f"patch{name}Translation")
        @blp.arguments(WriteArgsSchema, location="query", as_kwargs=True)
        @blp.arguments(patch_body(partial=True))
        @blp.response(200, AdminTranslationSchema)
        @errors(blp, *WRITE_ERRORS)
        @versioned(blp, if_match=REQUIRED)
        def patch(
            self,
            changes: dict[str, Any],
            slug: str,
            locale: str,
            if_match: IfMatch,
            message: str | None = None,
        ) -> Any:
            """Change some of the text (objects merge, lists replace); requires If-Match."""
            return translations.patch(
                res, slug, locale, changes, if_match=if_match, author=g.token.name, message=message
            )

    def transition(action: str, doc: str, run: Any, if_match: str) -> None:
        def view(slug: str, locale: str, if_match: IfMatch) -> Any:
            return run(slug, locale, if_match)

        view.__name__ = f"translation_{action}"
        view.__doc__ = doc
        decorated = versioned(blp, if_match=if_match)(requires("publisher")(view))
        decorated = errors(blp, 400, *AUTH_ERRORS, 404, 409)(
            blp.response(200, AdminTranslationSchema)(decorated)
        )
        decorated = operation(blp, f"{action}{name}Translation")(decorated)
        blp.route(f"/<slug>/translations/<locale:locale>/{action}", methods=["POST"], endpoint=view.__name__)(
            decorated
        )

    transition(
        "publish",
        "Make this locale's draft live; other locales are untouched. The source must be live with the "
        "structure the text fits (409 otherwise). Requires If-Match.",
        lambda slug, locale, if_match: translations.publish(res, slug, locale, if_match=if_match),
        REQUIRED,
    )
    transition(
        "unpublish",
        "Take this locale off the public API (readers fall back along their chain); If-Match checked "
        "if sent.",
        lambda slug, locale, if_match: translations.unpublish(res, slug, locale, if_match=if_match),
        OPTIONAL,
    )

    @blp.route("/<slug>/translations/<locale:locale>/revisions")
    class Revisions(MethodView):
        @requires("editor")
        @operation(blp, f"list{name}TranslationRevisions", paged=True)
        @blp.arguments(PageArgsSchema, location="query", as_kwargs=True)
        @blp.response(200, RevisionPageSchema)
        @errors(blp, 400, *AUTH_ERRORS, 404, 409)
        def get(self, slug: str, locale: str, **args: Any) -> Any:
            """Every save of this translation's draft, newest first."""
            return page_response(translations.revisions(res, slug, locale, **args))

    @blp.route("/<slug>/translations/<locale:locale>/revisions/<int:number>")
    class OneRevision(MethodView):
        @requires("editor")
        @operation(blp, f"get{name}TranslationRevision")
        @blp.response(200, RevisionSchema)
        @errors(blp, 400, *AUTH_ERRORS, 404, 409)
        def get(self, slug: str, locale: str, number: int) -> Any:
            """One revision of this translation with its full snapshot."""
            return translations.revision(res, slug, locale, number)

    @blp.route("/<slug>/translations/<locale:locale>/revisions/<int:number>/restore")
    class Restore(MethodView):
        @requires("editor")
        @operation(blp, f"restore{name}TranslationRevision")
        @blp.response(200, AdminTranslationSchema)
        @errors(blp, 400, *AUTH_ERRORS, 404, 409, 422)
        @versioned(blp, if_match=REQUIRED)
        def post(self, slug: str, locale: str, number: int, if_match: IfMatch) -> Any:
            """A new draft from revision `number` (checked against today's source); requires If-Match."""
            return translations.restore(res, slug, locale, number, if_match=if_match, author=g.token.name)

    return blp


entry_translations_blp = translations_blueprint(ENTRY, EntryTranslationWriteSchema)
article_translations_blp = translations_blueprint(ARTICLE, ArticleTranslationWriteSchema)

todo_blp = Blueprint(
    "admin_translations", __name__, url_prefix=ADMIN_PREFIX, description="What translators must do"
)
protect(todo_blp)


@todo_blp.route("/translations")
class Todo(MethodView):
    @requires("editor")
    @operation(todo_blp, "listTranslations", paged=True)
    @todo_blp.arguments(TranslationTodoArgsSchema, location="query", as_kwargs=True)
    @todo_blp.response(200, TranslationStatePageSchema)
    @errors(todo_blp, 400, *AUTH_ERRORS)
    def get(self, type: str | None = None, **args: Any) -> Any:
        """Translations by state across entries and articles: `status=missing` (none yet in a supported
        locale), `stale` (the source changed since), a status, `unpublished_changes` or `review_due`."""
        return page_response(translation_status.todo(type_=type, **args))
