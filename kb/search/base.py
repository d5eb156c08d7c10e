"""The search interface: plain dataclasses in and out, one abstract backend, one exception tree, one
set of limits (which the API's schemas use too).

Backends never see Flask or the database: the caller flattens published entries into
:class:`SearchDocument` objects and maps the exceptions to HTTP answers
(:class:`SearchQueryError` -> 400, :class:`IndexBusyError` -> retry later). :meth:`SearchBackend.search`
and :meth:`SearchBackend.suggest` check their arguments here, once, then call the backend's
``_search`` / ``_suggest``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KINDS = ("complication", "technique", "aftercare")
# What a document is: an entry, or a whole article (its sections inside). Articles have no kind: a kind
# filter keeps entries only, and the kind facet counts entries only.
TYPES = ("entry", "article")
# Limits: the backends refuse (SearchQueryError) or cut what goes beyond them; the API schemas import them.
MAX_QUERY_CHARS = 500  # q longer than this is refused
MAX_PREFIX_CHARS = 100  # a suggest prefix is cut to this
MAX_PER_PAGE = 100  # per_page of every paged list, search results included
MAX_RESULT_WINDOW = 10_000  # page * per_page beyond this is refused (as Elasticsearch does)
MAX_SUGGEST_LIMIT = 20  # suggestions per request
# Warning-sign actions that make a matching entry "urgent": it ranks first and its hit says so.
URGENT_ACTIONS = ("seek_care_promptly",)


@dataclass(frozen=True)
class SearchSection:
    """One section of an article document: its heading, its URL fragment and its Markdown body."""

    heading: str
    anchor: str
    body: str


@dataclass(frozen=True)
class SectionRef:
    """The section of an article hit that matches the query best."""

    heading: str
    anchor: str


@dataclass(frozen=True)
class SearchDocument:
    """One published entry or article as the index sees it.

    An article (``type="article"``) has ``kind=""`` and no details; its ``body`` holds every section
    (heading and body) and ``sections`` each one, so a hit can point to the one that matches best
    (:func:`kb.search.common.sections.best_section`)."""

    id: str  # document UUID as string (unique key): the entry's or article's, or one per translation of it
    slug: str
    kind: str  # complication | technique | aftercare; "" for an article
    title: str
    summary: str
    tags: list[str]
    locale: str  # the filter key ``locale=`` selects on (kb.services.search_locales: language + visibility)
    # The BCP 47 tag of the text ("es"; a source's is its entry's locale): picks the analysis
    # (kb.search.common.languages). The app always says it; "en" is the analysis default.
    language: str = field(default="en", kw_only=True)
    type: str = field(default="entry", kw_only=True)  # one of TYPES
    sections: tuple[SearchSection, ...] = field(default=(), kw_only=True)  # an article's, in order
    details: str  # kind-specific details flattened to plain text by the caller
    body: str  # Markdown source
    updated_at: datetime | None = None
    # Warning signs whose action is urgent (URGENT_ACTIONS), as (sign text, action): a query matching
    # one ranks the document first, and its hit says urgent with that action.
    urgent: tuple[tuple[str, str], ...] = ()
    # Slugs of the procedures the entry or article applies to (every translation carries its item's):
    # the ``procedure=`` filter keeps the documents that name it.
    procedures: tuple[str, ...] = field(default=(), kw_only=True)


@dataclass(frozen=True)
class SearchHit:
    """One result. ``highlights`` always has ``title``; at most one of summary/details/body more."""

    slug: str
    kind: str | None  # None for an article
    title: str
    summary: str
    score: float
    highlights: dict[str, str] = field(default_factory=dict)
    urgent: bool = False  # the query matched one of the document's urgent warning signs
    action: str | None = None  # that sign's action, when urgent
    type: str = "entry"
    section: SectionRef | None = None  # an article's best matching section (None: none matched)


@dataclass(frozen=True)
class SearchResult:
    """A page of hits, the total number of matches, a "did you mean" query and facet counts (exact,
    unless ``facets_estimated``).

    When not every word of the query could be used (no document has them all), ``words`` says which
    were: ``{"used": [...], "dropped": [...]}`` (words as folded, in query order); else None."""

    hits: list[SearchHit]
    total: int
    suggestion: str | None
    facets: dict[str, dict[str, int]]
    words: dict[str, list[str]] | None = None
    # True when the facet counts are estimates (a backend counted a sample of very many matches);
    # ``total`` is always exact
    facets_estimated: bool = False


@dataclass(frozen=True)
class Suggestion:
    """An as-you-type title suggestion."""

    slug: str
    kind: str | None  # None for an article
    title: str
    type: str = "entry"


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

    def search(
        self,
        q: str,
        *,
        kind: str | None = None,
        tag: str | None = None,
        locale: str | Collection[str] | None = None,
        page: int = 1,
        per_page: int = 20,
        languages: Sequence[str] | None = None,
        type: str | None = None,
        procedure: str | None = None,
    ) -> SearchResult:
        """Full-text search; SearchQueryError when ``q`` or a parameter is unusable. ``locale`` keeps
        the documents whose ``locale`` is that key or one of those keys; ``type`` those of that type
        (entry or article); ``kind`` entries of that kind (so no article); ``procedure`` the documents
        that apply to that procedure (a scope, like ``locale``: every facet counts within it).

        ``languages``: the BCP 47 tags the query is analysed in (a locale chain, e.g. ``["es", "en"]``):
        each document is matched by the analysis of its own language when that language is one of them
        (None: every language the index holds). Facets are disjunctive (Algolia's way): kind counts
        ignore the kind filter, type counts the type filter and tag counts the tag filter, each applying
        every other filter, so a UI can show what the other choices give. Kind counts are of entries."""
        check_paging(page, per_page)
        if kind is not None and kind not in KINDS:
            raise SearchQueryError(f"kind must be one of: {', '.join(KINDS)}")
        if type is not None and type not in TYPES:
            raise SearchQueryError(f"type must be one of: {', '.join(TYPES)}")
        if languages is not None and (
            isinstance(languages, str) or not all(isinstance(t, str) for t in languages)
        ):
            raise SearchQueryError("languages must be a list of language tags")
        check_procedure(procedure)
        return self._search(
            q,
            kind=kind,
            tag=tag,
            locale=_keys(locale),
            page=page,
            per_page=per_page,
            languages=languages,
            type=type,
            procedure=procedure,
        )

    def suggest(
        self,
        prefix: str,
        *,
        limit: int = 10,
        locale: str | Collection[str] | None = None,
        procedure: str | None = None,
    ) -> list[Suggestion]:
        """Title suggestions for a prefix typed so far, best first (none for a blank prefix; the prefix
        is cut to MAX_PREFIX_CHARS); ``procedure``: only titles of documents that apply to it."""
        if not isinstance(prefix, str):
            raise SearchQueryError("prefix must be a string")
        if not _is_int(limit) or not 1 <= limit <= MAX_SUGGEST_LIMIT:
            raise SearchQueryError(f"limit must be an integer between 1 and {MAX_SUGGEST_LIMIT}")
        check_procedure(procedure)
        if not prefix.strip():
            return []
        prefix = prefix[:MAX_PREFIX_CHARS]
        return self._suggest(prefix, limit=limit, locale=_keys(locale), procedure=procedure)

    @abstractmethod
    def _search(
        self,
        q: str,
        *,
        kind: str | None,
        tag: str | None,
        locale: Keys,
        page: int,
        per_page: int,
        languages: Sequence[str] | None = None,
        type: str | None = None,
        procedure: str | None = None,
    ) -> SearchResult:
        """:meth:`search` with checked paging, kind, type and procedure, ``locale`` as a tuple of keys (or
        None); ``q`` is checked by :func:`kb.search.common.parsing.parse`, which every backend calls."""

    @abstractmethod
    def _suggest(
        self, prefix: str, *, limit: int, locale: Keys, procedure: str | None = None
    ) -> list[Suggestion]:
        """:meth:`suggest` for a non-blank prefix of at most MAX_PREFIX_CHARS, a checked limit and
        procedure."""

    @abstractmethod
    def health(self) -> dict:
        """``{"ok": bool, "documents": int, "last_commit_at": datetime | None, "detail": str | None}``."""

    @abstractmethod
    def ids(self) -> set[str]:
        """Every indexed document id (to compare with the database)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release open files; the backend reopens lazily if used again."""


Keys = tuple[str, ...] | None


def _keys(locale: str | Collection[str] | None) -> Keys:
    """A ``locale`` filter as a sorted tuple of keys (None: no filter)."""
    if locale is None:
        return None
    if isinstance(locale, str):
        return (locale,)
    return tuple(sorted(set(locale)))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_procedure(procedure: object) -> None:
    """Raise SearchQueryError unless ``procedure`` is None or a non-empty string (a procedure slug: one
    no document names matches nothing, as ``procedure=`` on the lists)."""
    if procedure is not None and (not isinstance(procedure, str) or not procedure):
        raise SearchQueryError("procedure must be a non-empty string (a procedure slug)")


def check_paging(page: int, per_page: int) -> None:
    """Raise SearchQueryError unless 1 <= page, 1 <= per_page <= MAX_PER_PAGE and the page lies within
    the first MAX_RESULT_WINDOW results."""
    if not _is_int(page) or page < 1:
        raise SearchQueryError("page must be an integer >= 1")
    if not _is_int(per_page) or not 1 <= per_page <= MAX_PER_PAGE:
        raise SearchQueryError(f"per_page must be an integer between 1 and {MAX_PER_PAGE}")
    if page * per_page > MAX_RESULT_WINDOW:
        raise SearchQueryError(f"page * per_page must be at most {MAX_RESULT_WINDOW}")
