"""Loading seed/ into the database: a bulk import of published items read from files, one per slug."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.errors import ValidationFailed
from kb.services import bulk, procedures

SEED_AUTHOR = "seed"
FOLDERS = (("entry", "entries"), ("article", "articles"))
PROCEDURES = "procedures"
TRANSLATIONS = "translations"


@dataclass
class SeedReport:
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def load_seed(path: Path) -> SeedReport:
    """Upsert every ``procedures/<slug>.json``, then upsert and publish every ``entries/<slug>.json`` and
    ``articles/<slug>.json`` under ``path`` (which may name those procedures), with
    the translations in ``translations/<locale>/<folder>/<slug>.json`` (published, with the review
    metadata their files give).

    Validated like any import, all or nothing; errors name the file.
    """
    files = [(kind, file) for kind, folder in FOLDERS for file in sorted((path / folder).glob("*.json"))]
    if not files:
        raise ValidationFailed(f"{path}: no entries/*.json or articles/*.json to load.")
    items = [_item(kind, file) for kind, file in files]
    _attach_translations(path, files, items)
    procedures.load_folder(path / PROCEDURES)
    try:
        report = bulk.import_items(items, dry_run=False, author=SEED_AUTHOR)
    except ValidationFailed as exc:
        raise ValidationFailed(f"{path}: invalid seed content.", errors=_by_file(exc.errors, files)) from exc
    return SeedReport(len(report.created), len(report.updated), len(report.unchanged))


def _item(kind: str, file: Path) -> dict[str, Any]:
    """One published import item from a seed file named ``<slug>.json``."""
    data = _read(file)
    if data.get("slug") != file.stem:
        raise ValidationFailed(f"{file}: the file must be named after its slug ({data.get('slug')}.json).")
    return {"type": kind, "status": "published", "draft": data, "live": data}


def _read(file: Path) -> dict[str, Any]:
    """A seed file's JSON object."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"{file}: not UTF-8 text ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"{file}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ValidationFailed(f"{file}: expected a JSON object.")
    return data


def _attach_translations(path: Path, files: list[tuple[str, Path]], items: list[dict[str, Any]]) -> None:
    """Add each translation file to the item of the source file it translates."""
    by_path = {(file.parent.name, file.name): item for (_, file), item in zip(files, items, strict=True)}
    for file in sorted((path / TRANSLATIONS).glob("*/*/*.json")):
        folder, locale = file.parent.name, file.parent.parent.name
        item = by_path.get((folder, file.name))
        if item is None:
            raise ValidationFailed(f"{file}: no {folder}/{file.name} for it to translate.")
        data = _read(file)
        if data.get("slug") != file.stem or data.get("locale") != locale:
            raise ValidationFailed(f"{file}: slug and locale must match the file's name and folder.")
        text = {k: v for k, v in data.items() if k not in ("slug", "locale", "source_locale")}
        item.setdefault("translations", []).append(
            {"locale": locale, "status": "published", "draft": text, "live": text}
        )


def _by_file(errors: Any, files: list[tuple[str, Path]]) -> Any:
    """Name each invalid item by its file instead of its position, and drop the draft/live doubling."""
    if not isinstance(errors, dict):
        return errors
    named = {}
    for key, messages in errors.items():
        match = re.fullmatch(r"items\[(\d+)\]", key)
        name = str(files[int(match.group(1))][1]) if match else key
        named[name] = messages.get("draft", messages) if isinstance(messages, dict) else messages
    return named
