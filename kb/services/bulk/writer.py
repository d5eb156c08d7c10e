"""Writing an import's valid items in its transaction, a chunk at a time.

Objects that do not exist yet (most of a large import) are written with Core inserts, a chunk per
statement: their row, its revision, for a published one the live copy (Markdown rendered once), its
tag rows, its changes-feed row and search outbox row, and its webhook events (kb.webhooks.events: the
``<type>.published`` a manual publish emits); exactly what saving the live copy, publishing it and
saving the draft write one by one; a new object's translations are then written through the ORM
(:mod:`kb.services.translation_bulk`). Existing objects go through :mod:`kb.services.publishing`
as an edit does; a procedure is upserted as the admin API writes one (kb.services.procedures, with
its feed rows). Items are written in the order given; after each chunk the session is emptied, so
memory holds one chunk whatever the import's size.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from kb.extensions import db
from kb.models import Change, ChangeProcedure, Revision, SearchOutbox
from kb.models.types import utcnow
from kb.services import changes, generation, indexing, procedures, publishing, translation_bulk
from kb.services.bulk.items import Item, ProcedureItem
from kb.services.resources import Resource
from kb.services.unit_of_work import OUTBOX_WRITTEN
from kb.webhooks import events as webhook_events

CHUNK = 500  # items per chunk: one lookup of existing slugs and one INSERT per table


class Writer:
    """Writes items in order (``add``), a chunk at a time; ``flush`` writes what is left."""

    def __init__(self, report: Any, author: str) -> None:
        self.report = report
        self.author = author
        self.written = 0
        self._items: list[Item | ProcedureItem] = []
        self._rows: dict[sa.Table, list[dict[str, Any]]] = {}
        self._indexed: list[uuid.UUID] = []
        self._events: list[webhook_events.Content] = []  # of the rows collected, emitted with them
        self._feed_procedures: list[list[str]] = []  # of each feed row collected, in order
        self._postgres = db.session.get_bind().dialect.name == "postgresql"
        self._feed_locked = False

    def add(self, item: Item | ProcedureItem) -> None:
        self._items.append(item)
        if len(self._items) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        items, self._items = self._items, []
        if not items:
            return
        existing = self._existing([item for item in items if isinstance(item, Item)])
        for item in items:
            if isinstance(item, ProcedureItem):
                self._insert()  # the rows before it first: the feed keeps the items' order
                outcome = procedures.upsert(item.data, id=item.id)
                getattr(self.report, outcome).append(f"procedure:{item.slug}")
                continue
            obj = existing.get((item.res.name, item.slug))
            if obj is None:
                object_id = self._new(item)
                if item.translations:  # written through the ORM, after the source's rows
                    self._insert()
                    source = db.session.get(item.res.model, object_id)
                    translation_bulk.upsert(item.res, source, item.translations, author=self.author)
                continue
            self._insert()  # the rows before this item first: the feed keeps the items' order
            _upsert(item, obj, self.report, self.author)
        self._insert()
        db.session.flush()
        db.session.expunge_all()
        self.written += len(items)

    def _existing(self, items: list[Item]) -> dict[tuple[str, str], Any]:
        found: dict[tuple[str, str], Any] = {}
        for res in {item.res for item in items}:
            slugs = [item.slug for item in items if item.res is res]
            query = (
                sa.select(res.model).where(res.model.slug.in_(slugs)).options(selectinload(res.model.live))
            )
            for obj in db.session.scalars(query):
                found[(res.name, obj.slug)] = publishing.lock(obj)
        return found

    def _new(self, item: Item) -> uuid.UUID:
        """The rows of an object the import creates; its id."""
        res, now = item.res, utcnow()
        object_id = item.id or uuid.uuid4()
        first = item.live if item.live is not None else item.draft
        row = {
            "id": object_id,
            "slug": item.slug,
            **{name: first[name] for name in res.fields},
            "status": item.status,
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "published_at": None,
        }
        message = "import (live copy)" if item.live is not None else "import"
        self._revision(res, object_id, 1, first, message)
        if item.live is not None:
            self._live(res, row, now)
            row.update(status="published", published_at=now)
            if item.draft is not item.live and _content(res, item.draft) != _content(res, item.live):
                row.update(_content(res, item.draft), version=2)
                self._revision(res, object_id, 2, item.draft, "import")
        self._add(res.model.__table__, row)
        self.report.created.append(f"{res.name}:{item.slug}")
        return object_id

    def _live(self, res: Resource, row: dict[str, Any], now: Any) -> None:
        """The live copy of a new object (its derived fields rendered once), its feed and outbox rows."""
        draft = res.model(**{name: row[name] for name in ("slug", *res.fields)})
        live = res.live_model()
        res.render(draft, live)  # transient objects: only their values are written
        key = _key_column(res)
        live_row = {
            key: row["id"],
            "slug": row["slug"],
            **{name: row[name] for name in res.fields},
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "published_at": now,
        }
        columns = sa.inspect(res.live_model).columns
        for name, value in vars(live).items():
            if name in columns:
                live_row[name] = value
            elif not name.startswith("_"):  # a relationship the rendering filled (an entry's tag rows)
                self._children(res, name, value, row["id"])
        self._add(res.live_model.__table__, live_row)
        self._lock_feed()
        self._add(
            Change.__table__,
            {"slug": row["slug"], "kind": res.feed_kind(draft), "change": "upsert", "version": 1, "at": now},
        )
        self._feed_procedures.append(list(dict.fromkeys(row["procedures"])))
        if res.indexed:
            self._index(row["id"])
        self._events.append((res.name, row["slug"], res.feed_kind(draft), row["locale"], 1, "published"))

    def _children(self, res: Resource, name: str, children: list[Any], object_id: uuid.UUID) -> None:
        relationship = sa.inspect(res.live_model).relationships[name]
        table = relationship.mapper.local_table
        [(_, foreign)] = relationship.local_remote_pairs
        columns = [c.key for c in relationship.mapper.columns if c.key != foreign.key]
        for child in children:
            self._add(table, {foreign.key: object_id, **{c: getattr(child, c) for c in columns}})

    def _revision(
        self, res: Resource, object_id: uuid.UUID, number: int, data: dict[str, Any], message: str
    ) -> None:
        snapshot = _snapshot(res, data)
        self._add(
            Revision.__table__,
            {
                "object_type": res.name,
                "object_id": object_id,
                "number": number,
                "snapshot": snapshot,
                "author": self.author,
                "message": message,
                "created_at": utcnow(),
            },
        )

    def _index(self, entry_id: uuid.UUID) -> None:
        if indexing.backend().transactional:
            indexing.record(entry_id, "upsert", bulk=True)  # indexed before the commit, in batches
        else:
            self._add(SearchOutbox.__table__, {"entry_id": entry_id, "action": "upsert", "bulk": True})
            db.session.info[OUTBOX_WRITTEN] = True

    def _lock_feed(self) -> None:
        """The changes feed's lock and the content generation's move, once per import (changes.record
        takes and moves them for every row)."""
        if not self._feed_locked:
            if self._postgres:
                db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(changes.FEED_LOCK)))
            generation.bump()
            self._feed_locked = True

    def _add(self, table: sa.Table, row: dict[str, Any]) -> None:
        self._rows.setdefault(table, []).append(row)

    def _insert(self) -> None:
        """Insert the rows collected so far, parents first, one statement per table."""
        rows, self._rows = self._rows, {}
        procedures, self._feed_procedures = self._feed_procedures, []
        for table in db.metadata.sorted_tables:
            if table is Change.__table__ and table in rows and any(procedures):
                self._insert_feed(rows.pop(table), procedures)
            if table in rows:
                db.session.execute(sa.insert(table), rows[table])
        events, self._events = self._events, []
        webhook_events.emit_many(events)

    @staticmethod
    def _insert_feed(rows: list[dict[str, Any]], procedures: list[list[str]]) -> None:
        """Feed rows, then the procedures of each (which need the rows' ids, the cursors)."""
        statement = sa.insert(Change.__table__).returning(Change.__table__.c.id, sort_by_parameter_order=True)
        ids = db.session.execute(statement, rows).scalars().all()
        links = [
            {"change_id": change_id, "procedure": slug}
            for change_id, slugs in zip(ids, procedures, strict=True)
            for slug in slugs
        ]
        if links:
            db.session.execute(sa.insert(ChangeProcedure.__table__), links)


_SNAPSHOT_SCHEMAS: dict[str, Any] = {}


def _snapshot(res: Resource, data: dict[str, Any]) -> dict[str, Any]:
    """What :func:`kb.services.publishing.snapshot` records for a draft with these values."""
    schema = _SNAPSHOT_SCHEMAS.get(res.name)
    if schema is None:
        schema = _SNAPSHOT_SCHEMAS[res.name] = res.input_schema()
    return schema.dump({"slug": data["slug"], **_content(res, data)})


def _content(res: Resource, data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in res.fields}


def _key_column(res: Resource) -> str:
    [column] = sa.inspect(res.live_model).primary_key
    return column.key


def _upsert(item: Item, obj: Any, report: Any, author: str) -> None:
    """An item whose object exists: saved (and published or unpublished) as an edit would."""
    res = item.res
    before = (obj.version, obj.status, obj.live_version)
    if item.live is not None:
        obj = publishing.save_draft(res, obj, item.live, author=author, message="import (live copy)")
        publishing.publish(res, obj)
    obj = publishing.save_draft(res, obj, item.draft, author=author, message="import")
    if item.live is None and obj.live is not None:
        publishing.unpublish(res, obj, status=item.status)
    elif item.live is None:
        obj.status = item.status
    translated = translation_bulk.upsert(res, obj, item.translations, author=author)
    if translated or before != (obj.version, obj.status, obj.live_version):
        report.updated.append(f"{res.name}:{item.slug}")
    else:
        report.unchanged.append(f"{res.name}:{item.slug}")
