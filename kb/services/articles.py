"""Reading published articles, with their sections in order and the entries they reference."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kb.errors import NotFoundError
from kb.extensions import db
from kb.models import LiveArticle, LiveArticleProcedure
from kb.services import localized
from kb.services.localized import Chain
from kb.services.pages import Page, order_by, paginate

REF_FIELDS = ("slug", "kind", "title", "summary", "locale")


def list_live(*, page: int, per_page: int, sort: str, chain: Chain, procedure: str | None = None) -> Page:
    """Published articles served along ``chain``."""
    sorts = {
        "slug": LiveArticle.slug,
        "title": localized.served("article", chain, "title"),
        "updated_at": localized.served("article", chain, "updated_at"),
        "published_at": localized.served("article", chain, "published_at"),
    }
    query = sa.select(LiveArticle).where(localized.served_locale("article", chain).is_not(None))
    if procedure:
        attached = sa.select(LiveArticleProcedure.article_id).where(
            LiveArticleProcedure.procedure == procedure
        )
        query = query.where(LiveArticle.article_id.in_(attached))
    result = paginate(query.order_by(*order_by(sorts, sort)), page=page, per_page=per_page)
    result.items = localized.articles(result.items, chain)
    return result


def get_live(slug: str, *, chain: Chain, include: list[str] | None = None) -> dict[str, Any]:
    """The published article ``slug`` along ``chain``, each section's published entries embedded (each
    entry in its own best translation along the same chain, as the public reads it: see
    kb.services.localized)."""
    article = db.session.scalar(sa.select(LiveArticle).where(LiveArticle.slug == slug))
    views = localized.articles([article], chain) if article is not None else []
    if not views:
        raise NotFoundError(f"No published article with slug {slug!r} in {', '.join(chain)}.")
    return embed(views[0], chain=chain, include=include)


def embed(view: dict[str, Any], *, chain: Chain, include: list[str] | None = None) -> dict[str, Any]:
    """An article as the public reads it (its live copy served along ``chain``, or a draft version
    rendered like one: kb.previews), with the published entries its sections reference."""
    full = bool(include and "entries" in include)
    wanted = [ref for section in view["sections"] for ref in section["entries"]]
    found = {entry["slug"]: entry for entry in localized.entries_by_slug(wanted, chain)}
    view["sections"] = [
        {**section, "entries": [_entry_view(found[ref], full) for ref in section["entries"] if ref in found]}
        for section in view["sections"]
    ]
    view["last_modified"] = localized.last_modified("article", view, wanted)  # the entries' publishing too
    return view


def _entry_view(entry: dict[str, Any], full: bool) -> dict[str, Any]:
    return entry if full else {name: entry[name] for name in REF_FIELDS}
