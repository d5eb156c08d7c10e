"""What editors do to entries and articles: drafts, publishing, revisions, with no lost edits.

Every write of an existing object checks the caller's If-Match (kb.services.preconditions), validates
the whole resulting draft and records a revision, in one unit of work (kb.services.unit_of_work) that
commits it with its audit event.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from kb.errors import ConflictError, NotFoundError, ValidationFailed
from kb.extensions import db
from kb.models import Entry, Revision
from kb.models.types import utcnow
from kb.services import procedures, publishing, translation_sync
from kb.services.pages import Page, order_by, paginate
from kb.services.preconditions import IfMatch
from kb.services.resources import ARTICLE, ENTRY, Resource
from kb.services.unit_of_work import unit_of_work


def get(res: Resource, slug: str) -> Any:
    obj = db.session.scalar(sa.select(res.model).where(res.model.slug == slug))
    if obj is None:
        raise NotFoundError(f"No {res.name} with slug {slug!r}.")
    return obj


def list_drafts(
    res: Resource,
    *,
    page: int,
    per_page: int,
    sort: str,
    status: str | None = None,
    kind: str | None = None,
    tag: str | None = None,
    q: str | None = None,
) -> Page:
    model = res.model
    stmt = sa.select(model)
    if status:
        stmt = stmt.where(model.status == status)
    if kind and hasattr(model, "kind"):
        stmt = stmt.where(model.kind == kind)
    if tag:  # tags are slug-shaped, so the quoted tag cannot be confused with anything else in the JSON
        stmt = stmt.where(sa.cast(model.tags, sa.Text).like(f'%"{tag}"%'))
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(model.title).like(pattern), model.slug.like(pattern)))
    sorts = {"slug": model.slug, "title": model.title, "updated_at": model.updated_at, "status": model.status}
    return paginate(stmt.order_by(*order_by(sorts, sort)), page=page, per_page=per_page)


def create(res: Resource, data: dict[str, Any], *, author: str, message: str | None) -> Any:
    with _write(res, "create", data["slug"], 201):
        if db.session.scalar(sa.select(res.model.id).where(res.model.slug == data["slug"])) is not None:
            raise ConflictError(
                f"An {res.name} with slug {data['slug']!r} already exists.",
                errors={"slug": ["Already used."]},
            )
        check_references(res, data)
        translation_sync.check_source_locale(res, None, data["locale"])
        obj = publishing.save_draft(res, None, data, author=author, message=message)
    return obj


def update(
    res: Resource,
    slug: str,
    changes: dict[str, Any],
    *,
    if_match: IfMatch,
    author: str,
    message: str | None,
    partial: bool,
) -> Any:
    """PATCH (``partial``: only the given fields change) or PUT (the body is the whole draft)."""
    with _write(res, "update", slug, 200, fields=sorted(changes)):
        obj = get(res, slug)
        if_match.check(obj)
        if changes.get("slug", obj.slug) != obj.slug:
            raise ValidationFailed(
                "The slug of an existing object cannot change.", errors={"slug": ["Read-only once created."]}
            )
        current = res.content(obj) if partial else {}
        data = validate(res, {**current, **changes, "slug": obj.slug})
        check_references(res, data)
        translation_sync.check_source_locale(res, obj, data["locale"])
        publishing.save_draft(res, obj, data, author=author, message=message)
    return obj


def publish(res: Resource, slug: str, *, if_match: IfMatch) -> Any:
    with _write(res, "publish", slug, 200) as work:
        obj = publishing.lock(get(res, slug))  # If-Match is checked on the locked, current row
        if_match.check(obj)
        publishing.publish(res, obj)
        work.detail["version"] = obj.version
    return obj


def unpublish(res: Resource, slug: str, *, if_match: IfMatch, archive: bool = False) -> Any:
    with _write(res, "archive" if archive else "unpublish", slug, 200):
        obj = publishing.lock(get(res, slug))  # If-Match is checked on the locked, current row
        if_match.check(obj)
        publishing.unpublish(res, obj, status="archived" if archive else "draft")
    return obj


def delete(res: Resource, slug: str, *, if_match: IfMatch) -> None:
    with _write(res, "delete", slug, 204):
        obj = publishing.lock(get(res, slug))  # If-Match is checked on the locked, current row
        if_match.check(obj)
        if res is ENTRY and (referrers := referring_to(slug)):
            raise ConflictError(
                f"Other content refers to {slug!r}; remove those references first.",
                errors={"referenced_by": referrers},
            )
        publishing.delete(res, obj)


def revisions(res: Resource, slug: str, *, page: int, per_page: int) -> Page:
    obj = get(res, slug)
    stmt = sa.select(Revision).where(Revision.object_type == res.name, Revision.object_id == obj.id)
    return paginate(stmt.order_by(Revision.number.desc()), page=page, per_page=per_page)


def revision(res: Resource, slug: str, number: int) -> Revision:
    obj = get(res, slug)
    found = db.session.scalar(
        sa.select(Revision).where(
            Revision.object_type == res.name, Revision.object_id == obj.id, Revision.number == number
        )
    )
    if found is None:
        raise NotFoundError(f"{res.name.capitalize()} {slug!r} has no revision {number}.")
    return found


def restore(res: Resource, slug: str, number: int, *, if_match: IfMatch, author: str) -> Any:
    """Make a new draft revision from revision ``number`` (the live copy is untouched)."""
    with _write(res, "restore", slug, 200, revision=number):
        old = revision(res, slug, number)
        obj = get(res, slug)
        if_match.check(obj)
        data = validate(res, {**_with_current(old.snapshot, obj), "slug": obj.slug}, serialized=True)
        check_references(res, data)
        translation_sync.check_source_locale(res, obj, data["locale"])
        publishing.save_draft(res, obj, data, author=author, message=f"restored revision {number}")
    return obj


def _with_current(snapshot: dict[str, Any], obj: Any) -> dict[str, Any]:
    """``snapshot`` with the draft's current ``procedures`` when it has none: a revision saved before
    procedures existed (its snapshot lacks the key) says nothing about them, so restoring it keeps them."""
    if "procedures" in snapshot:
        return snapshot
    return {**snapshot, "procedures": list(obj.procedures)}


def review_due(*, days: int, page: int, per_page: int) -> Page:
    """Entries whose next review date has passed or falls within ``days`` days."""
    limit = utcnow().date() + timedelta(days=days)  # the same UTC calendar as every timestamp
    stmt = sa.select(Entry).where(Entry.next_review_due.is_not(None), Entry.next_review_due <= limit)
    return paginate(stmt.order_by(Entry.next_review_due, Entry.slug), page=page, per_page=per_page)


def referring_to(slug: str) -> list[str]:
    """``type:slug`` of every entry or article (draft or live copy) that refers to entry ``slug``."""
    quoted = f'%"{slug}"%'  # slugs are url-safe: this finds every JSON list holding it (and a few more)
    found = set()
    for res in (ENTRY, ARTICLE):
        for model in (res.model, res.live_model):
            columns = [model.sections] if res is ARTICLE else [model.related, model.details]
            query = sa.select(model).where(sa.or_(*(sa.cast(c, sa.Text).like(quoted) for c in columns)))
            for obj in db.session.scalars(query):
                refs = res.references(res.content(obj))
                if obj.slug != slug and any(slug in slugs for slugs in refs.values()):
                    found.add(f"{res.name}:{obj.slug}")
    return sorted(found)


def validate(res: Resource, data: dict[str, Any], *, serialized: bool = False) -> dict[str, Any]:
    """Validate a whole draft (e.g. ``details`` against the resulting ``kind``); ``serialized``: ``data``
    is JSON as a revision's snapshot holds it, not loaded values (dates as strings)."""
    schema = res.input_schema()
    try:
        return schema.load(data if serialized else schema.dump(data))
    except ma.ValidationError as exc:
        raise ValidationFailed("The resulting draft is invalid.", errors=exc.messages) from exc


def check_references(res: Resource, data: dict[str, Any]) -> None:
    """Slugs the draft points at (related, prevention, section entries) must name existing entries."""
    refs = res.references(data)
    wanted = {slug for slugs in refs.values() for slug in slugs}
    known = set(db.session.scalars(sa.select(Entry.slug).where(Entry.slug.in_(wanted)))) if wanted else set()
    errors = {
        name: [f"Unknown entry: {slug}" for slug in sorted(set(slugs) - known)]
        for name, slugs in refs.items()
        if set(slugs) - known
    }
    if unknown := procedures.unknown(data["procedures"]):
        errors["procedures"] = [f"Unknown procedure: {slug}" for slug in unknown]
    if errors:
        raise ValidationFailed("The draft refers to entries that do not exist.", errors=errors)


def _write(res: Resource, verb: str, slug: str, status: int, **detail: Any) -> Any:
    """The unit of work of an editor's write, audited as ``<type>.<verb>`` on the object."""
    return unit_of_work(f"{res.name}.{verb}", object_type=res.name, object_key=slug, status=status, **detail)
