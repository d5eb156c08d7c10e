"""Public article endpoints: whole articles in order, ready to render."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from kb.api.base import Blueprint
from kb.api.caching import by_generation, with_last_modified
from kb.api.docs import errors, not_modified, operation
from kb.api.localization import chain, says_language, served
from kb.api.pagination import page_response
from kb.api.previews import previewable
from kb.previews import drafts
from kb.schemas.article import (
    ArticleDetailArgsSchema,
    ArticleDetailSchema,
    ArticleListArgsSchema,
    ArticlePageSchema,
)
from kb.services import articles

blp = Blueprint("articles", __name__, url_prefix="/api/v1/articles", description="Published articles")


@blp.route("")
class ArticleList(MethodView):
    @by_generation(query_in_body=True)
    @operation(blp, "listArticles", paged=True)
    @blp.arguments(ArticleListArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, ArticlePageSchema)
    @errors(blp, 400)
    @not_modified(blp)
    def get(self, **args: Any) -> Any:
        """List published articles."""
        return page_response(articles.list_live(chain=chain(args), **args))


@blp.route("/<slug>")
class ArticleDetail(MethodView):
    @by_generation()
    @operation(blp, "getArticle")
    @blp.arguments(ArticleDetailArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, ArticleDetailSchema)
    @errors(blp, 400, 404)
    @not_modified(blp, last_modified=True)
    @previewable(blp, "article", drafts.article)
    @says_language
    def get(self, slug: str, include: list[str], **args: Any) -> Any:
        """One published article, sections in order, in the best published translation along the locale
        chain (see Content-Language). Sections refer to their entries; `include=entries` adds each whole
        entry once under `included.entries` (each along the same chain). `fields`, `fields[entries]`
        and `body_format` trim the answer."""
        article = articles.get_live(slug, chain=chain(args), include=include, **args)
        return with_last_modified(served(article), include)
