"""Drafts and the live copy. Saving a draft never touches what clients see; publishing copies the draft
to the live copy, and every change to live content writes, in the same transaction, a row of the public
changes feed and (for entries) a search outbox row. Callers commit."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from kb.extensions import db
from kb.models import Revision
from kb.models.types import utcnow
from kb.services import changes, indexing, translation_sync
from kb.services.resources import Resource
from kb.webhooks import events as webhook_events


def save_draft(
    res: Resource,
    obj: Any | None,
    data: dict[str, Any],
    *,
    author: str,
    message: str | None = None,
    new_id: uuid.UUID | None = None,
) -> Any:
    """Create the object or change its draft, and record the save as a revision.

    A save that changes nothing keeps the version and writes no revision. ``new_id`` is the id a
    created object gets (imports keep ids); by default a new UUID.
    """
    now = utcnow()
    values = {name: data[name] for name in res.fields}
    if obj is None:
        obj = res.model(
            id=new_id or uuid.uuid4(),
            slug=data["slug"],
            status="draft",
            version=1,
            created_at=now,
            updated_at=now,
            **values,
        )
        db.session.add(obj)
    elif all(getattr(obj, name) == value for name, value in values.items()):
        return obj
    else:
        for name, value in values.items():
            setattr(obj, name, value)
        obj.version += 1
        obj.updated_at = now
        if obj.status == "archived":
            obj.status = "draft"
    # Flush the object first: a concurrent save of the same version fails here (StaleDataError, 412),
    # before its revision could collide with the winner's.
    db.session.flush()
    db.session.add(
        Revision(
            object_type=res.name,
            object_id=obj.id,
            number=obj.version,
            snapshot=snapshot(res, obj),
            author=author,
            message=message,
        )
    )
    db.session.flush()
    return obj


def lock(obj: Any) -> Any:
    """Re-read ``obj`` under a row lock until the transaction ends (PostgreSQL ``FOR UPDATE``), so
    concurrent publishes, unpublishes and deletes of one object run one after the other, each on the
    state the previous one committed: no duplicate live row, no deadlock between the live copy and
    the draft, no stale version. SQLite needs none: a writer holds the database's write lock from its
    first read (BEGIN IMMEDIATE, kb/database.py)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.refresh(obj, with_for_update=True)
    return obj


def snapshot(res: Resource, obj: Any) -> dict[str, Any]:
    """The draft as JSON-safe data, in the shape the input schema accepts."""
    return res.input_schema().dump({"slug": obj.slug, **res.content(obj)})


def is_current(obj: Any) -> bool:
    return obj.live is not None and obj.live.version == obj.version


def publish(res: Resource, obj: Any) -> Any:
    """Make the draft live; nothing happens when the live copy already is this version."""
    if is_current(obj) and obj.status == "published":
        return obj.live
    now = utcnow()
    was = list(obj.live.procedures) if obj.live is not None else []
    live = obj.live or res.live_model(created_at=obj.created_at)
    for name in res.fields:
        setattr(live, name, getattr(obj, name))
    res.render(obj, live)
    live.slug, live.version, live.updated_at, live.published_at = obj.slug, obj.version, obj.updated_at, now
    obj.live = live
    obj.status, obj.published_at = "published", now
    db.session.flush()
    _live_changed(res, obj, "upsert", "published", [*was, *obj.procedures])
    translation_sync.source_published(res, obj)
    return live


def unpublish(res: Resource, obj: Any, *, status: str = "draft", event: str = "unpublished") -> None:
    """Take the object off the public API (keeping its draft); ``status`` is draft or archived;
    ``event`` the webhook event it emits if it was live (unpublished, or deleted)."""
    was_live = obj.live is not None
    was = [*obj.live.procedures, *obj.procedures] if obj.live is not None else []
    translation_sync.source_unpublished(res, obj, event)
    obj.live = None
    obj.status = status
    db.session.flush()
    if was_live:
        _live_changed(res, obj, "remove", event, was)


def delete(res: Resource, obj: Any) -> None:
    """Delete the object, its live copy and its revisions."""
    unpublish(res, obj, event="deleted")
    translation_sync.source_deleted(res, obj)
    db.session.execute(
        sa.delete(Revision).where(Revision.object_type == res.name, Revision.object_id == obj.id)
    )
    db.session.delete(obj)
    db.session.flush()


def _live_changed(res: Resource, obj: Any, change: str, event: str, procedures: list[str]) -> None:
    changes.record(
        obj.slug, res.feed_kind(obj), change, obj.version, locale=obj.locale, procedures=procedures
    )
    if res.indexed:
        indexing.record(obj.id, change)
    webhook_events.emit(res.name, obj.slug, res.feed_kind(obj), obj.locale, obj.version, event)
