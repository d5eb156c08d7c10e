"""Reading published entries in a locale: the lists, the detail and the tag counts clients see.

Drafts may name entries that are not published yet (``related``, ``details.prevention``), and publishing
copies those names to the live copy. Public reads show only the references to entries served along the
same chain (kb.services.localized), so a draft's slug is never public before it is.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kb.errors import NotFoundError
from kb.extensions import db
from kb.models import LiveEntry, LiveEntryProcedure, LiveEntryTag
from kb.services import localized
from kb.services.localized import Chain
from kb.services.pages import Page, order_by, paginate
from kb.services.rendering import in_format


def _sorts(chain: Chain) -> dict[str, Any]:
    """Sort keys over what is served along ``chain`` (a Spanish list sorts by Spanish titles)."""
    return {
        "slug": LiveEntry.slug,
        "title": localized.served("entry", chain, "title"),
        "updated_at": localized.served("entry", chain, "updated_at"),
        "published_at": localized.served("entry", chain, "published_at"),
    }


def list_live(
    *,
    page: int,
    per_page: int,
    sort: str,
    chain: Chain,
    kind: str | None = None,
    tag: str | None = None,
    procedure: str | None = None,
    fields: list[str] | None = None,
    body_format: str = "both",
) -> Page:
    """Published entries served along ``chain``, with the body ``body_format`` asks for (and ``fields``
    of them: the envelope cuts them); totals count what is served."""
    query = sa.select(LiveEntry).where(localized.served_locale("entry", chain).is_not(None))
    if kind:
        query = query.where(LiveEntry.kind == kind)
    if tag:
        tagged = sa.select(LiveEntryTag.entry_id).where(LiveEntryTag.tag == tag)
        query = query.where(LiveEntry.entry_id.in_(tagged))
    if procedure:
        attached = sa.select(LiveEntryProcedure.entry_id).where(LiveEntryProcedure.procedure == procedure)
        query = query.where(LiveEntry.entry_id.in_(attached))
    result = paginate(query.order_by(*order_by(_sorts(chain), sort)), page=page, per_page=per_page)
    result.items = [in_format(entry, body_format) for entry in localized.entries(result.items, chain)]
    result.fields = fields or []
    return result


def get_live(
    slug: str, *, chain: Chain, include: list[str] | None = None, body_format: str = "both"
) -> dict[str, Any]:
    """The published entry ``slug`` in the best translation along ``chain``, with the body
    ``body_format`` asks for; 404 when there is none."""
    entry = db.session.scalar(sa.select(LiveEntry).where(LiveEntry.slug == slug))
    views = localized.entries([entry], chain) if entry is not None else []
    if not views:
        raise NotFoundError(f"No published entry with slug {slug!r} in {', '.join(chain)}.")
    view = in_format(views[0], body_format)
    view["last_modified"] = localized.last_modified("entry", view, localized.references(entry))
    if include and "related" in include:
        view["related_entries"] = localized.entries_by_slug(view["related"], chain)
    return view


def tag_counts(*, page: int, per_page: int, sort: str, chain: Chain, kind: str | None = None) -> Page:
    """Tags of the entries served along ``chain``, with their counts."""
    count = sa.func.count(LiveEntryTag.entry_id)
    query = (
        sa.select(LiveEntryTag.tag.label("tag"), count.label("count"))
        .join(LiveEntry, LiveEntry.entry_id == LiveEntryTag.entry_id)
        .where(localized.served_locale("entry", chain).is_not(None))
        .group_by(LiveEntryTag.tag)
    )
    if kind:
        query = query.where(LiveEntry.kind == kind)
    sorts = {"tag": LiveEntryTag.tag, "count": count}
    return paginate(query.order_by(*order_by(sorts, sort)), page=page, per_page=per_page, scalars=False)
