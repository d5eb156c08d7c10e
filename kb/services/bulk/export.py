"""Exporting every procedure, entry and article (drafts, live copies and translations), in the format
import takes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from kb.extensions import db
from kb.models import Procedure
from kb.services import publishing, translation_bulk
from kb.services.resources import ARTICLE, ENTRY


def count() -> int:
    models = (Procedure, ENTRY.model, ARTICLE.model)
    return sum(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0 for model in models)


def procedure_items() -> Iterator[dict[str, Any]]:
    """Every procedure as an import item, by slug."""
    for procedure in db.session.scalars(sa.select(Procedure).order_by(Procedure.slug)):
        fields = {"slug": procedure.slug, **{n: getattr(procedure, n) for n in Procedure.CONTENT_FIELDS}}
        yield {"type": "procedure", "id": str(procedure.id), "procedure": fields}


def export_items() -> Iterator[dict[str, Any]]:
    """Every procedure (content names them: import needs them first), then every entry, then every
    article, each with its draft and live copy, from one read snapshot.

    The export is one read-only transaction (SQLite: a deferred read in WAL mode; PostgreSQL:
    REPEATABLE READ), so what it streams is consistent however long the client takes to read it, and
    writers are never held up by it.
    """
    db.session.commit()  # end what authentication read: the snapshot starts with the export
    if db.engine.dialect.name == "postgresql":
        db.session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
    yield from procedure_items()
    for res in (ENTRY, ARTICLE):
        query = (
            sa.select(res.model)
            .options(selectinload(res.model.live))
            .order_by(res.model.slug)
            .execution_options(yield_per=500)
        )
        for obj in db.session.scalars(query):
            live = publishing.snapshot(res, obj.live) if obj.live is not None else None
            item = {
                "type": res.name,
                "id": str(obj.id),
                "status": obj.status,
                "draft": publishing.snapshot(res, obj),
                "live": live,
            }
            if found := translation_bulk.export_for(res, obj):
                item["translations"] = found
            yield item


def dump(items: Iterable[dict[str, Any]], *, ndjson: bool) -> Iterator[str]:
    if ndjson:
        for item in items:
            yield json.dumps(item, ensure_ascii=False) + "\n"
        return
    yield '{"items": ['
    for n, item in enumerate(items):
        yield ("," if n else "") + "\n" + json.dumps(item, ensure_ascii=False)
    yield "\n]}\n"
