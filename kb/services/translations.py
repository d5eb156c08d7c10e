"""Editing translations: one locale of an entry or article, with its own draft, live copy, status,
version, revisions and ETag, written and published without touching the other locales.

The entry or article row is the identity and the source translation (``obj.locale``); its existing
editor routes edit the source. A translation here holds only text (kb.services.translation_text), is
checked against the source's structure on every save and against the source's live structure on
publish, and records the source version it translates (``stale`` once the source moved on).
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from kb.errors import ConflictError, NotFoundError, ValidationFailed
from kb.extensions import db
from kb.models import LiveTranslation, Revision, Translation
from kb.models.types import utcnow
from kb.services import editing, locales, translation_status, translation_sync
from kb.services import translation_text as tt
from kb.services.pages import Page, paginate
from kb.services.preconditions import IfMatch
from kb.services.rendering import render_markdown
from kb.services.resources import ENTRY, Resource
from kb.services.unit_of_work import unit_of_work

META_FIELDS = ("last_reviewed", "next_review_due", "reviewed_by", "source_version")
READ_ONLY = ("slug", "locale", "status", "version", "live_version", "has_unpublished_changes", "stale")


revision_type = translation_sync.revision_type


# Reading ---------------------------------------------------------------------------------------------


def source(res: Resource, slug: str) -> Any:
    return editing.get(res, slug)


def _locale_of(res: Resource, obj: Any, locale: str) -> str:
    """``locale`` as supported (400 otherwise); 409 for the source's own locale (edited at its routes)."""
    found = locales.require(locale)
    if found == obj.locale:
        raise ConflictError(
            f"{found} is the source locale of {res.name} {obj.slug!r}: edit it at "
            f"/api/v1/admin/{res.plural}/{obj.slug}.",
            errors={"locale": ["The source translation is edited through the item's own routes."]},
        )
    return found


def find(res: Resource, obj: Any, locale: str) -> Translation | None:
    return db.session.scalar(
        sa.select(Translation).where(
            Translation.object_type == res.name, Translation.object_id == obj.id, Translation.locale == locale
        )
    )


def get(res: Resource, slug: str, locale: str) -> tuple[Any, Translation]:
    obj = source(res, slug)
    tr = find(res, obj, _locale_of(res, obj, locale))
    if tr is None:
        raise NotFoundError(f"{res.name.capitalize()} {slug!r} has no {locale} translation.")
    return obj, tr


def view(res: Resource, obj: Any, tr: Translation) -> SimpleNamespace:
    """A translation's draft as editors read it (``id``, ``version``, ``status`` and ``live_version``
    are the translation's: its version ETag, kb.services.preconditions.etag)."""
    return SimpleNamespace(
        id=tr.id,
        type=res.name,
        slug=obj.slug,
        locale=tr.locale,
        source_locale=obj.locale,
        status=tr.status,
        version=tr.version,
        live_version=tr.live_version,
        has_unpublished_changes=tr.has_unpublished_changes,
        source_version=tr.source_version,
        source_current_version=obj.version,
        stale=translation_status.is_stale(tr, obj),
        **tr.text,
        **{name: getattr(tr, name) for name in META_FIELDS if name != "source_version"},
        created_at=tr.created_at,
        updated_at=tr.updated_at,
        published_at=tr.published_at,
    )


def read(res: Resource, slug: str, locale: str) -> SimpleNamespace:
    """One translation's draft and state, as editors read it."""
    return view(res, *get(res, slug, locale))


def overview(res: Resource, slug: str) -> list[dict[str, Any]]:
    """Every locale of an item: the source, each translation, and the supported locales still missing."""
    return translation_status.status_rows(res, [source(res, slug)])


# Writing ---------------------------------------------------------------------------------------------


def _checked(res: Resource, obj: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Split a body into text and metadata, refusing structure, read-only and unknown fields (422)."""
    spec = tt.spec_for(res.name, obj)
    errors: dict[str, list[str]] = {}
    structure = res.content(obj)
    for key in data.keys() - spec.keys() - set(META_FIELDS):
        if key in READ_ONLY:
            errors[key] = ["Read-only field; the server sets it."]
        elif key in structure or key in ("kind", "slug"):
            errors[key] = [tt.SHARED.format(source=obj.locale)]
        else:
            errors[key] = ["Unknown field."]
    text = {key: data[key] for key in spec if key in data}
    errors |= tt.check(spec, text, tt.source_text(spec, structure), "", obj.locale)
    version = data.get("source_version")
    if version is not None and not (isinstance(version, int) and 1 <= version <= obj.version):
        errors["source_version"] = [f"Must be a version of the source, 1 to {obj.version}."]
    if errors:
        raise ValidationFailed("The translation is invalid.", errors=dict(sorted(errors.items())))
    return {"text": text, **{name: data[name] for name in META_FIELDS if name in data}}


def save(
    res: Resource,
    obj: Any,
    tr: Translation | None,
    values: dict[str, Any],
    locale: str,
    *,
    author: str,
    message: str | None,
    new_id: uuid.UUID | None = None,
) -> Translation:
    """Create or change the draft and record a revision (a save that changes nothing records none)."""
    now = utcnow()
    values = {"source_version": obj.version, **values} if tr is None else values
    title = values["text"]["title"] if "text" in values else None
    if tr is None:
        meta = {"last_reviewed": None, "next_review_due": None, "reviewed_by": None}
        tr = Translation(
            id=new_id or uuid.uuid4(),
            object_type=res.name,
            object_id=obj.id,
            slug=obj.slug,
            locale=locale,
            status="draft",
            version=1,
            created_at=now,
            updated_at=now,
            title=title,
            **(meta | values),
        )
        db.session.add(tr)
    elif all(getattr(tr, name) == value for name, value in values.items()):
        return tr
    else:
        for name, value in values.items():
            setattr(tr, name, value)
        tr.title = tr.text["title"]
        tr.version += 1
        tr.updated_at = now
        if tr.status == "archived":
            tr.status = "draft"
    db.session.flush()
    db.session.add(
        Revision(
            object_type=revision_type(res),
            object_id=tr.id,
            number=tr.version,
            snapshot=snapshot(tr),
            author=author,
            message=message,
        )
    )
    db.session.flush()
    return tr


def snapshot(tr: Any) -> dict[str, Any]:
    """A translation's draft (or live copy) as JSON-safe data, in the shape a write accepts."""
    text = dict(tr.text)
    if "sections" in text:
        text["sections"] = [{"heading": s["heading"], "body": s["body"]} for s in text["sections"]]
    text.pop("body_html", None)
    return {
        **text,
        "source_version": tr.source_version,
        "last_reviewed": tr.last_reviewed.isoformat() if tr.last_reviewed else None,
        "next_review_due": tr.next_review_due.isoformat() if tr.next_review_due else None,
        "reviewed_by": tr.reviewed_by,
    }


def _write(res: Resource, verb: str, slug: str, locale: str, status: int, **detail: Any) -> Any:
    """The unit of work of a translation write, audited as ``<type>.translation.<verb>``."""
    return unit_of_work(
        f"{res.name}.translation.{verb}",
        object_type=res.name,
        object_key=f"{slug}:{locale}",
        status=status,
        **detail,
    )


def put(
    res: Resource,
    slug: str,
    locale: str,
    data: dict[str, Any],
    *,
    if_match: IfMatch,
    author: str,
    message: str | None,
) -> tuple[SimpleNamespace, bool]:
    """Create the translation (no If-Match needed) or replace its whole draft (If-Match required)."""
    with _write(res, "create", slug, locale, 201) as work:
        obj = source(res, slug)
        locale = _locale_of(res, obj, locale)
        work.object_key = f"{slug}:{locale}"
        tr = find(res, obj, locale)
        values = _checked(res, obj, data)
        if tr is not None:
            dataclasses.replace(if_match, required=True).check(tr)
            work.action, work.status = f"{res.name}.translation.update", 200
            values = {"last_reviewed": None, "next_review_due": None, "reviewed_by": None, **values}
        created = tr is None
        tr = save(res, obj, tr, values, locale, author=author, message=message)
    return view(res, obj, tr), created


def patch(
    res: Resource,
    slug: str,
    locale: str,
    changes_: dict[str, Any],
    *,
    if_match: IfMatch,
    author: str,
    message: str | None,
) -> SimpleNamespace:
    """Change some fields of the draft (objects merge, lists replace); If-Match required."""
    with _write(res, "update", slug, locale, 200, fields=sorted(changes_)):
        obj, tr = get(res, slug, locale)
        if_match.check(tr)
        current = {**tr.text, **{name: getattr(tr, name) for name in META_FIELDS}}
        values = _checked(res, obj, tt.merge_patch(current, changes_))
        save(res, obj, tr, values, tr.locale, author=author, message=message)
    return view(res, obj, tr)


def publish(res: Resource, slug: str, locale: str, *, if_match: IfMatch) -> SimpleNamespace:
    """Make the draft live in its locale only; the source must be live, with the structure it fits."""
    with _write(res, "publish", slug, locale, 200) as work:
        obj, tr = get(res, slug, locale)
        if_match.check(tr)
        publish_draft(res, obj, tr)
        work.detail["version"] = tr.version
    return view(res, obj, tr)


def publish_draft(res: Resource, obj: Any, tr: Translation) -> None:
    """Make ``tr``'s draft live (in the caller's unit of work); 409 unless the source is live with the
    structure the translation fits."""
    if obj.live is None:
        raise ConflictError(
            f"Publish the source ({obj.locale}) of {res.name} {obj.slug!r} first: a translation is served "
            "with the source's published structure."
        )
    spec = tt.spec_for(res.name, obj.live)
    if not tt.aligned(spec, tr.text, tt.source_text(spec, res.content(obj.live))):
        raise ConflictError(
            f"The published source of {obj.slug!r} has a different structure (number of items) than this "
            "translation: publish the source's draft or update the translation first."
        )
    if not (tr.live is not None and tr.live.version == tr.version and tr.status == "published"):
        make_live(res, obj, tr)


def rendered(res: Resource, text: dict[str, Any]) -> dict[str, Any]:
    """A translation's text with the sanitized HTML of its Markdown, as its live copy holds it."""
    text = dict(text)
    if res is ENTRY:
        text["body_html"] = render_markdown(text.get("body", ""))
    else:
        text["sections"] = [{**s, "body_html": render_markdown(s.get("body", ""))} for s in text["sections"]]
    return text


def make_live(res: Resource, obj: Any, tr: Translation) -> None:
    now = utcnow()
    live = tr.live or LiveTranslation(created_at=tr.created_at)
    live.text = rendered(res, tr.text)
    for name in ("title", "source_version", "last_reviewed", "next_review_due", "reviewed_by"):
        setattr(live, name, getattr(tr, name))
    live.object_type, live.object_id, live.slug, live.locale = res.name, obj.id, obj.slug, tr.locale
    live.version, live.updated_at, live.published_at = tr.version, tr.updated_at, now
    tr.live = live
    tr.status, tr.published_at = "published", now
    db.session.flush()
    translation_sync.live_changed(res, obj, tr, "upsert")


def unpublish(res: Resource, slug: str, locale: str, *, if_match: IfMatch) -> SimpleNamespace:
    """Take this locale off the public API (its draft stays); other locales are untouched."""
    with _write(res, "unpublish", slug, locale, 200):
        obj, tr = get(res, slug, locale)
        if_match.check(tr)
        translation_sync.withdraw(res, obj, tr)
    return view(res, obj, tr)


def revisions(res: Resource, slug: str, locale: str, *, page: int, per_page: int) -> Page:
    _, tr = get(res, slug, locale)
    stmt = sa.select(Revision).where(Revision.object_type == revision_type(res), Revision.object_id == tr.id)
    return paginate(stmt.order_by(Revision.number.desc()), page=page, per_page=per_page)


def revision(res: Resource, slug: str, locale: str, number: int) -> Revision:
    _, tr = get(res, slug, locale)
    found = db.session.scalar(
        sa.select(Revision).where(
            Revision.object_type == revision_type(res), Revision.object_id == tr.id, Revision.number == number
        )
    )
    if found is None:
        raise NotFoundError(f"The {tr.locale} translation of {slug!r} has no revision {number}.")
    return found


def restore(
    res: Resource, slug: str, locale: str, number: int, *, if_match: IfMatch, author: str
) -> SimpleNamespace:
    """A new draft from revision ``number`` (checked against today's source structure); live untouched."""
    with _write(res, "restore", slug, locale, 200, revision=number):
        old = revision(res, slug, locale, number)
        obj, tr = get(res, slug, locale)
        if_match.check(tr)
        data = dict(old.snapshot)
        for name in ("last_reviewed", "next_review_due"):
            if data.get(name):
                data[name] = date.fromisoformat(data[name])
        values = _checked(res, obj, data)
        save(res, obj, tr, values, tr.locale, author=author, message=f"restored revision {number}")
    return view(res, obj, tr)
