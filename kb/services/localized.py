"""Published content in a locale: for each item, the best published translation along a chain.

An item is served whole in one language: the source's live copy when the source's locale comes first
in the chain, else a live translation's text laid over the source's published structure. Nothing that is
not published (in that locale) ever shows through. Each served item says its ``locale`` and lists its
published ``translations: [{locale, version, stale}]``. An entry's ``related`` and
``details.prevention`` name only entries served along the same chain (a draft's slug, or one an app
could not read in its languages, is never shown).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from kb.extensions import db
from kb.models import Change, LiveArticle, LiveEntry, LiveTranslation
from kb.services import translation_text as tt
from kb.services.anchors import with_anchors

Chain = Sequence[str]
Drafts = Mapping[str, Any]  # locale -> a translation shaped like a LiveTranslation
ENTRY_ATTRS = (
    "id", "slug", "kind", "title", "summary", "body", "body_html", "tags", "locale", "related", "procedures",
    "details",
    "sources", "last_reviewed", "next_review_due", "reviewed_by", "status", "version", "created_at",
    "updated_at", "published_at",
)  # fmt: skip
ARTICLE_ATTRS = (
    "id", "slug", "title", "summary", "locale", "tags", "procedures", "sources", "sections", "status",
    "version", "created_at", "updated_at", "published_at",
)  # fmt: skip


def _model(object_type: str) -> Any:
    return LiveArticle if object_type == "article" else LiveEntry


def _key(model: Any) -> Any:
    return model.article_id if model is LiveArticle else model.entry_id


def _has(object_type: str, locale: str) -> Any:
    """SQL: the live item has a live translation in ``locale``."""
    model = _model(object_type)
    return (
        sa.select(LiveTranslation.translation_id)
        .where(
            LiveTranslation.object_type == object_type,
            LiveTranslation.object_id == _key(model),
            LiveTranslation.locale == locale,
        )
        .exists()
    )


def served_locale(object_type: str, chain: Chain) -> Any:
    """SQL: the locale an item is served in along ``chain`` (NULL when none of it is published)."""
    model = _model(object_type)
    whens = [(sa.or_(model.locale == tag, _has(object_type, tag)), sa.literal(tag)) for tag in chain]
    return sa.case(*whens, else_=sa.null())


def served(object_type: str, chain: Chain, column: str) -> Any:
    """SQL: ``column`` (title, updated_at, published_at) of the translation served along ``chain``."""
    model = _model(object_type)
    whens = []
    for tag in chain:
        other = (
            sa.select(getattr(LiveTranslation, column))
            .where(
                LiveTranslation.object_type == object_type,
                LiveTranslation.object_id == _key(model),
                LiveTranslation.locale == tag,
            )
            .scalar_subquery()
        )
        whens += [(model.locale == tag, getattr(model, column)), (_has(object_type, tag), other)]
    return sa.case(*whens, else_=getattr(model, column))


def _live_translations(object_type: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, LiveTranslation]]:
    found: dict[uuid.UUID, dict[str, LiveTranslation]] = {}
    if ids:
        query = sa.select(LiveTranslation).where(
            LiveTranslation.object_type == object_type, LiveTranslation.object_id.in_(ids)
        )
        for tr in db.session.scalars(query):
            found.setdefault(tr.object_id, {})[tr.locale] = tr
    return found


def _listing(live: Any, others: dict[str, LiveTranslation]) -> list[dict[str, Any]]:
    """The published translations of an item, source first, then by locale."""
    rows = [{"locale": live.locale, "version": live.version, "stale": False}]
    for tag in sorted(others):
        tr = others[tag]
        rows.append({"locale": tag, "version": tr.version, "stale": tr.source_version < live.version})
    return rows


def pick(live: Any, others: dict[str, LiveTranslation], chain: Chain) -> LiveTranslation | bool | None:
    """What to serve: ``None`` for the source, a translation, or ``False`` when nothing along ``chain``."""
    for tag in chain:
        if tag == live.locale:
            return None
        if tag in others:
            return others[tag]
    return False


def entries(lives: list[LiveEntry], chain: Chain, drafts: Drafts | None = None) -> list[dict[str, Any]]:
    """``lives`` served along ``chain``, in order; items with nothing published along it are left out.
    References to entries not served along ``chain`` are left out of ``related`` and ``prevention``.
    ``drafts`` (a preview's) are shown instead of the published translations in their locales."""
    others = _live_translations("entry", [e.entry_id for e in lives])
    shown = served_slugs({slug for live in lives for slug in references(live)}, chain)
    views = []
    for live in lives:
        mine = {**others.get(live.entry_id, {}), **(drafts or {})}
        choice = pick(live, mine, chain)
        if choice is False:
            continue
        view = {name: getattr(live, name) for name in ENTRY_ATTRS}
        if choice is not None:
            view |= _entry_text(live, choice)
        view["related"] = [slug for slug in live.related if slug in shown]
        if "prevention" in view["details"]:
            prevention = [slug for slug in view["details"]["prevention"] if slug in shown]
            view["details"] = {**view["details"], "prevention": prevention}
        view["translations"] = _listing(live, mine)
        views.append(view)
    return views


def references(live: LiveEntry) -> list[str]:
    """The slugs of other entries a live entry names (related, then prevention)."""
    return [*live.related, *live.details.get("prevention", [])]


def served_slugs(slugs: set[str], chain: Chain) -> set[str]:
    """The slugs among ``slugs`` of entries served along ``chain``."""
    if not slugs:
        return set()
    query = sa.select(LiveEntry.slug).where(
        LiveEntry.slug.in_(slugs), served_locale("entry", chain).is_not(None)
    )
    return set(db.session.scalars(query))


def last_modified(object_type: str, view: dict[str, Any], names: Iterable[str]) -> datetime:
    """When a served item's representation last changed: its publish in the served locale, or a later
    publish or unpublish of the item in any locale (which changes what a chain falls back to), or of an
    entry it names (which adds or drops that reference), from the changes feed that records them all."""
    own = sa.and_(
        Change.slug == view["slug"],
        Change.kind == "article" if object_type == "article" else Change.kind != "article",
    )
    conditions = [own]
    if names := set(names):
        conditions.append(sa.and_(Change.slug.in_(names), Change.kind != "article"))
    changed = db.session.scalar(sa.select(sa.func.max(Change.at)).where(sa.or_(*conditions)))
    published: datetime = view["published_at"]
    return max(published, changed) if changed is not None else published


def _entry_text(live: LiveEntry, tr: LiveTranslation) -> dict[str, Any]:
    spec = tt.entry_spec(live.kind)
    text = tr.text
    return {
        "title": text["title"],
        "summary": text["summary"],
        "body": text["body"],
        "body_html": text.get("body_html", ""),
        "details": tt.overlay(spec["details"], live.details, text["details"]),
        "locale": tr.locale,
        "last_reviewed": tr.last_reviewed,
        "next_review_due": tr.next_review_due,
        "reviewed_by": tr.reviewed_by,
        "version": tr.version,
        "created_at": tr.created_at,
        "updated_at": tr.updated_at,
        "published_at": tr.published_at,
    }


def entries_by_slug(slugs: list[str], chain: Chain) -> list[dict[str, Any]]:
    """The published entries among ``slugs`` served along ``chain``, in the order given."""
    if not slugs:
        return []
    found = {e.slug: e for e in db.session.scalars(sa.select(LiveEntry).where(LiveEntry.slug.in_(slugs)))}
    return entries([found[slug] for slug in dict.fromkeys(slugs) if slug in found], chain)


def articles(lives: list[LiveArticle], chain: Chain, drafts: Drafts | None = None) -> list[dict[str, Any]]:
    """``lives`` served along ``chain`` (sections as published, in the served language, each with its
    ``anchor``: kb.services.anchors); ``drafts`` as for :func:`entries`."""
    others = _live_translations("article", [a.article_id for a in lives])
    views = []
    for live in lives:
        mine = {**others.get(live.article_id, {}), **(drafts or {})}
        choice = pick(live, mine, chain)
        if choice is False:
            continue
        view = {name: getattr(live, name) for name in ARTICLE_ATTRS}
        if choice is not None:
            sections = [
                {**section, "heading": text["heading"], "body": text["body"], "body_html": text["body_html"]}
                for section, text in zip(live.sections, choice.text["sections"], strict=True)
            ]
            view |= {
                "title": choice.text["title"],
                "summary": choice.text["summary"],
                "sections": sections,
                "locale": choice.locale,
                "version": choice.version,
                "created_at": choice.created_at,
                "updated_at": choice.updated_at,
                "published_at": choice.published_at,
            }
        view["sections"] = with_anchors(view["sections"])
        view["translations"] = _listing(live, mine)
        views.append(view)
    return views
