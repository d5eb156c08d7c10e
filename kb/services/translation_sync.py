"""Keeping translations in step with their source: what a source's publish, unpublish or delete does to
the live translations (written in the same transaction; callers commit)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kb.errors import ValidationFailed
from kb.extensions import db
from kb.models import Revision, Translation
from kb.services import changes, indexing, locales
from kb.services import translation_text as tt
from kb.webhooks import events as webhook_events


def check_source_locale(res: Any, obj: Any | None, locale: str) -> None:
    """The source's ``locale`` must be supported, and not one the item already has a translation in."""
    if locales.canonical(locale) != locale:
        names = ", ".join(locales.supported())
        raise ValidationFailed(
            f"Unsupported locale {locale!r}; supported: {names}.",
            errors={"locale": [f"Must be one of: {names}."]},
        )
    if obj is not None and locale != obj.locale and any(tr.locale == locale for tr in of(res, obj)):
        raise ValidationFailed(
            f"{res.name.capitalize()} {obj.slug!r} has a {locale} translation already.",
            errors={
                "locale": ["A translation has this locale: the source and a translation cannot share it."]
            },
        )


def revision_type(res: Any) -> str:
    """The ``object_type`` of a translation's revisions (the identity's revisions use ``res.name``)."""
    return f"{res.name}_tr"


def of(res: Any, obj: Any) -> list[Translation]:
    """Every translation of ``obj``, by locale."""
    query = sa.select(Translation).where(Translation.object_type == res.name, Translation.object_id == obj.id)
    return list(db.session.scalars(query.order_by(Translation.locale)))


def live_changed(res: Any, obj: Any, tr: Translation, change: str, event: str | None = None) -> None:
    """A translation's live copy changed: the feed (in its locale), the search index and the webhooks
    (``event``: published, unpublished or deleted; by default what ``change`` says) follow."""
    changes.record(
        obj.slug, res.feed_kind(obj), change, tr.version, locale=tr.locale, procedures=obj.procedures
    )
    if res.indexed:
        indexing.record(obj.id, "upsert" if obj.live is not None else "remove")
    event = event or ("published" if change == "upsert" else "unpublished")
    webhook_events.emit(res.name, obj.slug, res.feed_kind(obj), tr.locale, tr.version, event)


def withdraw(res: Any, obj: Any, tr: Translation, status: str = "draft", event: str = "unpublished") -> None:
    """Take one translation off the public API, keeping its draft."""
    was_live = tr.live is not None
    tr.live = None
    tr.status = status
    db.session.flush()
    if was_live:
        live_changed(res, obj, tr, "remove", event)


def source_published(res: Any, obj: Any) -> None:
    """After the source's publish: a live translation whose text no longer fits the source's published
    structure (a list changed length) is withdrawn, so no item ever mixes languages."""
    spec = tt.spec_for(res.name, obj.live)
    structure = tt.source_text(spec, res.content(obj.live))
    for tr in of(res, obj):
        if tr.live is not None and not tt.aligned(spec, tr.live.text, structure):
            withdraw(res, obj, tr)


def source_unpublished(res: Any, obj: Any, event: str = "unpublished") -> None:
    """The source left the public API (``event``: unpublished, or deleted); translations are served with
    its structure, so they go too."""
    for tr in of(res, obj):
        if tr.live is not None:
            withdraw(res, obj, tr, event=event)


def source_deleted(res: Any, obj: Any) -> None:
    """Delete every translation of ``obj`` with its revisions."""
    for tr in of(res, obj):
        db.session.execute(
            sa.delete(Revision).where(Revision.object_type == revision_type(res), Revision.object_id == tr.id)
        )
        db.session.delete(tr)
    db.session.flush()
