"""Public search and suggestions, over the live content the index holds."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from flask import request

from kb.errors import BadRequestError
from kb.search import SearchQueryError, Suggestion
from kb.services import indexing
from kb.services.pages import Page


def search(
    *,
    q: str,
    page: int,
    per_page: int,
    kind: str | None = None,
    tag: str | None = None,
    locale: str | None = None,
) -> Page:
    started = time.perf_counter()
    try:
        result = indexing.backend().search(q, kind=kind, tag=tag, locale=locale, page=page, per_page=per_page)
    except SearchQueryError as exc:
        raise BadRequestError(f"Invalid query parameter: q. {exc}", errors={"q": [str(exc)]}) from exc
    took_ms = round((time.perf_counter() - started) * 1000, 2)
    return Page(
        items=result.hits,
        page=page,
        per_page=per_page,
        total=result.total,
        meta={"took_ms": took_ms, "suggestion": result.suggestion},
        extra={"facets": result.facets},
    )


def suggest(*, q: str, limit: int, locale: str | None = None) -> dict[str, list[Suggestion]]:
    try:
        return {"data": indexing.backend().suggest(q, limit=limit, locale=locale)}
    except SearchQueryError as exc:
        raise BadRequestError(f"Invalid query parameter: q. {exc}", errors={"q": [str(exc)]}) from exc


def etag() -> str:
    """Results depend only on the query and the index state: hash the two (timings left out)."""
    state: dict[str, Any] = indexing.backend().health()
    key = f"{state.get('last_commit_at')}|{state.get('documents')}|{request.full_path}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]
