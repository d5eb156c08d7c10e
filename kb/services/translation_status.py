"""What editors must do about translations: the state of every supported locale of an item (``missing``
where there is none), the to-do list across entries and articles, and the reviews falling due."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from kb.extensions import db
from kb.models import Translation
from kb.models.types import utcnow
from kb.services import locales
from kb.services import translation_text as tt
from kb.services.pages import Page
from kb.services.resources import ARTICLE, ENTRY, Resource


def is_stale(tr: Any, obj: Any) -> bool:
    """The source moved on since this translation was made from it."""
    return bool(tr.source_version < obj.version)


def status_rows(res: Resource, objs: list[Any], locale: str | None = None) -> list[dict[str, Any]]:
    """For each item and supported locale: its state (``missing`` when there is no translation)."""
    ids = [obj.id for obj in objs]
    found: dict[tuple[uuid.UUID, str], Translation] = {}
    if ids:
        query = sa.select(Translation).where(
            Translation.object_type == res.name, Translation.object_id.in_(ids)
        )
        found = {(tr.object_id, tr.locale): tr for tr in db.session.scalars(query)}
    rows = []
    for obj in objs:
        for tag in locales.supported():
            if locale and tag != locale:
                continue
            if tag == obj.locale:
                rows.append(_row(res, obj, obj, tag, source=True))
            elif (tr := found.get((obj.id, tag))) is not None:
                rows.append(_row(res, obj, tr, tag, source=False))
            else:
                rows.append(
                    {
                        "type": res.name,
                        "slug": obj.slug,
                        "locale": tag,
                        "source_locale": obj.locale,
                        "status": "missing",
                        "version": None,
                        "live_version": None,
                        "source_version": None,
                        "source_current_version": obj.version,
                        "stale": False,
                        "next_review_due": None,
                    }
                )
    return rows


def _row(res: Resource, obj: Any, tr: Any, tag: str, *, source: bool) -> dict[str, Any]:
    return {
        "type": res.name,
        "slug": obj.slug,
        "locale": tag,
        "source_locale": obj.locale,
        "status": tr.status,
        "version": tr.version,
        "live_version": tr.live_version,
        "source_version": obj.version if source else tr.source_version,
        "source_current_version": obj.version,
        "stale": False if source else is_stale(tr, obj),
        "next_review_due": getattr(tr, "next_review_due", None),  # articles have no review dates
    }


def todo(
    *,
    page: int,
    per_page: int,
    status: str | None = None,
    locale: str | None = None,
    type_: str | None = None,
) -> Page:
    """Translations by state across entries and articles (source rows excluded), sorted by type, slug."""
    if locale:
        locale = locales.require(locale)
    rows: list[dict[str, Any]] = []
    for res in (ENTRY, ARTICLE):
        if type_ and res.name != type_:
            continue
        objs = list(db.session.scalars(sa.select(res.model).order_by(res.model.slug)))
        rows += [r for r in status_rows(res, objs, locale) if r["locale"] != r["source_locale"]]
    if status == "stale":
        rows = [r for r in rows if r["stale"]]
    elif status == "review_due":
        today = utcnow().date()
        rows = [r for r in rows if r["next_review_due"] is not None and r["next_review_due"] <= today]
    elif status == "unpublished_changes":
        rows = [r for r in rows if r["version"] is not None and r["live_version"] != r["version"]]
    elif status:
        rows = [r for r in rows if r["status"] == status]
    start = (page - 1) * per_page
    return Page(items=rows[start : start + per_page], page=page, per_page=per_page, total=len(rows))


def review_due(*, days: int, page: int, per_page: int) -> Page:
    """Entries and entry translations whose next review date has passed or falls within ``days`` days,
    soonest first; a translation is listed as the whole entry in its language (its draft)."""
    limit = utcnow().date() + timedelta(days=days)
    sources = list(
        db.session.scalars(
            sa.select(ENTRY.model).where(
                ENTRY.model.next_review_due.is_not(None), ENTRY.model.next_review_due <= limit
            )
        )
    )
    query = sa.select(Translation).where(
        Translation.object_type == "entry",
        Translation.next_review_due.is_not(None),
        Translation.next_review_due <= limit,
    )
    found = list(db.session.scalars(query))
    ids = [tr.object_id for tr in found]
    owners = {o.id: o for o in db.session.scalars(sa.select(ENTRY.model).where(ENTRY.model.id.in_(ids)))}
    rows: list[Any] = [*sources, *(draft_view(owners[tr.object_id], tr) for tr in found)]

    def key(row: Any) -> tuple[Any, str, str]:
        get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
        return (get("next_review_due"), get("slug"), get("locale"))

    rows.sort(key=key)
    start = (page - 1) * per_page
    return Page(items=rows[start : start + per_page], page=page, per_page=per_page, total=len(rows))


def draft_view(obj: Any, tr: Translation) -> dict[str, Any]:
    """The whole entry as its translation's draft reads (the source's draft structure, this text)."""
    spec = tt.entry_spec(obj.kind)
    content = ENTRY.content(obj)
    text = tt.overlay(spec, tt.source_text(spec, content), tr.text)
    details = tt.overlay(spec["details"], content["details"], text["details"])
    return {
        **content,
        "id": obj.id,
        "slug": obj.slug,
        "kind": obj.kind,
        "title": text["title"],
        "summary": text["summary"],
        "body": text["body"],
        "details": details,
        "locale": tr.locale,
        "status": tr.status,
        "version": tr.version,
        "live_version": tr.live_version,
        "has_unpublished_changes": tr.has_unpublished_changes,
        "last_reviewed": tr.last_reviewed,
        "next_review_due": tr.next_review_due,
        "reviewed_by": tr.reviewed_by,
        "created_at": tr.created_at,
        "updated_at": tr.updated_at,
        "published_at": tr.published_at,
    }
