"""The ``import`` job: a large import, streamed from the body stored with the job, all or nothing.

The import's commit records the job's result in the same transaction, so an attempt that died after
it (while indexing) is not imported twice: the next attempt only brings the index up to date.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from kb.errors import KbError
from kb.extensions import db
from kb.jobs import queue
from kb.jobs.registry import Context, JobFailed, handler
from kb.models import Job
from kb.services import audit, bulk, indexing

KIND = "import"


def enqueue_upload(body: BinaryIO, *, ndjson: bool | None, dry_run: bool, author: str) -> Job:
    """Receive an import's body, then enqueue its job and commit: a request's import job.

    The body is spooled to a temporary file first, with no transaction open, so a slow upload holds
    no database lock; the job and its data are then written in one short transaction.
    """
    db.session.commit()  # end what authentication read
    with tempfile.SpooledTemporaryFile(max_size=1 << 20) as spool:
        shutil.copyfileobj(body, spool, 1 << 16)
        spool.seek(0)
        bulk.check_start(spool.read(1 << 10))
        spool.seek(0)
        chunks = iter(lambda: spool.read(1 << 16), b"")
        job = enqueue_import(chunks, ndjson=ndjson, dry_run=dry_run, author=author)
        audit.record("import.queued", actor=author, object_type="job", object_key=str(job.id), status=202)
        db.session.commit()
    return job


def enqueue_import(chunks: Iterator[bytes], *, ndjson: bool | None, dry_run: bool, author: str) -> Job:
    """The job for an import whose body is ``chunks``, in the caller's transaction (the caller commits)."""
    job = queue.enqueue(KIND, {"ndjson": ndjson, "dry_run": dry_run}, created_by=author, max_attempts=3)
    job.progress = {"phase": "queued", "bytes": queue.attach(job, chunks)}
    return job


@handler(KIND, max_attempts=3)
def run_import(job: Job, ctx: Context) -> dict[str, Any] | None:
    if job.result is not None:  # committed by an earlier attempt that stopped before indexing ended
        ctx.progress(phase="indexing")
        _index()
        return job.result

    def items() -> Iterator[Any]:
        return bulk.stream(queue.data(job.id), ndjson=job.payload.get("ndjson"))

    def committing(report: bulk.ImportReport) -> None:
        ctx.progress(phase="indexing", items=report.items)
        progress = {"phase": "indexing", "items": report.items}
        queue.record(job, ctx.lease, result=report.counts(), progress=progress)

    counted = {"read": 0, "written": 0}

    def note(key: str, n: int) -> None:
        counted[key] = n
        ctx.progress(phase="importing", **counted)

    note("read", 0)
    try:
        report = bulk.import_stream(
            items,
            dry_run=bool(job.payload.get("dry_run")),
            author=job.created_by or "import",
            validated=lambda n: note("read", n),
            progress=lambda n: note("written", n),
            before_commit=committing,
        )
    except bulk.InvalidImport as exc:
        raise JobFailed(exc.detail, errors=exc.errors, error_count=exc.error_count) from exc
    except KbError as exc:  # the body is not valid JSON or NDJSON, or holds what cannot be stored
        # its error under "body" when it names no field, as JobError says
        raise JobFailed(exc.detail, errors=exc.errors or {"body": [exc.detail]}, error_count=1) from exc
    if not report.dry_run:
        _index()
    ctx.progress(phase="done", items=report.items)
    return report.counts()


def _index() -> None:
    """Bring the index up to date, or raise so the job is retried (readiness says not ready meanwhile)."""
    report = indexing.apply_pending()
    if report.pending:
        raise RuntimeError(f"{report.pending} index change(s) still pending: {report.error}")
