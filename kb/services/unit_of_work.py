"""One unit of work per write: its changes and its audit event commit together, or not at all; after
the commit, the search outbox rows it wrote are applied to the index.

Every write goes through here: editing, bulk import (and so seeding), tokens, the CLI::

    with unit_of_work("entry.publish", object_type="entry", object_key=slug, status=200) as work:
        ...  # change things in db.session; work.detail / work.object_key may be filled in on the way

An exception rolls everything back (nothing audited) and propagates; ``dry_run`` rolls back too.
``status`` is the HTTP status the write answers with, recorded for requests only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy.orm import Session, UOWTransaction

from kb.extensions import db
from kb.models import SearchOutbox
from kb.services import audit, indexing

OUTBOX_WRITTEN = "kb.unit_of_work.outbox_written"  # Session.info flag, set when a flush adds outbox rows


@dataclass
class Work:
    """The audit event the unit of work records when it commits."""

    action: str
    object_type: str | None = None
    object_key: str | None = None
    status: int | None = None
    actor: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@contextmanager
def unit_of_work(
    action: str,
    *,
    object_type: str | None = None,
    object_key: str | None = None,
    status: int | None = None,
    actor: str | None = None,
    dry_run: bool = False,
    **detail: Any,
) -> Iterator[Work]:
    """Run the ``with`` body as one transaction with its audit event, then apply the search outbox."""
    session = db.session
    session.info.pop(OUTBOX_WRITTEN, None)
    work = Work(action, object_type, object_key, status, actor, dict(detail))
    try:
        yield work
        audit.record(
            work.action,
            object_type=work.object_type,
            object_key=work.object_key,
            status=work.status if has_request_context() else None,
            actor=work.actor,
            **work.detail,
        )
        index_changed = bool(session.info.get(indexing.PENDING))  # indexed in the commit (postgres)
        if dry_run:
            session.rollback()
        else:
            session.commit()  # a lost optimistic-lock race raises here (412, see kb.errors)
    except BaseException:
        session.rollback()
        raise
    finally:
        outbox_written = bool(session.info.pop(OUTBOX_WRITTEN, False))
    if not dry_run and (index_changed or outbox_written):
        indexing.apply_pending()  # never raises: failed rows stay for a retry


@sa.event.listens_for(Session, "after_flush")
def _note_outbox_rows(session: Session, _: UOWTransaction) -> None:
    if any(isinstance(obj, SearchOutbox) for obj in session.new):
        session.info[OUTBOX_WRITTEN] = True
