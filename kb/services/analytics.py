"""Search analytics for editors: searches and clicks counted per day, locale and normalised query.

Counting never waits for the database: each process adds to a dictionary in memory (one lock, a few
microseconds) and writes what it holds as one batch insert every ``KB_ANALYTICS_FLUSH_SECONDS``, after the
response that finds the batch due has been sent. A process that dies loses at most that interval's counts.

Nothing personal is kept: no address, token, user agent or session; the query is stored only normalised
(NFKC, case-folded, whitespace collapsed, at most 200 characters). A ``query_id`` names the query itself
(a hash of locale and normalised text), not a person or a request: the same search gets the same id,
so cached answers stay valid and clicks can be joined to their query without linking anyone's searches.
Suggest (keystrokes) is never counted; a search counts on its first page only.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import unicodedata
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, after_this_request, current_app, has_request_context

from kb.extensions import db
from kb.models.search_event import QUERY_ID_CHARS, QUERY_MAX_CHARS, SearchClick, SearchQueryCount

EXTENSION = "kb_analytics"
ANY_LOCALE = "any"  # searches made without a locale filter
STALE_FLUSH_SECONDS = 60  # a response that was never closed does not hold flushing up for longer
MAX_PENDING_KEYS = 50_000  # a flood of distinct queries cannot grow a worker's memory without bound
log = logging.getLogger(__name__)


def normalise(query: str) -> str:
    """The form a query is counted under: NFKC, case-folded, single spaces, at most 200 characters."""
    text = " ".join(unicodedata.normalize("NFKC", query).casefold().split())
    return text[:QUERY_MAX_CHARS]


def query_id(query: str, locale: str | None) -> str:
    """The id of a query: a hash of its locale and normalised text (the same for everyone)."""
    key = f"{locale or ANY_LOCALE}\x1f{normalise(query)}"
    return hashlib.sha256(key.encode()).hexdigest()[:QUERY_ID_CHARS]


SearchKey = tuple[date, str, str, str]  # day, locale, query_id, normalised query
ClickKey = tuple[date, str, str, int]  # day, query_id, slug, position


class Counts:
    """One process's counts not yet written, per app."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.searches: dict[SearchKey, list[int]] = defaultdict(lambda: [0, 0])
        self.clicks: dict[ClickKey, int] = defaultdict(int)
        self.last_flush = time.monotonic()
        self.flush_scheduled_at: float | None = None  # a flush waits for a response to close

    def take(
        self,
    ) -> tuple[dict[tuple[date, str, str, str], list[int]], dict[tuple[date, str, str, int], int]]:
        with self.lock:
            searches, clicks = self.searches, self.clicks
            self.searches = defaultdict(lambda: [0, 0])
            self.clicks = defaultdict(int)
            self.last_flush = time.monotonic()
            self.flush_scheduled_at = None
        return searches, clicks

    def full(self) -> bool:
        return len(self.searches) + len(self.clicks) >= MAX_PENDING_KEYS


def count_search(query: str, *, locale: str | None, total: int, page: int = 1, count: bool = True) -> str:
    """Count one search (first pages only, unless ``count`` is false) and return its ``query_id``."""
    qid = query_id(query, locale)
    if not count or page != 1 or not current_app.config["KB_ANALYTICS_ENABLED"]:
        return qid
    counts = _counts()
    key = (_today(), locale or ANY_LOCALE, qid, normalise(query))
    with counts.lock:
        if key in counts.searches or not counts.full():
            entry = counts.searches[key]
            entry[0] += 1
            entry[1] += total == 0
    _schedule_flush(counts)
    return qid


def count_click(*, query_id: str, slug: str, position: int) -> None:
    """Count one click on the hit ``slug`` shown at ``position`` for the query ``query_id``."""
    if not current_app.config["KB_ANALYTICS_ENABLED"]:
        return
    counts = _counts()
    key = (_today(), query_id, slug, position)
    with counts.lock:
        if key in counts.clicks or not counts.full():
            counts.clicks[key] += 1
    _schedule_flush(counts)


def flush(app: Flask | None = None) -> int:
    """Write this process's pending counts as one batch; return the number of rows written.

    With ``app`` (after a response is sent) in an app context of its own, else in the current session.
    """
    if app is None:
        return _write(current_app._get_current_object())  # type: ignore[attr-defined]
    with app.app_context():
        try:
            return _write(app)
        finally:
            db.session.remove()


def _write(app: Flask) -> int:
    searches, clicks = _counts(app).take()
    rows = [
        {"day": d, "locale": loc, "query_id": qid, "query": q, "searches": n, "no_results": zero}
        for (d, loc, qid, q), (n, zero) in searches.items()
    ]
    click_rows = [
        {"day": d, "query_id": qid, "slug": slug, "position": pos, "clicks": n}
        for (d, qid, slug, pos), n in clicks.items()
    ]
    if not rows and not click_rows:
        return 0
    try:
        if rows:
            db.session.execute(sa.insert(SearchQueryCount), rows)
        if click_rows:
            db.session.execute(sa.insert(SearchClick), click_rows)
        db.session.commit()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        log.warning("search analytics: counts not written, kept for the next flush", exc_info=True)
        _put_back(_counts(app), searches, clicks)
        return 0
    return len(rows) + len(click_rows)


def report(*, start: date, end: date, limit: int, locale: str | None = None) -> dict[str, Any]:
    """Top queries, no-result queries and click-through (by query and position) from ``start`` to ``end``."""
    flush()
    where = [SearchQueryCount.day >= start, SearchQueryCount.day <= end]
    if locale:
        where.append(SearchQueryCount.locale == locale)
    searched = sa.func.sum(SearchQueryCount.searches)
    empty = sa.func.sum(SearchQueryCount.no_results)
    rows = db.session.execute(
        sa.select(SearchQueryCount.query_id, SearchQueryCount.query, SearchQueryCount.locale, searched, empty)
        .where(*where)
        .group_by(SearchQueryCount.query_id, SearchQueryCount.query, SearchQueryCount.locale)
    ).all()
    queries = {
        qid: {"query": q, "query_id": qid, "locale": loc, "searches": int(n), "no_results": int(z)}
        for qid, q, loc, n, z in rows
    }
    clicks_by_query: dict[str, dict[int, int]] = defaultdict(dict)
    click_rows = db.session.execute(
        sa.select(SearchClick.query_id, SearchClick.position, sa.func.sum(SearchClick.clicks))
        .where(SearchClick.day >= start, SearchClick.day <= end)
        .group_by(SearchClick.query_id, SearchClick.position)
    ).all()
    by_position: dict[int, int] = defaultdict(int)
    for qid, position, n in click_rows:
        if qid in queries:  # clicks on queries of another locale, or never searched, are left out
            clicks_by_query[qid][position] = int(n)
            by_position[position] += int(n)
    for qid, item in queries.items():
        positions = clicks_by_query.get(qid, {})
        clicks = sum(positions.values())
        item["clicks"] = clicks
        item["clicks_per_search"] = round(clicks / item["searches"], 4) if item["searches"] else 0.0
        item["mean_click_position"] = (
            round(sum(p * n for p, n in positions.items()) / clicks, 2) if clicks else None
        )
        item["clicks_by_position"] = [{"position": p, "clicks": n} for p, n in sorted(positions.items())]
    ranked = sorted(queries.values(), key=lambda item: (-item["searches"], item["query"]))
    no_results = sorted(
        (item for item in queries.values() if item["no_results"]),
        key=lambda item: (-item["no_results"], item["query"]),
    )
    total_searches = sum(item["searches"] for item in ranked)
    total_clicks = sum(by_position.values())
    return {
        "start": start,
        "end": end,
        "locale": locale,
        "totals": {
            "searches": total_searches,
            "no_results": sum(item["no_results"] for item in ranked),
            "clicks": total_clicks,
            "clicks_per_search": round(total_clicks / total_searches, 4) if total_searches else 0.0,
        },
        "top_queries": ranked[:limit],
        "no_result_queries": [
            {key: item[key] for key in ("query", "query_id", "locale", "searches", "no_results")}
            for item in no_results[:limit]
        ],
        "clicks_by_position": [{"position": p, "clicks": n} for p, n in sorted(by_position.items())],
    }


def _counts(app: Flask | None = None) -> Counts:
    """This process's counts for ``app`` (the current app by default), created on first use."""
    extensions = (app or current_app).extensions
    counts: Counts = extensions.get(EXTENSION) or extensions.setdefault(EXTENSION, Counts())
    return counts


def _today() -> date:
    return datetime.now(UTC).date()


def _schedule_flush(counts: Counts) -> None:
    """Flush after the current response is sent, once the interval has passed (one flush at a time)."""
    due = time.monotonic() - counts.last_flush >= current_app.config["KB_ANALYTICS_FLUSH_SECONDS"]
    now = time.monotonic()
    waiting = counts.flush_scheduled_at is not None and now - counts.flush_scheduled_at < STALE_FLUSH_SECONDS
    if not due or waiting or not has_request_context():
        return
    counts.flush_scheduled_at = now
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @after_this_request
    def _after(response: Any) -> Any:
        response.call_on_close(lambda: flush(app))
        return response


def _put_back(counts: Counts, searches: dict, clicks: dict) -> None:
    with counts.lock:
        for key, (n, zero) in searches.items():
            if key in counts.searches or not counts.full():
                entry = counts.searches[key]
                entry[0] += n
                entry[1] += zero
        for key, n in clicks.items():
            if key in counts.clicks or not counts.full():
                counts.clicks[key] += n
