"""Reading published articles, with their sections in order and the entries they reference."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kb.errors import NotFoundError
from kb.extensions import db
from kb.models import LiveArticle
from kb.services.entries import live_by_slug
from kb.services.pages import Page, order_by, paginate

ARTICLE_SORTS = {
    "slug": LiveArticle.slug,
    "title": LiveArticle.title,
    "updated_at": LiveArticle.updated_at,
    "published_at": LiveArticle.published_at,
}
REF_FIELDS = ("slug", "kind", "title", "summary")


def list_live(*, page: int, per_page: int, sort: str, locale: str | None = None) -> Page:
    query = sa.select(LiveArticle)
    if locale:
        query = query.where(LiveArticle.locale == locale)
    return paginate(query.order_by(*order_by(ARTICLE_SORTS, sort)), page=page, per_page=per_page)


def get_live(slug: str, *, include: list[str] | None = None) -> dict[str, Any]:
    """The published article ``slug`` with each section's published entries embedded."""
    article = db.session.scalar(sa.select(LiveArticle).where(LiveArticle.slug == slug))
    if article is None:
        raise NotFoundError(f"No published article with slug {slug!r}.")
    full = bool(include and "entries" in include)
    wanted = [ref for section in article.sections for ref in section["entries"]]
    found = {entry.slug: entry for entry in live_by_slug(list(dict.fromkeys(wanted)))}
    sections = [
        {**section, "entries": [_entry_view(found[ref], full) for ref in section["entries"] if ref in found]}
        for section in article.sections
    ]
    return {**{name: getattr(article, name) for name in ARTICLE_FIELDS}, "sections": sections}


ARTICLE_FIELDS = (
    "id",
    "slug",
    "title",
    "summary",
    "locale",
    "tags",
    "sources",
    "status",
    "version",
    "created_at",
    "updated_at",
    "published_at",
)


def _entry_view(entry: Any, full: bool) -> Any:
    return entry if full else {name: getattr(entry, name) for name in REF_FIELDS}
