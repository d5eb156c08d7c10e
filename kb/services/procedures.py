"""Procedures as a resource: reading the published ones in a locale, writing them (seed files and the
admin API), and which content and feed rows apply to each (see :mod:`kb.models.procedure`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from kb.errors import NotFoundError, ValidationFailed
from kb.extensions import db
from kb.models import Procedure
from kb.models.types import utcnow
from kb.schemas.procedures import ProcedureInputSchema
from kb.services import procedure_feed
from kb.services.localized import Chain
from kb.services.pages import Page

SORTS = ("title", "slug")


def view(procedure: Procedure, chain: Chain) -> dict[str, Any] | None:
    """``procedure`` served along ``chain``: its text in the first locale of the chain it has (the
    source or a translation), whole; None when it has none of them."""
    texts = {procedure.locale: {"title": procedure.title, "summary": procedure.summary}}
    texts |= {tag: t for tag, t in (procedure.translations or {}).items() if tag != procedure.locale}
    served = next((tag for tag in chain if tag in texts), None)
    if served is None:
        return None
    return {
        "id": procedure.id,
        "slug": procedure.slug,
        **texts[served],
        "locale": served,
        "source_locale": procedure.locale,
        "locales": [procedure.locale, *sorted(set(texts) - {procedure.locale})],
        "version": procedure.version,
        "created_at": procedure.created_at,
        "updated_at": procedure.updated_at,
        "published_at": procedure.published_at,
    }


def list_published(*, page: int, per_page: int, sort: str, chain: Chain) -> Page:
    """Procedures served along ``chain``, sorted by the served title (or slug). Procedures are few
    (one per kind of treatment), so the page is cut from the whole sorted list."""
    views = [v for p in db.session.scalars(sa.select(Procedure)) if (v := view(p, chain)) is not None]
    key = sort.lstrip("-")
    views.sort(key=lambda v: (v[key].casefold(), v["slug"]), reverse=sort.startswith("-"))
    start = (page - 1) * per_page
    return Page(items=views[start : start + per_page], page=page, per_page=per_page, total=len(views))


def find(slug: str) -> Procedure:
    """The procedure ``slug``; 404 when there is none."""
    procedure = db.session.scalar(sa.select(Procedure).where(Procedure.slug == slug))
    if procedure is None:
        raise NotFoundError(f"No procedure with slug {slug!r}.")
    return procedure


def get(slug: str, chain: Chain) -> dict[str, Any]:
    """The procedure ``slug`` served along ``chain``; 404 when there is none (in those locales)."""
    served = view(find(slug), chain)
    if served is None:
        raise NotFoundError(f"No procedure with slug {slug!r} in {', '.join(chain)}.")
    return served


def known() -> set[str]:
    """Every procedure's slug."""
    return set(db.session.scalars(sa.select(Procedure.slug)))


def unknown(slugs: Iterable[str]) -> list[str]:
    """The slugs among ``slugs`` that name no procedure, sorted."""
    wanted = set(slugs)
    if not wanted:
        return []
    found = set(db.session.scalars(sa.select(Procedure.slug).where(Procedure.slug.in_(wanted))))
    return sorted(wanted - found)


def upsert(data: dict[str, Any], *, id: uuid.UUID | None = None) -> str:
    """Create or update one procedure from validated input; ``created``, ``updated`` or ``unchanged``.
    A change is recorded in the changes feed (kb.services.procedure_feed) in the caller's transaction;
    a created procedure gets ``id`` if given (an import keeps the exported one)."""
    procedure = db.session.scalar(sa.select(Procedure).where(Procedure.slug == data["slug"]))
    values = {name: data[name] for name in Procedure.CONTENT_FIELDS}
    if procedure is None:
        now = utcnow()
        db.session.add(
            Procedure(
                id=id or uuid.uuid4(),
                slug=data["slug"],
                version=1,
                created_at=now,
                updated_at=now,
                published_at=now,
                **values,
            )
        )
        procedure_feed.record(data["slug"], 1, {}, procedure_feed.texts(values))
        return "created"
    if all(getattr(procedure, name) == value for name, value in values.items()):
        return "unchanged"
    before = procedure_feed.texts(procedure)
    for name, value in values.items():
        setattr(procedure, name, value)
    procedure.version += 1
    procedure.updated_at = procedure.published_at = utcnow()
    procedure_feed.record(procedure.slug, procedure.version, before, procedure_feed.texts(values))
    return "updated"


def load_folder(folder: Path) -> dict[str, int]:
    """Upsert every ``<slug>.json`` in ``folder`` (seed/procedures); counts by outcome. Validated all
    first: one invalid file changes nothing."""
    items = []
    for file in sorted(folder.glob("*.json")):
        try:
            data = ProcedureInputSchema().load(json.loads(file.read_text(encoding="utf-8")))
        except (ValueError, ma.ValidationError) as exc:
            errors = exc.messages if isinstance(exc, ma.ValidationError) else str(exc)
            raise ValidationFailed(f"{file}: invalid procedure.", errors={str(file): errors}) from exc
        if data["slug"] != file.stem:
            raise ValidationFailed(f"{file}: the file must be named after its slug ({data['slug']}.json).")
        items.append(data)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for data in items:
        counts[upsert(data)] += 1
    db.session.flush()
    return counts
