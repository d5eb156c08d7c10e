"""Reading published entries: the lists, the detail and the tag counts clients see."""

from __future__ import annotations

import sqlalchemy as sa

from kb.errors import NotFoundError
from kb.extensions import db
from kb.models import LiveEntry, LiveEntryTag
from kb.services.pages import Page, order_by, paginate

ENTRY_SORTS = {
    "slug": LiveEntry.slug,
    "title": LiveEntry.title,
    "updated_at": LiveEntry.updated_at,
    "published_at": LiveEntry.published_at,
}


def list_live(
    *,
    page: int,
    per_page: int,
    sort: str,
    kind: str | None = None,
    tag: str | None = None,
    locale: str | None = None,
    fields: list[str] | None = None,
) -> Page:
    query = sa.select(LiveEntry)
    if kind:
        query = query.where(LiveEntry.kind == kind)
    if locale:
        query = query.where(LiveEntry.locale == locale)
    if tag:
        tagged = sa.select(LiveEntryTag.entry_id).where(LiveEntryTag.tag == tag)
        query = query.where(LiveEntry.entry_id.in_(tagged))
    result = paginate(query.order_by(*order_by(ENTRY_SORTS, sort)), page=page, per_page=per_page)
    result.fields = fields or []
    return result


def get_live(slug: str, *, include: list[str] | None = None) -> LiveEntry:
    """The published entry ``slug``; 404 when it does not exist or is not published."""
    entry = db.session.scalar(sa.select(LiveEntry).where(LiveEntry.slug == slug))
    if entry is None:
        raise NotFoundError(f"No published entry with slug {slug!r}.")
    if include and "related" in include:
        # A transient attribute read by EntrySchema.related_entries; never persisted.
        entry.related_entries = live_by_slug(entry.related)
    return entry


def live_by_slug(slugs: list[str]) -> list[LiveEntry]:
    """The published entries among ``slugs``, in the order given; unpublished ones are left out."""
    if not slugs:
        return []
    found = {e.slug: e for e in db.session.scalars(sa.select(LiveEntry).where(LiveEntry.slug.in_(slugs)))}
    return [found[slug] for slug in slugs if slug in found]


def tag_counts(
    *, page: int, per_page: int, sort: str, kind: str | None = None, locale: str | None = None
) -> Page:
    count = sa.func.count(LiveEntryTag.entry_id)
    query = sa.select(LiveEntryTag.tag.label("tag"), count.label("count")).group_by(LiveEntryTag.tag)
    if kind or locale:
        query = query.join(LiveEntry, LiveEntry.entry_id == LiveEntryTag.entry_id)
        if kind:
            query = query.where(LiveEntry.kind == kind)
        if locale:
            query = query.where(LiveEntry.locale == locale)
    sorts = {"tag": LiveEntryTag.tag, "count": count}
    return paginate(query.order_by(*order_by(sorts, sort)), page=page, per_page=per_page, scalars=False)
