"""What an app holds of an item along a chain: the item as its public detail read shows it (tagged
with its ``type``), or a tombstone when nothing of it is served along the chain any more."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from kb.extensions import db
from kb.models import Change, LiveArticle, LiveEntry
from kb.services import articles, localized
from kb.services.localized import Chain
from kb.sync.affected import Item


def current(items: Iterable[Item], chain: Chain) -> dict[Item, dict[str, Any]]:
    """The items among ``items`` served along ``chain``, as ``GET /api/v1/entries/<slug>`` and
    ``GET /api/v1/articles/<slug>`` show them."""
    wanted = list(items)
    entry_slugs = [slug for type_, slug in wanted if type_ == "entry"]
    article_slugs = [slug for type_, slug in wanted if type_ == "article"]
    views: dict[Item, dict[str, Any]] = {}
    for view in localized.entries_by_slug(entry_slugs, chain):
        views[("entry", view["slug"])] = {"type": "entry", **view}
    if article_slugs:
        lives = list(db.session.scalars(sa.select(LiveArticle).where(LiveArticle.slug.in_(article_slugs))))
        for view in localized.articles(lives, chain):
            views[("article", view["slug"])] = {"type": "article", **articles.embed(view, chain=chain)}
    return views


def tombstones(last_ids: Iterable[int]) -> list[dict[str, Any]]:
    """``{slug, kind, locale, version}`` of the changes ``last_ids`` (each an item's latest)."""
    ids = list(last_ids)
    if not ids:
        return []
    rows = db.session.scalars(sa.select(Change).where(Change.id.in_(ids)).order_by(Change.id))
    return [{"slug": c.slug, "kind": c.kind, "locale": c.locale, "version": c.version} for c in rows]


def served_slugs(type_: str, chain: Chain) -> Any:
    """SQL: the slug column of the live model of ``type_``, and the condition it is served along
    ``chain``."""
    model = LiveArticle if type_ == "article" else LiveEntry
    return model.slug, localized.served_locale(type_, chain).is_not(None)
