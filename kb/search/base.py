"""The search interface: plain dataclasses in and out, one abstract backend, one exception tree.

Backends never see Flask or the database: the caller flattens published entries into
:class:`SearchDocument` objects and maps the exceptions to HTTP answers
(:class:`SearchQueryError` -> 400, :class:`IndexBusyError` -> retry later).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KINDS = ("complication", "technique", "aftercare")
MAX_QUERY_CHARS = 500
MAX_PREFIX_CHARS = 100
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class SearchDocument:
    """One published entry as the index sees it."""

    id: str  # entry UUID as string (unique key)
    slug: str
    kind: str  # complication | technique | aftercare
    title: str
    summary: str
    tags: list[str]
    locale: str
    details: str  # kind-specific details flattened to plain text by the caller
    body: str  # Markdown source
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SearchHit:
    """One result. ``highlights`` always has ``title``; at most one of summary/details/body more."""

    slug: str
    kind: str
    title: str
    summary: str
    score: float
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, the total number of matches, a "did you mean" query and facet counts."""

    hits: list[SearchHit]
    total: int
    suggestion: str | None
    facets: dict[str, dict[str, int]]


@dataclass(frozen=True)
class Suggestion:
    """An as-you-type title suggestion."""

    slug: str
    kind: str
    title: str


class SearchError(Exception):
    """Base of every error a backend raises on purpose."""


class SearchQueryError(SearchError):
    """The query itself is unusable; the message says why (the caller answers 400)."""


class IndexBusyError(SearchError):
    """The index writer lock was not obtained in time; the caller retries later."""


class SearchBackend(ABC):
    """What every search backend offers; the contract suite in tests/search holds them all to it."""

    name: str
    transactional: bool = False  # True when index()/remove() write in the caller's database transaction

    @classmethod
    @abstractmethod
    def from_config(
        cls, config: Mapping[str, Any], *, engine: Any = None, connection: Callable[[], Any] | None = None
    ) -> SearchBackend:
        """Build the backend from the app config (``KB_SEARCH_*``, ``KB_SYNONYMS_PATH``); ``engine`` and
        ``connection`` are the app's SQLAlchemy engine and a callable returning the connection of the
        current transaction, for backends that keep the index in the database."""

    @abstractmethod
    def index(self, docs: Iterable[SearchDocument]) -> None:
        """Insert or replace ``docs`` (keyed by ``id``) in one commit; IndexBusyError on lock timeout."""

    @abstractmethod
    def remove(self, ids: Iterable[str]) -> None:
        """Delete the documents with these ids; unknown ids are ignored. IndexBusyError on lock timeout."""

    @abstractmethod
    def rebuild(self, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index with ``docs`` (built aside, then swapped in); return the count."""

    @abstractmethod
    def search(
        self,
        q: str,
        *,
        kind: str | None = None,
        tag: str | None = None,
        locale: str | None = None,
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResult:
        """Full-text search; SearchQueryError when ``q`` or a parameter is unusable."""

    @abstractmethod
    def suggest(self, prefix: str, *, limit: int = 10, locale: str | None = None) -> list[Suggestion]:
        """Title suggestions for a prefix typed so far, best first."""

    @abstractmethod
    def health(self) -> dict:
        """``{"ok": bool, "documents": int, "last_commit_at": datetime | None, "detail": str | None}``."""

    @abstractmethod
    def ids(self) -> set[str]:
        """Every indexed document id (to compare with the database)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release open files; the backend reopens lazily if used again."""


def check_paging(page: int, per_page: int) -> None:
    """Raise SearchQueryError unless 1 <= page and 1 <= per_page <= MAX_PER_PAGE."""
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise SearchQueryError("page must be an integer >= 1")
    if not isinstance(per_page, int) or isinstance(per_page, bool) or not 1 <= per_page <= MAX_PER_PAGE:
        raise SearchQueryError(f"per_page must be an integer between 1 and {MAX_PER_PAGE}")
