"""Translations in bulk import and export (and so in the seed).

An entry or article item may carry ``"translations": [{"locale", "id", "status", "stale", "live_stale",
"draft": {...}, "live": {...} | null}]``: each translation's draft and live copy in the shape a
translation write takes, minus ``source_version``. Export gives staleness as ``stale`` / ``live_stale``
(versions are not exported: an import numbers versions afresh), so export, import, export is exact.
Without the flags (the seed), a translation whose text did not change keeps the source version it
translated, so changing an English seed file marks its translations stale.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import marshmallow as ma

from kb.models import STATUSES
from kb.services import locales, translation_status, translation_sync, translations
from kb.services import translation_text as tt
from kb.services.resources import Resource

ITEM_KEYS = {"locale", "id", "status", "stale", "live_stale", "draft", "live"}
META = ("last_reviewed", "next_review_due", "reviewed_by")


@dataclass
class TranslationItem:
    locale: str
    id: uuid.UUID | None
    status: str
    stale: bool | None
    live_stale: bool | None
    draft: dict[str, Any]
    live: dict[str, Any] | None


def export_for(res: Resource, obj: Any) -> list[dict[str, Any]]:
    """Every translation of ``obj`` as an export item part."""
    found = []
    for tr in translation_sync.of(res, obj):
        live = tr.live
        found.append(
            {
                "locale": tr.locale,
                "id": str(tr.id),
                "status": tr.status,
                "stale": translation_status.is_stale(tr, obj),
                "live_stale": bool(live and obj.live and live.source_version < obj.live.version),
                "draft": _exported(tr),
                "live": _exported(live) if live is not None else None,
            }
        )
    return found


def _exported(tr: Any) -> dict[str, Any]:
    data = translations.snapshot(tr)
    data.pop("source_version")
    return data


def parse(res: Resource, value: Any, draft: Mapping[str, Any], live: Mapping[str, Any] | None) -> list[Any]:
    """Validate an item's ``translations`` against its draft and live structure (ValidationError)."""
    if not isinstance(value, list):
        raise ma.ValidationError({"translations": ["Must be a list."]})
    errors: dict[str, Any] = {}
    items = []
    seen: set[str] = set()
    for n, raw in enumerate(value):
        try:
            item = _one(res, raw, draft, live)
        except ma.ValidationError as exc:
            errors[f"translations[{n}]"] = exc.messages
            continue
        if item.locale in seen:
            errors[f"translations[{n}]"] = {"locale": ["Repeats an earlier translation."]}
        seen.add(item.locale)
        items.append(item)
    if errors:
        raise ma.ValidationError(errors)
    return items


def _one(
    res: Resource, raw: Any, draft: Mapping[str, Any], live: Mapping[str, Any] | None
) -> TranslationItem:
    if not isinstance(raw, dict):
        raise ma.ValidationError(["Each translation must be an object."])
    messages: dict[str, Any] = {name: ["Unknown field."] for name in sorted(set(raw) - ITEM_KEYS)}
    locale = locales.canonical(str(raw.get("locale", "")))
    if locale is None:
        messages["locale"] = [f"Must be one of: {', '.join(locales.supported())}."]
    elif locale == draft.get("locale"):
        messages["locale"] = ["The source's own locale: its text is the item's draft and live copy."]
    status = raw.get("status", "draft")
    if status not in STATUSES:
        messages["status"] = [f"Must be one of: {', '.join(STATUSES)}."]
    try:
        object_id = uuid.UUID(raw["id"]) if raw.get("id") is not None else None
    except (ValueError, TypeError, AttributeError):
        messages["id"] = ["Not a valid UUID."]
        object_id = None
    parts: dict[str, Any] = {}
    for part, structure in (("draft", draft), ("live", live)):
        if raw.get(part) is None:
            continue
        if structure is None:
            messages[part] = ["A live translation needs a live source."]
            continue
        try:
            parts[part] = _text(res, raw[part], structure)
        except ma.ValidationError as exc:
            messages[part] = exc.messages
    if "draft" not in parts and "draft" not in messages:
        messages["draft"] = ["Missing data for required field."]
    if (status == "published") != (raw.get("live") is not None):
        messages["live"] = ["Give the live copy exactly when the status is published."]
    for flag in ("stale", "live_stale"):
        if raw.get(flag) is not None and not isinstance(raw[flag], bool):
            messages[flag] = ["Must be true or false."]
    if messages:
        raise ma.ValidationError(messages)
    assert locale is not None
    return TranslationItem(
        locale=locale,
        id=object_id,
        status=status,
        stale=raw.get("stale"),
        live_stale=raw.get("live_stale"),
        draft=parts["draft"],
        live=parts.get("live"),
    )


def _text(res: Resource, data: Any, structure: Mapping[str, Any]) -> dict[str, Any]:
    """A translation's text and review metadata, checked against the source ``structure``."""
    if not isinstance(data, dict):
        raise ma.ValidationError(["Must be an object."])
    spec = tt.spec_for(res.name, structure)
    text = {k: v for k, v in data.items() if k not in META}
    errors = tt.check(spec, text, tt.source_text(spec, structure), "", str(structure.get("locale")))
    values: dict[str, Any] = {"text": text}
    for name in META:
        value = data.get(name)
        if name == "reviewed_by":
            if value is not None and not isinstance(value, str):
                errors[name] = ["Must be text or null."]
            values[name] = value
            continue
        try:
            values[name] = date.fromisoformat(value) if value is not None else None
        except (TypeError, ValueError):
            errors[name] = ["Not a valid date (YYYY-MM-DD)."]
    if errors:
        raise ma.ValidationError(errors)
    return values


def _source_version(stale: bool | None, current: Any, values: dict[str, Any], now: int) -> int:
    """The source version an imported text translates: ``now`` unless ``stale`` (then 0, "older than
    any version held"); without a flag (the seed), unchanged text keeps the version it had."""
    if stale is None:
        same = current is not None and all(getattr(current, k) == v for k, v in values.items())
        return int(current.source_version) if same else now
    return 0 if stale else now


def upsert(res: Resource, obj: Any, items: list[TranslationItem], *, author: str) -> bool:
    """Write an item's translations after its source; whether anything changed."""
    changed = False
    for item in items:
        tr = translations.find(res, obj, item.locale)
        before = (tr.version, tr.status, tr.live_version, tr.source_version) if tr is not None else None
        if item.live is not None:
            assert obj.live is not None
            version = _source_version(item.live_stale, tr.live if tr else None, item.live, obj.live.version)
            values = {**item.live, "source_version": version}
            tr = translations.save(
                res, obj, tr, values, item.locale, author=author, message="import (live copy)", new_id=item.id
            )
            if not (tr.live is not None and tr.live.version == tr.version and tr.status == "published"):
                translations.make_live(res, obj, tr)
        values = {**item.draft, "source_version": _source_version(item.stale, tr, item.draft, obj.version)}
        tr = translations.save(
            res, obj, tr, values, item.locale, author=author, message="import", new_id=item.id
        )
        if item.live is None and tr.live is not None:
            translation_sync.withdraw(res, obj, tr, status=item.status)
        elif item.live is None:
            tr.status = item.status
        changed = changed or before != (tr.version, tr.status, tr.live_version, tr.source_version)
    return changed
