"""Public article endpoints: whole articles in order, ready to render."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from kb.api.base import Blueprint
from kb.api.caching import with_last_modified
from kb.api.docs import errors, not_modified
from kb.api.pagination import page_response
from kb.schemas.article import (
    ArticleDetailArgsSchema,
    ArticleListArgsSchema,
    ArticlePageSchema,
    ArticleSchema,
)
from kb.services import articles

blp = Blueprint("articles", __name__, url_prefix="/api/v1/articles", description="Published articles")


@blp.route("")
class ArticleList(MethodView):
    @blp.arguments(ArticleListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, ArticlePageSchema)
    @errors(blp, 400)
    @not_modified(blp)
    def get(self, **args: Any) -> Any:
        """List published articles."""
        return page_response(articles.list_live(**args))


@blp.route("/<slug>")
class ArticleDetail(MethodView):
    @blp.arguments(ArticleDetailArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, ArticleSchema)
    @errors(blp, 400, 404)
    @not_modified(blp)
    def get(self, slug: str, include: list[str]) -> Any:
        """One published article, sections in order; `include=entries` embeds whole entries."""
        return with_last_modified(articles.get_live(slug, include=include), include)
