"""Bulk import and export: every procedure, entry and article, drafts and live copies, as JSON or NDJSON.

An item is ``{"type": "entry" | "article", "id", "status", "draft": {...}, "live": {...} | null}``, and
``"translations": [...]`` when it has any (kb.services.translation_bulk); a procedure is
``{"type": "procedure", "id", "procedure": {...}}`` and comes before the content that names it.
Export then import into an empty database reproduces the content. Import upserts by slug and is one
unit of work: all or nothing. It streams: items are read (:mod:`.reader`), validated once
(:mod:`.items`) and written in chunks (:mod:`.writer`) in one pass, so memory holds a chunk whatever
the import's size; an invalid item stops the writing, the rest is still validated (to report the
first errors and the count of all), and the transaction is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from kb.errors import ValidationFailed
from kb.extensions import db
from kb.models import Entry
from kb.services.bulk.export import count, dump, export_items
from kb.services.bulk.items import MAX_REPORTED_ERRORS, Checker, InvalidImport
from kb.services.bulk.reader import check_start, parse, stream
from kb.services.bulk.writer import CHUNK, Writer
from kb.services.unit_of_work import unit_of_work

__all__ = [
    "FLUSH_EVERY",
    "IMPORT_LOCK",
    "MAX_REPORTED_ERRORS",
    "ImportReport",
    "InvalidImport",
    "ValidationFailed",
    "check_start",
    "count",
    "dump",
    "export_items",
    "import_items",
    "import_stream",
    "parse",
    "stream",
]

FLUSH_EVERY = CHUNK  # items written between flushes; the session is emptied then, bounding memory
IMPORT_LOCK = 0x6B62_696D  # "kbim": PostgreSQL advisory lock key that imports take in turn


@dataclass
class ImportReport:
    dry_run: bool
    items: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def counts(self) -> dict[str, Any]:
        """The report without its slug lists (a job's result: bounded whatever the import's size)."""
        return {
            "dry_run": self.dry_run,
            "items": self.items,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
        }


def import_items(
    raw: list[Any], *, dry_run: bool, author: str, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Import a list of raw items (small bodies, the seed): see ``import_stream``."""
    return import_stream(lambda: iter(raw), dry_run=dry_run, author=author, progress=progress)


def import_stream(
    items: Callable[[], Iterator[Any]],
    *,
    dry_run: bool,
    author: str,
    progress: Callable[[int], None] | None = None,
    validated: Callable[[int], None] | None = None,
    before_commit: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Upsert the items ``items()`` yields, all or nothing, in one pass over them.

    Every item is validated once; references to entries are checked once all items are read, before
    the commit. The first ``MAX_REPORTED_ERRORS`` errors are reported, with the count of all
    (``InvalidImport``), and nothing is written. ``validated(n)`` follows the reading (every
    ``FLUSH_EVERY`` items), ``progress(n)`` the writing (after each chunk); ``before_commit(report)``
    runs in the import's transaction (a job records its outcome there).
    """
    report = ImportReport(dry_run=dry_run)
    with unit_of_work("import", object_type="bulk", status=200, actor=author, dry_run=dry_run) as work:
        _serialize_imports()
        checker = Checker(set(db.session.scalars(sa.select(Entry.slug))))
        writer = Writer(report, author)
        written = 0
        for value in items():
            item = checker.check(value)
            if item is not None and not checker.failed:
                writer.add(item)
            if validated and checker.count % FLUSH_EVERY == 0:
                validated(checker.count)
            if progress and writer.written > written:
                written = writer.written
                progress(written)
        if not checker.failed:
            writer.flush()
        checker.finish()
        if progress and writer.written > written:
            progress(writer.written)
        report.items = checker.count
        del checker, writer  # the slugs seen, let go before the index update after the commit
        work.detail.update(
            dry_run=dry_run, items=report.items, created=len(report.created), updated=len(report.updated)
        )
        if before_commit and not dry_run:
            before_commit(report)
    return report


def _serialize_imports() -> None:
    """On PostgreSQL, imports write one at a time (a transaction-scoped advisory lock): two imports of
    the same new slugs never both insert them. SQLite's write lock already does this."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
