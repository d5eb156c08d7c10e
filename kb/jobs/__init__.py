"""Background jobs: work that outlives a request, done by ``flask --app kb worker``.

The interface a feature uses is small:

- ``enqueue(kind, payload, key=...)`` adds a job to the caller's transaction: it exists exactly when
  the caller's change commits (a publish and its webhook delivery, an import and its status row);
- ``@handler(kind)`` registers the function that runs jobs of that kind; it gets the ``Job`` and a
  ``Context`` (progress, lease) and returns the job's result, raises ``JobFailed`` for an outcome
  that retrying cannot change, or raises anything else to be retried with backoff.

Workers claim one job at a time under a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite
the claim is a write transaction, which SQLite runs one at a time), renew it while they work, and a
job whose worker died is claimed again once its lease ends. A job's handler must therefore be
idempotent: it may run again after a crash (``kb/jobs/imports.py`` records its commit in the job row).
"""

from kb.jobs.queue import enqueue, get
from kb.jobs.registry import Context, JobFailed, handler

__all__ = ["Context", "JobFailed", "enqueue", "get", "handler"]
