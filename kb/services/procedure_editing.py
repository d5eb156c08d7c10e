"""Editing procedures: the admin API's writes. A procedure has no draft: a write is live at once (its
title and summary, in each locale, are all it holds), so writes need the publisher role, and each
update or delete is conditional on the version ETag the editor read (If-Match) and audited."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from kb.errors import ConflictError, ValidationFailed
from kb.extensions import db
from kb.models import Article, Entry, Procedure
from kb.schemas.procedures import ProcedureInputSchema
from kb.services import procedure_feed, procedures
from kb.services.pages import Page, order_by, paginate
from kb.services.preconditions import IfMatch
from kb.services.unit_of_work import unit_of_work

SORTS = {"slug": Procedure.slug, "title": Procedure.title, "updated_at": Procedure.updated_at}


def _write(verb: str, slug: str, status: int, **detail: Any) -> Any:
    return unit_of_work(
        f"procedure.{verb}", object_type="procedure", object_key=slug, status=status, **detail
    )


def list_all(*, page: int, per_page: int, sort: str, q: str | None = None) -> Page:
    query = sa.select(Procedure)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(
            sa.or_(sa.func.lower(Procedure.title).like(pattern), Procedure.slug.like(pattern))
        )
    return paginate(query.order_by(*order_by(SORTS, sort)), page=page, per_page=per_page)


def create(data: dict[str, Any]) -> Procedure:
    with _write("create", data["slug"], 201):
        if db.session.scalar(sa.select(Procedure.id).where(Procedure.slug == data["slug"])) is not None:
            raise ConflictError(
                f"A procedure with slug {data['slug']!r} already exists.", errors={"slug": ["Already used."]}
            )
        procedures.upsert(data)
    return procedures.find(data["slug"])


def update(slug: str, changes: dict[str, Any], *, if_match: IfMatch, partial: bool) -> Procedure:
    """PATCH (``partial``: only the given fields change) or PUT (the body is the whole procedure)."""
    with _write("update", slug, 200, fields=sorted(changes)):
        procedure = procedures.find(slug)
        if_match.check(procedure)
        if changes.get("slug", slug) != slug:
            raise ValidationFailed(
                "The slug of a procedure cannot change: content names it.",
                errors={"slug": ["Read-only once created."]},
            )
        current = {name: getattr(procedure, name) for name in Procedure.CONTENT_FIELDS} if partial else {}
        try:
            data = ProcedureInputSchema().load({**current, **changes, "slug": slug})
        except ma.ValidationError as exc:
            raise ValidationFailed("The procedure is invalid.", errors=exc.messages) from exc
        procedures.upsert(data)
    return procedure


def referring_to(slug: str) -> list[str]:
    """The entries and articles (drafts or live copies) that name procedure ``slug``."""
    named = f'%"{slug}"%'  # slugs are [a-z0-9-]: a JSON list's text holds each one quoted
    found = []
    for name, model in (("entry", Entry), ("article", Article)):
        query = sa.select(model.slug).where(sa.cast(model.procedures, sa.Text).like(named))
        found += [f"{name}:{s}" for s in db.session.scalars(query.order_by(model.slug))]
    return found


def delete(slug: str, *, if_match: IfMatch) -> None:
    with _write("delete", slug, 204):
        procedure = procedures.find(slug)
        if_match.check(procedure)
        if referrers := referring_to(slug):
            raise ConflictError(
                f"Content applies to {slug!r}; remove the procedure from it first.",
                errors={"referenced_by": referrers},
            )
        procedure_feed.record(slug, procedure.version, procedure_feed.texts(procedure), {})
        db.session.delete(procedure)
