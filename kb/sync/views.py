"""What an app holds of an item along a chain: the item as its public detail read shows it (tagged
with its ``type``; a procedure with its ``rules`` as ``GET /api/v1/procedures/<slug>/rules`` gives
them, to evaluate offline), or a tombstone when nothing of it is served along the chain any more."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from kb.extensions import db
from kb.models import Change, LiveArticle, LiveEntry, Procedure
from kb.services import articles, localized, procedures
from kb.services.guidance import service as guidance
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
    views.update(_procedures([slug for type_, slug in wanted if type_ == "procedure"], chain))
    return views


def _procedures(slugs: list[str], chain: Chain) -> dict[Item, dict[str, Any]]:
    """The procedures among ``slugs`` served along ``chain``, each with its rules."""
    if not slugs:
        return {}
    found: dict[Item, dict[str, Any]] = {}
    for procedure in db.session.scalars(sa.select(Procedure).where(Procedure.slug.in_(slugs))):
        if (view := procedures.view(procedure, chain)) is not None:
            rules = guidance.rules_document(procedure.slug, chain=chain)
            found[("procedure", procedure.slug)] = {"type": "procedure", **view, "rules": rules}
    return found


def applies_to(view: dict[str, Any], procedure: str) -> bool:
    """Whether the item ``view`` belongs in a sync of ``procedure``'s content."""
    if view["type"] == "procedure":
        return bool(view["slug"] == procedure)
    return procedure in view["procedures"]


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
    if type_ == "procedure":  # few, their texts in JSON: which are served is decided here
        served = [p.slug for p in db.session.scalars(sa.select(Procedure)) if procedures.view(p, chain)]
        return Procedure.slug, Procedure.slug.in_(served)
    model = LiveArticle if type_ == "article" else LiveEntry
    return model.slug, localized.served_locale(type_, chain).is_not(None)
