"""Public search and suggestions, over the live content the index holds (entries and articles), along a
locale chain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kb.errors import BadRequestError
from kb.search import SearchQueryError
from kb.search.common.text import clean_control
from kb.services import analytics, indexing, search_locales
from kb.services.pages import Page

NO_FACETS: dict[str, dict[str, int]] = {"kind": {}, "tags": {}, "type": {}}


def search(
    *,
    q: str,
    page: int,
    per_page: int,
    chain: Sequence[str],
    kind: str | None = None,
    tag: str | None = None,
    type: str | None = None,
    locale: str | None = None,
    procedure: str | None = None,
    count: bool = True,
) -> Page:
    """Entries and articles served along ``chain`` (each in its best published translation) matching
        ``q``: one page, each hit with its ``type`` and the ``locale`` it is served in, an article's with its
        best matching ``section``. ``type`` keeps one type; ``kind`` entries of that kind only; ``procedure``
    what applies to that procedure (a slug no content names finds nothing, as on the lists). ``locale``
        is the language the client asked for (None when it did not say), as the analytics count it;
        ``count=False`` leaves the query out of them (helper queries, facets)."""
    if not clean_control(q).strip():
        # Nothing to search for (spaces, control characters): no results, as for a query of punctuation.
        # The document allows any 1-500 characters, so this is not a client error.
        meta = {
            "suggestion": None,
            "query_id": analytics.query_id(q, locale=locale),
            "facets_estimated": False,
        }
        return Page(items=[], page=page, per_page=per_page, total=0, meta=meta, extra={"facets": NO_FACETS})
    keys = search_locales.keys_for(chain)
    try:
        result = indexing.backend().search(
            q,
            kind=kind,
            tag=tag,
            type=type,
            procedure=procedure,
            locale=keys,
            page=page,
            per_page=per_page,
            languages=list(chain),  # each served document matched by its own language's analysis
        )
    except SearchQueryError as exc:
        raise BadRequestError(f"Invalid query parameter: q. {exc}", errors={"q": [str(exc)]}) from exc
    return Page(
        items=[_shown(hit) for hit in search_locales.with_locale(result.hits, chain)],
        page=page,
        per_page=per_page,
        total=result.total,
        meta={
            "suggestion": result.suggestion,
            "query_id": analytics.count_search(q, locale=locale, total=result.total, page=page, count=count),
            "facets_estimated": result.facets_estimated,
            **({"words": result.words} if result.words else {}),
        },
        extra={"facets": result.facets},
    )


def _shown(hit: dict[str, Any]) -> dict[str, Any]:
    """A hit as the API shows it: an entry's as before articles were searchable (no ``section``)."""
    if hit["type"] == "entry":
        hit.pop("section", None)
    return hit


def suggest(
    *, q: str, limit: int, chain: Sequence[str], procedure: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Titles of entries and articles served along ``chain`` for what the user typed, each with its
    ``type`` and ``locale``; ``procedure``: only of what applies to that procedure."""
    try:
        keys = search_locales.keys_for(chain)
        found = indexing.backend().suggest(q, limit=limit, locale=keys, procedure=procedure)
    except SearchQueryError as exc:
        raise BadRequestError(f"Invalid query parameter: q. {exc}", errors={"q": [str(exc)]}) from exc
    return {"data": search_locales.with_locale(found, chain)}
