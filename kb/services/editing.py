"""What editors do to entries and articles: drafts, publishing, revisions, with no lost edits.

Every write checks the caller's ``If-Match`` against the object's current ETag (428 without one, 412
when stale), validates the whole resulting draft, records a revision and an audit event, and commits
once. The version column makes the UPDATE conditional, so of concurrent writers exactly one wins.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from werkzeug.datastructures import ETags

from kb.errors import (
    ConflictError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
    ValidationFailed,
)
from kb.extensions import db
from kb.models import Entry, Revision
from kb.models.types import utcnow
from kb.services import audit, indexing, publishing
from kb.services.pages import Page, order_by, paginate
from kb.services.resources import ARTICLE, ENTRY, Resource


def etag(obj: Any) -> str:
    """Changes whenever the draft, its status or its live version changes."""
    key = f"{obj.id}:{obj.version}:{obj.status}:{obj.live_version}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


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
    if db.session.scalar(sa.select(res.model.id).where(res.model.slug == data["slug"])) is not None:
        raise ConflictError(
            f"An {res.name} with slug {data['slug']!r} already exists.", errors={"slug": ["Already used."]}
        )
    check_references(res, data)
    obj = publishing.save_draft(res, None, data, author=author, message=message)
    audit.record(f"{res.name}.create", object_type=res.name, object_key=obj.slug, status=201)
    commit_write()
    return obj


def update(
    res: Resource,
    slug: str,
    changes: dict[str, Any],
    *,
    if_match: ETags,
    author: str,
    message: str | None,
    partial: bool,
) -> Any:
    """PATCH (``partial``: only the given fields change) or PUT (the body is the whole draft)."""
    obj = get(res, slug)
    check_if_match(obj, if_match)
    if changes.get("slug", obj.slug) != obj.slug:
        raise ValidationFailed(
            "The slug of an existing object cannot change.", errors={"slug": ["Read-only once created."]}
        )
    current = res.content(obj) if partial else {}
    data = validate(res, {**current, **changes, "slug": obj.slug})
    check_references(res, data)
    publishing.save_draft(res, obj, data, author=author, message=message)
    audit.record(
        f"{res.name}.update", object_type=res.name, object_key=slug, status=200, fields=sorted(changes)
    )
    commit_write()
    return obj


def publish(res: Resource, slug: str, *, if_match: ETags) -> Any:
    obj = get(res, slug)
    check_if_match(obj, if_match)
    publishing.publish(res, obj)
    audit.record(
        f"{res.name}.publish", object_type=res.name, object_key=slug, status=200, version=obj.version
    )
    commit_write(index=res.indexed)
    return obj


def unpublish(res: Resource, slug: str, *, if_match: ETags, archive: bool = False) -> Any:
    obj = get(res, slug)
    check_if_match(obj, if_match, required=False)
    publishing.unpublish(res, obj, status="archived" if archive else "draft")
    action = "archive" if archive else "unpublish"
    audit.record(f"{res.name}.{action}", object_type=res.name, object_key=slug, status=200)
    commit_write(index=res.indexed)
    return obj


def delete(res: Resource, slug: str, *, if_match: ETags) -> None:
    obj = get(res, slug)
    check_if_match(obj, if_match)
    if res is ENTRY and (referrers := referring_to(slug)):
        raise ConflictError(
            f"Other content refers to {slug!r}; remove those references first.",
            errors={"referenced_by": referrers},
        )
    publishing.delete(res, obj)
    audit.record(f"{res.name}.delete", object_type=res.name, object_key=slug, status=204)
    commit_write(index=res.indexed)


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


def restore(res: Resource, slug: str, number: int, *, if_match: ETags, author: str) -> Any:
    """Make a new draft revision from revision ``number`` (the live copy is untouched)."""
    old = revision(res, slug, number)
    obj = get(res, slug)
    check_if_match(obj, if_match)
    data = validate(res, {**old.snapshot, "slug": obj.slug})
    check_references(res, data)
    publishing.save_draft(res, obj, data, author=author, message=f"restored revision {number}")
    audit.record(f"{res.name}.restore", object_type=res.name, object_key=slug, status=200, revision=number)
    commit_write()
    return obj


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


def check_if_match(obj: Any, if_match: ETags, *, required: bool = True) -> None:
    if not if_match:
        if required:
            raise PreconditionRequiredError(
                "This request must be conditional: send If-Match with the ETag of your last read."
            )
        return
    if not (if_match.star_tag or if_match.contains(etag(obj))):
        raise PreconditionFailedError(
            "The object changed since you read it (ETag mismatch): read it again and reapply your edit."
        )


def validate(res: Resource, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a whole draft (e.g. ``details`` against the resulting ``kind``)."""
    schema = res.input_schema()
    try:
        return schema.load(schema.dump(data))
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
    if errors:
        raise ValidationFailed("The draft refers to entries that do not exist.", errors=errors)


def commit_write(*, index: bool = False) -> None:
    """Commit the request's change (a lost optimistic-lock race surfaces as 412, see kb.errors)."""
    db.session.commit()
    if index:
        indexing.apply_pending()
