"""Keeping the search index in step with published content: entries and articles.

The database is the source of truth. Publishing calls ``record`` in the content's transaction (with
the id of the entry or article: ids are UUIDs, so the outbox's ``entry_id`` names either):

- A backend whose index lives in that database (``transactional``, e.g. postgres) updates the index
  just before the transaction commits, so the content and its search rows commit together. If the
  index is busy (a rebuild holds it), an outbox row is written instead.
- Otherwise (whoosh) an outbox row is written in the transaction, and after the commit
  ``apply_pending`` applies the rows to the index and deletes them.

A row whose application fails (a busy index lock, a crash, a full disk) stays and is retried: on the
next write, at start (``recover``) and by ``flask --app kb reindex --pending``. Applying holds one
cross-process lock from reading the rows to deleting them, so two workers never apply an older read
of an entry after a newer one.

A large backlog (a bulk import: at least ``REBUILD_MIN_PENDING`` rows and ``REBUILD_FRACTION`` of the
index), applied outside a request, is applied as a rebuild aside instead: the documents are read from
the database in batches and swapped in, faster than updating the index 500 rows at a time and bounded
in memory; the rows written while it runs stay pending and are applied after it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context
from sqlalchemy.orm import Session, SessionTransaction

from kb import database
from kb.errors import RequestDeadline
from kb.extensions import db
from kb.models import LiveArticle, LiveEntry, LiveTranslation, SearchOutbox
from kb.search import SearchBackend, SearchDocument, SearchError, get_backend_class
from kb.services import search_articles, search_locales
from kb.services.filelock import file_lock

log = logging.getLogger(__name__)
BATCH = 500
REBUILD_MIN_PENDING = 2000  # a backlog this large, and
REBUILD_FRACTION = 0.1  # this part of the index, is applied as a rebuild (outside requests)
EXTENSION = "kb.search"
PENDING = "kb.search.pending"  # Session.info key: {entry or article id: action} to index before the commit
BULK = "kb.search.bulk"  # Session.info flag: the recorded changes are an import's (outbox rows marked bulk)
IN_DATABASE = {"postgres": "postgresql"}  # backends whose index lives in the app's database


def init_app(app: Flask) -> None:
    """Refuse at start a search backend that is unknown or does not fit the database."""
    name = app.config["KB_SEARCH_BACKEND"]
    try:
        get_backend_class(name)
    except ValueError as exc:
        raise RuntimeError(f"KB_SEARCH_BACKEND: {exc}") from None
    dialect = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if name in IN_DATABASE and dialect != IN_DATABASE[name]:
        raise RuntimeError(
            f"KB_SEARCH_BACKEND={name} keeps the index in the database, which must then be "
            f"{IN_DATABASE[name]} (KB_DATABASE_URL is {dialect})"
        )


def backend() -> SearchBackend:
    """The app's search backend, one per process."""
    app = current_app
    if EXTENSION not in app.extensions:
        cls = get_backend_class(app.config["KB_SEARCH_BACKEND"])
        app.extensions[EXTENSION] = cls.from_config(
            app.config, engine=db.engine, connection=lambda: db.session.connection()
        )
    return app.extensions[EXTENSION]


def record(entry_id: uuid.UUID, action: str, *, bulk: bool = False) -> None:
    """Note, in the caller's transaction, that the index must upsert or remove this entry or article;
    ``bulk`` for an import's (readiness waits for those whatever their age)."""
    if backend().transactional:
        db.session.info.setdefault(PENDING, {})[entry_id] = action
        if bulk:
            db.session.info[BULK] = True
    else:
        db.session.add(SearchOutbox(entry_id=entry_id, action=action, bulk=bulk))


@sa.event.listens_for(Session, "before_commit")
def _index_in_transaction(session: Session) -> None:
    """For a transactional backend: bring the recorded entries' search rows to the state this
    transaction commits; if the index is busy or fails, write outbox rows instead (retried later)."""
    pending: dict[uuid.UUID, str] = session.info.pop(PENDING, {})
    bulk = bool(session.info.pop(BULK, False))
    ids = sorted(pending)
    if not ids:
        return
    session.flush()
    if _rebuilt_in_transaction(session, len(ids)):
        return
    failed = False
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        if not failed:
            try:
                _bring_up_to_date(session, chunk)
                continue
            except (SearchError, sa.exc.DBAPIError) as exc:  # the backend rolled back to its savepoint
                log.warning("search index update postponed to the outbox: %s", exc)
                failed = True  # do not wait for the lock again for every further chunk
        session.add_all(SearchOutbox(entry_id=i, action=pending[i], bulk=bulk) for i in chunk)


def _rebuilt_in_transaction(session: Session, pending: int) -> bool:
    """For as many recorded entries as a large backlog (a bulk import): rebuild the index in this
    transaction instead (one COPY per batch, against an update per batch), in a savepoint; False
    when the backlog is small or the index is busy (then the batches or the outbox take them)."""
    if pending < REBUILD_MIN_PENDING or pending < REBUILD_FRACTION * int(
        backend().health().get("documents") or 0
    ):
        return False
    try:
        with session.connection().begin_nested():
            backend().rebuild(_all_documents())
    except (SearchError, sa.exc.DBAPIError) as exc:
        log.warning("search rebuild in the transaction postponed to batches: %s", exc)
        return False
    return True


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without committing them
        session.info.pop(PENDING, None)
        session.info.pop(BULK, None)


def to_documents(entries: list[LiveEntry]) -> list[SearchDocument]:
    """The documents of live entries: each one's source and every live translation of it, each
    analysed in its own language (:func:`kb.services.search_locales.search_analysis`)."""
    translations = search_locales.live_translations([e.entry_id for e in entries])
    return [doc for e in entries for doc in search_locales.documents(e, translations.get(e.entry_id, {}))]


@dataclass
class ApplyReport:
    applied: int = 0
    pending: int = 0
    error: str | None = None


def apply_pending(timeout: float | None = None) -> ApplyReport:
    """Apply every pending outbox row to the index; on failure the rows stay for a later retry."""
    wait = current_app.config["KB_SEARCH_LOCK_TIMEOUT"] if timeout is None else timeout
    report = ApplyReport()
    try:
        idle = not pending_count() and _index_usable()
        # End this read's transaction before waiting for the lock: the order is always lock, then
        # database, or a worker holding SQLite's write lock would wait for one holding the file lock.
        db.session.commit()
        if idle:
            return report  # nothing to do (e.g. after a write that touched no entry)
        with _sync_lock(wait):
            if not _index_usable() or _backlog_is_large():
                report.applied += _rebuild()[1]
            while batch := _pending_batch():
                _apply(batch)
                report.applied += len(batch)
    except (Exception, RequestDeadline) as exc:
        # Never fail the write that triggered us: the rows stay for a retry. The request's deadline
        # may fall here (a large import indexed into Whoosh): the write has committed and is answered
        # as done; the next write, the next start or `reindex --pending` applies what is left.
        db.session.rollback()
        report.error = f"{type(exc).__name__}: {exc}"
        _note_failure(report.error)
        log.warning("search index update postponed: %s", report.error)
    report.pending = pending_count()
    return report


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the live entries and articles (aside, then swapped in). Clears the
    outbox rows the rebuild covers; rows written meanwhile stay, since the rebuild may have missed them."""
    return _rebuild(progress)[0]


def _rebuild(progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """``rebuild``: the documents indexed and the outbox rows cleared."""
    covered: list[int] = []

    def documents() -> Iterator[SearchDocument]:  # one consistent read: the rows, then the content
        covered.extend(db.session.scalars(sa.select(SearchOutbox.id)))
        yield from _all_documents()

    if backend().transactional:
        count = backend().rebuild(documents(), progress=progress)  # reads under the index lock
    else:
        # The rows first, then the content in batches, each batch a short read of its own: whatever
        # a covered row asked for is in the content read after it, and a write made meanwhile leaves
        # a row of its own, applied after the swap. Memory holds a batch, writers are never held up.
        covered.extend(db.session.scalars(sa.select(SearchOutbox.id)))
        db.session.commit()
        count = backend().rebuild(_documents_in_batches(), progress=progress)
    for start in range(0, len(covered), BATCH):
        db.session.execute(sa.delete(SearchOutbox).where(SearchOutbox.id.in_(covered[start : start + BATCH])))
    db.session.commit()
    return count, len(covered)


def rebuild_locked(progress: Callable[[int], None] | None = None) -> int:
    """``rebuild`` under the sync lock, so no outbox application interleaves with it."""
    with _sync_lock(current_app.config["KB_SEARCH_LOCK_TIMEOUT"] * 6):
        return rebuild(progress)


def recover() -> ApplyReport:
    """At start: rebuild a missing or unreadable index, then apply what is pending."""
    return apply_pending(timeout=current_app.config["KB_SEARCH_LOCK_TIMEOUT"] * 6)


def pending_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox)) or 0


def published_count() -> int:
    """Live entries and articles and their live translations: one search document each."""
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(LiveEntry)) or 0
    articles = db.session.scalar(sa.select(sa.func.count()).select_from(LiveArticle)) or 0
    translated = sa.select(sa.func.count()).select_from(LiveTranslation)  # of entries and articles
    return entries + articles + (db.session.scalar(translated) or 0)


def health() -> dict[str, Any]:
    """Index health for /readyz: documents indexed vs published, pending rows, last index commit."""
    state = backend().health()
    last: datetime | None = state.get("last_commit_at")
    return {
        "ok": bool(state.get("ok")),
        "backend": backend().name,
        "documents": state.get("documents", 0),
        "published": published_count(),
        "pending": pending_count(),
        "last_commit_at": last.isoformat() if last else None,
        "detail": state.get("detail"),
    }


def _index_usable() -> bool:
    return bool(backend().health().get("ok"))


def _backlog_is_large() -> bool:
    """Whether the pending rows are better applied as a rebuild: many, and a good part of the index.
    Never in a request: a rebuild may outlast the request's deadline, while batches make progress."""
    if has_request_context():
        return False
    pending = pending_count()
    if pending < REBUILD_MIN_PENDING:
        return False
    documents = int(backend().health().get("documents") or 0)
    return pending >= REBUILD_FRACTION * documents


def _sync_lock(timeout: float) -> Any:
    return file_lock(Path(current_app.config["KB_SEARCH_INDEX_PATH"]).with_suffix(".sync.lock"), timeout)


def _pending_batch() -> list[SearchOutbox]:
    return list(db.session.scalars(sa.select(SearchOutbox).order_by(SearchOutbox.id).limit(BATCH)))


def _apply(rows: list[SearchOutbox]) -> None:
    """Bring each entry or article named in ``rows`` to its state now (read under the lock): live is
    indexed, anything else removed. So the order in which rows were written cannot matter."""
    _bring_up_to_date(db.session, sorted({row.entry_id for row in rows}))
    db.session.execute(sa.delete(SearchOutbox).where(SearchOutbox.id.in_([row.id for row in rows])))
    db.session.commit()


def _bring_up_to_date(session: Session, ids: list[uuid.UUID]) -> None:
    """Index the live ones of these entries and articles and remove the others. With a transactional
    backend the live rows are read FOR UPDATE, so a publish of one of them waits for this transaction
    and its search row cannot be overwritten with this older read."""
    entries = sa.select(LiveEntry).where(LiveEntry.entry_id.in_(ids)).order_by(LiveEntry.entry_id)
    articles = sa.select(LiveArticle).where(LiveArticle.article_id.in_(ids)).order_by(LiveArticle.article_id)
    if backend().transactional:
        entries, articles = entries.with_for_update(), articles.with_for_update()
    live_entries = list(session.scalars(entries))
    live_articles = list(session.scalars(articles))
    live = {item.id for item in (*live_entries, *live_articles)}
    docs = to_documents(live_entries) + search_articles.to_documents(live_articles)
    if docs:
        backend().index(docs)
    indexed = {doc.id for doc in docs}
    removals = [str(entry_id) for entry_id in ids if entry_id not in live]
    for entry_id in ids:  # translations no longer live, or of entries no longer live
        removals += [i for i in search_locales.translation_ids(entry_id) if i not in indexed]
    if removals:
        backend().remove(removals)


def _note_failure(error: str) -> None:
    try:
        db.session.execute(
            sa.update(SearchOutbox).values(attempts=SearchOutbox.attempts + 1, last_error=error[:500])
        )
        db.session.commit()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()


def _all_documents() -> Iterator[SearchDocument]:
    """Every live entry's documents, then every live article's."""
    for model, key, documents in (
        (LiveEntry, LiveEntry.entry_id, to_documents),
        (LiveArticle, LiveArticle.article_id, search_articles.to_documents),
    ):
        query = sa.select(model).order_by(key).execution_options(yield_per=BATCH)
        batch: list[Any] = []
        for item in db.session.scalars(query):
            batch.append(item)
            if len(batch) == BATCH:
                yield from documents(batch)
                batch = []
        yield from documents(batch)


def _documents_in_batches() -> Iterator[SearchDocument]:
    """Every live entry's documents, then every live article's, read ``BATCH`` at a time by key, each
    batch in a read transaction of its own (which holds no write lock), the session emptied after it."""
    for model, key, documents in (
        (LiveEntry, LiveEntry.entry_id, to_documents),
        (LiveArticle, LiveArticle.article_id, search_articles.to_documents),
    ):
        after: Any = None
        while True:
            query = sa.select(model).order_by(key).limit(BATCH)
            if after is not None:
                query = query.where(key > after)
            with database.read_only():
                batch = list(db.session.scalars(query))
                docs = documents(batch) if batch else []
                after = getattr(batch[-1], key.key) if batch else None
                db.session.commit()
            db.session.expunge_all()
            yield from docs
            if len(batch) < BATCH:
                break
