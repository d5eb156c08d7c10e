"""Loading seed/ into the database: validated like any write, upserted by slug, published."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import marshmallow as ma
import sqlalchemy as sa

from kb.errors import ValidationFailed
from kb.extensions import db
from kb.models import Article, Entry
from kb.schemas.article import ArticleInputSchema
from kb.schemas.entry import EntryInputSchema
from kb.services import publishing


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged"


def load_seed(path: Path) -> SeedReport:
    """Upsert every entry and article under ``path`` and publish them, in one transaction."""
    entry_files = sorted((path / "entries").glob("*.json"))
    article_files = sorted((path / "articles").glob("*.json"))
    if not entry_files and not article_files:
        raise ValidationFailed(f"{path}: no entries/*.json or articles/*.json to load.")
    entries = [_load(file, EntryInputSchema()) for file in entry_files]
    articles = [_load(file, ArticleInputSchema()) for file in article_files]
    _check_references(entries, articles)
    report = SeedReport()
    try:
        for data in entries:
            existing = db.session.scalar(sa.select(Entry).where(Entry.slug == data["slug"]))
            entry = publishing.save_entry_draft(existing, data)
            _record(report, data["slug"], existing, entry.version, entry.status)
            publishing.publish_entry(entry)
        for data in articles:
            existing_article = db.session.scalar(sa.select(Article).where(Article.slug == data["slug"]))
            article = publishing.save_article_draft(existing_article, data)
            _record(report, data["slug"], existing_article, article.version, article.status)
            publishing.publish_article(article)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _record(report: SeedReport, slug: str, existing: Any, version: int, status: str) -> None:
    if existing is None:
        report.created.append(slug)
    elif existing.live is None or existing.live.version != version or status != "published":
        report.updated.append(slug)
    else:
        report.unchanged.append(slug)


def _load(file: Path, schema: ma.Schema) -> dict[str, Any]:
    """Read and validate one seed file, named ``<slug>.json`` so that no two files share a slug."""
    try:
        data = schema.load(json.loads(file.read_text(encoding="utf-8")))
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"{file}: not UTF-8 text ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"{file}: not valid JSON ({exc})") from exc
    except ma.ValidationError as exc:
        raise ValidationFailed(f"{file}: invalid content", errors=exc.messages) from exc
    if data["slug"] != file.stem:
        raise ValidationFailed(f"{file}: the file must be named after its slug ({data['slug']}.json).")
    return data


def _check_references(entries: list[dict[str, Any]], articles: list[dict[str, Any]]) -> None:
    """Every slug an entry or article points at must exist among the seed entries or in the database."""
    known = {e["slug"] for e in entries} | set(db.session.scalars(sa.select(Entry.slug)))
    missing: dict[str, list[str]] = {}
    for entry in entries:
        refs = [*entry["related"], *entry["details"].get("prevention", [])]
        if bad := sorted(set(refs) - known):
            missing[entry["slug"]] = bad
    for article in articles:
        refs = [slug for section in article["sections"] for slug in section["entries"]]
        if bad := sorted(set(refs) - known):
            missing[article["slug"]] = bad
    if missing:
        raise ValidationFailed("Seed content references unknown entries.", errors=missing)
