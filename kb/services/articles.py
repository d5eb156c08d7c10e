"""Reading published articles, with their sections in order and the entries they reference."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kb.errors import NotFoundError
from kb.extensions import db
from kb.models import LiveArticle, LiveArticleProcedure
from kb.schemas.common import sparse
from kb.services import localized
from kb.services.localized import Chain
from kb.services.pages import Page, order_by, paginate
from kb.services.rendering import in_format

REF_FIELDS = ("slug", "kind", "title", "summary", "locale")
# What a sparse article or included entry keeps whatever ``fields`` names: what it is and the language
# served (for an article, Content-Language and Last-Modified come from them too), and its embeds.
ALWAYS = ("slug", "locale")
KEPT = (*ALWAYS, "last_modified", "included")


def list_live(
    *,
    page: int,
    per_page: int,
    sort: str,
    chain: Chain,
    procedure: str | None = None,
    fields: list[str] | None = None,
) -> Page:
    """Published articles served along ``chain``; ``fields`` of each (the envelope cuts them)."""
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
    result.fields = fields or []
    return result


def get_live(
    slug: str,
    *,
    chain: Chain,
    include: list[str] | None = None,
    fields: list[str] | None = None,
    entry_fields: list[str] | None = None,
    body_format: str = "both",
) -> dict[str, Any]:
    """The published article ``slug`` along ``chain``, as :func:`embed` shapes it (each entry in its
    own best translation along the same chain, as the public reads it: see kb.services.localized)."""
    article = db.session.scalar(sa.select(LiveArticle).where(LiveArticle.slug == slug))
    views = localized.articles([article], chain) if article is not None else []
    if not views:
        raise NotFoundError(f"No published article with slug {slug!r} in {', '.join(chain)}.")
    shape = {"fields": fields, "entry_fields": entry_fields, "body_format": body_format}
    return embed(views[0], chain=chain, include=include, **shape)


def embed(
    view: dict[str, Any],
    *,
    chain: Chain,
    include: list[str] | None = None,
    fields: list[str] | None = None,
    entry_fields: list[str] | None = None,
    body_format: str = "both",
) -> dict[str, Any]:
    """An article as the public reads it (its live copy served along ``chain``, or a draft version
    rendered like one: kb.previews): each section refers to the published entries it names (slug,
    kind, title, summary, locale); with ``include=entries``, ``included.entries`` holds each of them
    whole, once, in the order of its first reference (``entry_fields`` of them, and :data:`ALWAYS`).
    Sections and included entries carry the body ``body_format`` asks for; ``fields`` cuts the article
    to those fields (and :data:`KEPT`)."""
    wanted = [ref for section in view["sections"] for ref in section["entries"]]
    found = {entry["slug"]: entry for entry in localized.entries_by_slug(wanted, chain)}
    view["sections"] = [
        in_format(
            {**section, "entries": [_ref(found[ref]) for ref in section["entries"] if ref in found]},
            body_format,
        )
        for section in view["sections"]
    ]
    if include and "entries" in include:
        first_seen = dict.fromkeys(ref for ref in wanted if ref in found)
        view["included"] = {
            "entries": [
                in_format(sparse(found[ref], entry_fields, keep=ALWAYS), body_format) for ref in first_seen
            ]
        }
    view["last_modified"] = localized.last_modified("article", view, wanted)  # the entries' publishing too
    return sparse(view, fields, keep=KEPT)


def _ref(entry: dict[str, Any]) -> dict[str, Any]:
    return {name: entry[name] for name in REF_FIELDS}
