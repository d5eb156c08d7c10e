"""Full-text search behind one small interface; backends are chosen by name and imported lazily.

``base`` is the interface (:class:`SearchBackend`), its result types, errors and limits; ``common/``
is the code both backends use; ``whoosh/`` (the default) and ``postgres/`` are the backends, each
importing only ``base`` and ``common`` of the rest (checked by ``lint-imports``).
"""

from __future__ import annotations

from importlib import import_module

from kb.search.base import (
    IndexBusyError,
    SearchBackend,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchQueryError,
    SearchResult,
    SearchSection,
    SectionRef,
    Suggestion,
)

__all__ = [
    "IndexBusyError",
    "SearchBackend",
    "SearchDocument",
    "SearchError",
    "SearchHit",
    "SearchQueryError",
    "SearchResult",
    "SearchSection",
    "SectionRef",
    "Suggestion",
    "get_backend_class",
]

_BACKENDS = {
    "whoosh": ("kb.search.whoosh.backend", "WhooshBackend"),
    "postgres": ("kb.search.postgres.backend", "PostgresBackend"),
}


def get_backend_class(name: str) -> type[SearchBackend]:
    """Return the backend class registered as ``name`` (imported on first use); ValueError if unknown."""
    try:
        module_name, class_name = _BACKENDS[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(_BACKENDS))
        raise ValueError(f"unknown search backend {name!r} (known: {known})") from None
    return getattr(import_module(module_name), class_name)
