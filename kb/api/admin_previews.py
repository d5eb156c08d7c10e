"""Admin endpoints that issue preview links of drafts; the public reads serve them (kb/api/previews.py)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from kb.api.auth import protect, requires
from kb.api.base import Blueprint
from kb.api.docs import errors, operation
from kb.config import ADMIN_PREFIX
from kb.previews import links
from kb.schemas.previews import PreviewCreateSchema, PreviewSchema
from kb.services.resources import ARTICLE, ENTRY, Resource

blp = Blueprint(
    "admin_previews",
    __name__,
    url_prefix=ADMIN_PREFIX,
    description="Draft previews: short-lived tokens that show one draft version through the public reads",
)
protect(blp)


def _object_route(res: Resource) -> None:
    name = res.name.capitalize()

    class ObjectPreview(MethodView):
        @requires("editor")
        @operation(blp, f"preview{name}")
        @blp.arguments(PreviewCreateSchema, required=False)
        @blp.response(201, PreviewSchema)
        @errors(blp, 400, 401, 403, 404, 413, 415, 422)
        def post(self, data: dict[str, Any], slug: str) -> Any:
            """A preview token of the draft (or of one saved version): `GET /api/v1/<type>/<slug>` with
            the `KB-Preview-Token` header shows that version in the public shape until it expires."""
            return links.create(
                res, slug, version=data.get("version"), expires_in=data.get("expires_in"), actor=g.token.name
            ), 201

    class TranslationPreview(MethodView):
        @requires("editor")
        @operation(blp, f"preview{name}Translation")
        @blp.arguments(PreviewCreateSchema, required=False)
        @blp.response(201, PreviewSchema)
        @errors(blp, 400, 401, 403, 404, 409, 413, 415, 422)
        def post(self, data: dict[str, Any], slug: str, locale: str) -> Any:
            """A preview token of one translation's draft (or of one saved version), shown over the
            source's published structure: `GET /api/v1/<type>/<slug>?locale=<locale>` with the
            `KB-Preview-Token` header shows it in the public shape until it expires."""
            return links.create(
                res,
                slug,
                locale=locale,
                version=data.get("version"),
                expires_in=data.get("expires_in"),
                actor=g.token.name,
            ), 201

    ObjectPreview.__name__ = f"{name}Preview"
    TranslationPreview.__name__ = f"{name}TranslationPreview"
    blp.route(f"/{res.plural}/<slug>/preview")(ObjectPreview)
    blp.route(f"/{res.plural}/<slug>/translations/<locale:locale>/preview")(TranslationPreview)


_object_route(ENTRY)
_object_route(ARTICLE)
