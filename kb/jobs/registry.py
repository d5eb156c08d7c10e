"""Job kinds and their handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kb.models import Job


class JobFailed(Exception):
    """An outcome retrying cannot change (invalid input): the job fails at once with this error."""

    def __init__(self, detail: str, **error: Any) -> None:
        super().__init__(detail)
        self.error = {"detail": detail, **error}


class Context:
    """What a running handler may do besides its work: report progress; ``lease`` is the lease (seconds)
    the worker renews, for changes the handler makes to its job in its own transaction."""

    def __init__(self, report: Callable[[dict[str, Any]], None], lease: float) -> None:
        self._report = report
        self.lease = lease

    def progress(self, **progress: Any) -> None:
        self._report(progress)


Run = Callable[[Job, Context], dict[str, Any] | None]


@dataclass(frozen=True)
class Handler:
    kind: str
    run: Run
    max_attempts: int


HANDLERS: dict[str, Handler] = {}


def handler(kind: str, *, max_attempts: int = 5) -> Callable[[Run], Run]:
    """Register ``run`` as the handler of jobs of ``kind``."""

    def register(run: Run) -> Run:
        HANDLERS[kind] = Handler(kind, run, max_attempts)
        return run

    return register


def load() -> dict[str, Handler]:
    """Every job kind's handler (importing the modules that register them)."""
    from kb.jobs import cleanup, imports  # noqa: F401
    from kb.scheduling import actions  # noqa: F401
    from kb.webhooks import delivery  # noqa: F401

    return HANDLERS
