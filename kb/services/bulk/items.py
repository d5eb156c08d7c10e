"""Validating an import's items, each once: its shape, its draft and live copy, duplicates, and the
entries it references (checked at the end, since a reference may name an entry imported later). A
procedure item is checked whole; the procedures content names must exist or come earlier in the import.

Errors are bounded: the first ``MAX_REPORTED_ERRORS`` invalid items are listed, all are counted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma

from kb.errors import ValidationFailed
from kb.models import STATUSES
from kb.schemas.procedures import ProcedureInputSchema
from kb.services import procedures, translation_bulk
from kb.services.resources import RESOURCES, Resource

MAX_REPORTED_ERRORS = 20  # an invalid import lists its first errors and counts them all
ITEM_FIELDS = {"type", "id", "status", "draft", "live", "translations"}
PROCEDURE = "procedure"  # an item of this type holds a procedure: {"type", "id", "procedure"}
PROCEDURE_FIELDS = {"type", "id", "procedure"}


class InvalidImport(ValidationFailed):
    """Items are invalid; ``errors`` lists the first ones, ``error_count`` counts them all."""

    def __init__(self, detail: str, *, errors: dict[str, Any], error_count: int) -> None:
        super().__init__(detail, errors=errors)
        self.error_count = error_count


@dataclass
class Item:
    """One valid item: its resource, the id a created object gets, its status, loaded copies and
    translations (kb.services.translation_bulk)."""

    res: Resource
    id: uuid.UUID | None
    status: str
    draft: dict[str, Any]
    live: dict[str, Any] | None
    translations: list[Any] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.draft["slug"]


@dataclass
class ProcedureItem:
    """One valid procedure: the id a created one gets, and its fields (kb.schemas.procedures)."""

    id: uuid.UUID | None
    data: dict[str, Any]

    @property
    def slug(self) -> str:
        return str(self.data["slug"])


class Checker:
    """Validates the items of one import in order (``check``), then their references (``finish``).

    Holds the slugs seen (to refuse repeats and resolve references) and the unresolved references,
    never the items; one schema instance per resource for the whole import.
    """

    def __init__(self, known_entries: set[str]) -> None:
        self.known = known_entries
        self.schemas = {name: res.input_schema() for name, res in RESOURCES.items()}
        self.errors: dict[str, Any] = {}
        self.error_count = 0
        self.count = 0
        self._first: dict[tuple[str, str], int] = {}
        self._unresolved: dict[int, dict[str, set[str]]] = {}
        self.procedures = procedures.known()  # and those the import gave so far
        self.procedure_schema = ProcedureInputSchema()

    @property
    def failed(self) -> bool:
        return self.error_count > 0

    def check(self, value: Any) -> Item | ProcedureItem | None:
        """The next item, validated, or None when it is invalid (its errors are recorded). A procedure
        must come before the content that names it (export gives procedures first)."""
        n = self.count
        self.count += 1
        try:
            item = self._load_procedure(value) if _is_procedure(value) else self._load(value)
        except ma.ValidationError as exc:
            self._fail(n, exc.messages)
            return None
        part, key = ("procedure", (PROCEDURE, item.slug))
        if isinstance(item, Item):
            part, key = "draft", (item.res.name, item.slug)
        if key in self._first:
            self._fail(n, {part: {"slug": [f"Repeats items[{self._first[key]}]."]}})
            return None
        self._first[key] = n
        if isinstance(item, ProcedureItem):
            self.procedures.add(item.slug)
            return item
        for part, data in (("draft", item.draft), ("live", item.live)):
            if data and (unknown := sorted(set(data["procedures"]) - self.procedures)):
                self._fail(n, {part: {"procedures": [f"Unknown procedure: {slug}" for slug in unknown]}})
                return None
        for part, data in (("draft", item.draft), ("live", item.live)):
            if data and (missing := _all_references(item.res, data) - self.known):
                self._unresolved.setdefault(n, {})[part] = missing
        return item

    def finish(self) -> None:
        """Raise ``InvalidImport`` if an item was invalid or references an entry that is neither in
        the database nor in the import."""
        for n, parts in self._unresolved.items():
            messages = {
                part: {"references": [f"Unknown entry: {slug}" for slug in still]}
                for part, missing in parts.items()
                if (still := sorted(slug for slug in missing if ("entry", slug) not in self._first))
            }
            if messages:
                self._fail(n, messages)
        if self.error_count:
            listed = (
                ""
                if self.error_count <= MAX_REPORTED_ERRORS
                else f" (the first {MAX_REPORTED_ERRORS} listed)"
            )
            raise InvalidImport(
                f"{self.error_count} item(s) are invalid{listed}; nothing was imported.",
                errors=dict(sorted(self.errors.items(), key=lambda pair: int(pair[0][6:-1]))),
                error_count=self.error_count,
            )

    def _fail(self, n: int, messages: Any) -> None:
        self.error_count += 1  # once per item: an invalid item is never checked further
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors[f"items[{n}]"] = messages

    def _load_procedure(self, value: dict[str, Any]) -> ProcedureItem:
        if unknown := set(value) - PROCEDURE_FIELDS:
            raise ma.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
        try:
            object_id = uuid.UUID(value["id"]) if value.get("id") is not None else None
        except (ValueError, TypeError, AttributeError) as exc:
            raise ma.ValidationError({"id": ["Not a valid UUID."]}) from exc
        if value.get("procedure") is None:
            raise ma.ValidationError({"procedure": ["Missing data for required field."]})
        try:
            data = self.procedure_schema.load(value["procedure"])
        except ma.ValidationError as exc:
            raise ma.ValidationError({"procedure": exc.messages}) from exc
        return ProcedureItem(id=object_id, data=data)

    def _load(self, value: Any) -> Item:
        if not isinstance(value, dict):
            raise ma.ValidationError(["Each item must be an object."])
        if unknown := set(value) - ITEM_FIELDS:
            raise ma.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
        kind = value.get("type")
        res = RESOURCES.get(kind) if isinstance(kind, str) else None
        if res is None:
            raise ma.ValidationError({"type": [f"Must be one of: {', '.join([*RESOURCES, PROCEDURE])}."]})
        status = value.get("status", "draft")
        if status not in STATUSES:
            raise ma.ValidationError({"status": [f"Must be one of: {', '.join(STATUSES)}."]})
        try:
            object_id = uuid.UUID(value["id"]) if value.get("id") is not None else None
        except (ValueError, TypeError, AttributeError) as exc:
            raise ma.ValidationError({"id": ["Not a valid UUID."]}) from exc
        schema = self.schemas[res.name]
        messages: dict[str, Any] = {}
        loaded: dict[str, Any] = {}
        for part in ("draft", "live"):
            if value.get(part) is None:
                continue
            if part == "live" and "draft" in loaded and value["live"] == value["draft"]:
                loaded["live"] = loaded["draft"]  # the usual published item: validated once
                continue
            try:
                loaded[part] = schema.load(value[part])
            except ma.ValidationError as exc:
                messages[part] = exc.messages
        if "draft" not in loaded and "draft" not in messages:
            messages["draft"] = ["Missing data for required field."]
        if (status == "published") != (value.get("live") is not None):
            messages["live"] = ["Give the live copy exactly when the status is published."]
        if "live" in loaded and "draft" in loaded and loaded["live"]["slug"] != loaded["draft"]["slug"]:
            messages["live"] = {"slug": ["Must equal the draft's slug."]}
        found: list[Any] = []
        if value.get("translations") is not None and "draft" in loaded:
            try:
                draft_in, live_in = loaded["draft"], loaded.get("live")
                found = translation_bulk.parse(res, value["translations"], draft_in, live_in)
            except ma.ValidationError as exc:
                messages["translations"] = exc.messages
        if messages:
            raise ma.ValidationError(messages)
        draft, live = loaded["draft"], loaded.get("live")
        return Item(res=res, id=object_id, status=status, draft=draft, live=live, translations=found)


def _is_procedure(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == PROCEDURE


def _all_references(res: Resource, data: dict[str, Any]) -> set[str]:
    return {slug for slugs in res.references(data).values() for slug in slugs}
