"""Bulk import and export: every entry and article, drafts and live copies, as JSON or NDJSON.

An item is ``{"type": "entry" | "article", "id", "status", "draft": {...}, "live": {...} | null}``.
Export then import into an empty database reproduces the content. Import upserts by slug, validates
everything before writing anything, and commits once: all or nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from kb.errors import ValidationFailed
from kb.extensions import db
from kb.models import STATUSES, Entry
from kb.services import audit, indexing, publishing
from kb.services.resources import ARTICLE, ENTRY, RESOURCES, Resource


@dataclass
class ImportReport:
    dry_run: bool
    items: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Item:
    res: Resource
    id: uuid.UUID | None
    status: str
    draft: dict[str, Any]
    live: dict[str, Any] | None


def parse(text: str, *, ndjson: bool | None) -> list[Any]:
    """Raw items from a JSON document (``{"items": [...]}`` or a list) or from NDJSON lines.

    ``ndjson=None`` detects the format: a text that is not one JSON document is read as NDJSON.
    """
    if ndjson is None:
        try:
            return _items(json.loads(text))
        except json.JSONDecodeError:
            ndjson = True
    try:
        if ndjson:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        return _items(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"Not valid {'NDJSON' if ndjson else 'JSON'}: {exc}") from exc


def _items(document: Any) -> list[Any]:
    if isinstance(document, dict) and "type" in document:
        return [document]  # a single NDJSON line
    items = document.get("items") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ValidationFailed('Expected a list of items, or {"items": [...]}.')
    return items


def import_items(
    raw: list[Any], *, dry_run: bool, author: str, progress: Callable[[int], None] | None = None
) -> ImportReport:
    items = _validate(raw)
    report = ImportReport(dry_run=dry_run, items=len(items))
    try:
        for done, item in enumerate(items, 1):
            _upsert(item, report, author)
            if progress:
                progress(done)
        audit.record(
            "import",
            actor=author,
            object_type="bulk",
            status=200,
            dry_run=dry_run,
            items=len(items),
            created=len(report.created),
            updated=len(report.updated),
        )
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if not dry_run:
        indexing.apply_pending()
    return report


def count() -> int:
    return sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(res.model)) or 0 for res in (ENTRY, ARTICLE)
    )


def export_items() -> Iterator[dict[str, Any]]:
    """Every entry, then every article, each with its draft and live copy."""
    for res in (ENTRY, ARTICLE):
        query = sa.select(res.model).order_by(res.model.slug).execution_options(yield_per=500)
        for obj in db.session.scalars(query):
            live = publishing.snapshot(res, obj.live) if obj.live is not None else None
            yield {
                "type": res.name,
                "id": str(obj.id),
                "status": obj.status,
                "draft": publishing.snapshot(res, obj),
                "live": live,
            }


def dump(items: Iterable[dict[str, Any]], *, ndjson: bool) -> Iterator[str]:
    if ndjson:
        for item in items:
            yield json.dumps(item, ensure_ascii=False) + "\n"
        return
    yield '{"items": ['
    for n, item in enumerate(items):
        yield ("," if n else "") + "\n" + json.dumps(item, ensure_ascii=False)
    yield "\n]}\n"


def _validate(raw: list[Any]) -> list[_Item]:
    """Validate every item and every reference before anything is written; report all errors at once."""
    errors: dict[str, Any] = {}
    items: dict[int, _Item] = {}
    for n, value in enumerate(raw):
        try:
            items[n] = _item(value)
        except ma.ValidationError as exc:
            errors[f"items[{n}]"] = exc.messages
    first: dict[tuple[str, str], int] = {}
    for n, item in items.items():
        key = (item.res.name, item.draft["slug"])
        if key in first:
            errors[f"items[{n}]"] = {"draft": {"slug": [f"Repeats items[{first[key]}]."]}}
        first.setdefault(key, n)
    known = {slug for kind, slug in first if kind == "entry"} | set(db.session.scalars(sa.select(Entry.slug)))
    for n, item in items.items():
        for part, data in (("draft", item.draft), ("live", item.live)):
            if data and (missing := sorted(_all_references(item.res, data) - known)):
                unknown = [f"Unknown entry: {slug}" for slug in missing]
                errors.setdefault(f"items[{n}]", {})[part] = {"references": unknown}
    if errors:
        raise ValidationFailed(f"{len(errors)} item(s) are invalid; nothing was imported.", errors=errors)
    return sorted(items.values(), key=lambda item: item.res is not ENTRY)


def _item(value: Any) -> _Item:
    if not isinstance(value, dict):
        raise ma.ValidationError(["Each item must be an object."])
    unknown = set(value) - {"type", "id", "status", "draft", "live"}
    if unknown:
        raise ma.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
    res = RESOURCES.get(value.get("type"))  # type: ignore[arg-type]
    if res is None:
        raise ma.ValidationError({"type": [f"Must be one of: {', '.join(RESOURCES)}."]})
    status = value.get("status", "draft")
    if status not in STATUSES:
        raise ma.ValidationError({"status": [f"Must be one of: {', '.join(STATUSES)}."]})
    try:
        object_id = uuid.UUID(value["id"]) if value.get("id") is not None else None
    except (ValueError, TypeError, AttributeError) as exc:
        raise ma.ValidationError({"id": ["Not a valid UUID."]}) from exc
    messages: dict[str, Any] = {}
    loaded: dict[str, Any] = {}
    for part in ("draft", "live"):
        if value.get(part) is None:
            continue
        try:
            loaded[part] = res.input_schema().load(value[part])
        except ma.ValidationError as exc:
            messages[part] = exc.messages
    if "draft" not in loaded and "draft" not in messages:
        messages["draft"] = ["Missing data for required field."]
    if (status == "published") != (value.get("live") is not None):
        messages["live"] = ["Give the live copy exactly when the status is published."]
    if "live" in loaded and "draft" in loaded and loaded["live"]["slug"] != loaded["draft"]["slug"]:
        messages["live"] = {"slug": ["Must equal the draft's slug."]}
    if messages:
        raise ma.ValidationError(messages)
    return _Item(res=res, id=object_id, status=status, draft=loaded["draft"], live=loaded.get("live"))


def _all_references(res: Resource, data: dict[str, Any]) -> set[str]:
    return {slug for slugs in res.references(data).values() for slug in slugs}


def _upsert(item: _Item, report: ImportReport, author: str) -> None:
    res, slug = item.res, item.draft["slug"]
    obj = db.session.scalar(sa.select(res.model).where(res.model.slug == slug))
    before = (obj.version, obj.status, obj.live_version) if obj is not None else None
    if item.live is not None:
        obj = publishing.save_draft(
            res, obj, item.live, author=author, message="import (live copy)", new_id=item.id
        )
        publishing.publish(res, obj)
    obj = publishing.save_draft(res, obj, item.draft, author=author, message="import", new_id=item.id)
    if item.live is None and obj.live is not None:
        publishing.unpublish(res, obj, status=item.status)
    elif item.live is None:
        obj.status = item.status
    if before is None:
        report.created.append(f"{res.name}:{slug}")
    elif before != (obj.version, obj.status, obj.live_version):
        report.updated.append(f"{res.name}:{slug}")
    else:
        report.unchanged.append(f"{res.name}:{slug}")
