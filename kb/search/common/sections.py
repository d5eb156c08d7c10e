"""Which section of an article hit matches the query best, by one rule both backends follow.

A section scores ``HEADING_WEIGHT`` for each of the query's stems its heading holds plus 1 for each its
body holds; the best is the highest score, the earliest on a tie; none when no section holds a stem
(the article matched by its title or summary only). The PostgreSQL backend runs the same rule in SQL
(:func:`kb.search.postgres.sql.page_sql`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

HEADING_WEIGHT = 2


def best_section(
    sections: Sequence[tuple[str, str]], stems: Collection[str], analyze: Callable[[str], Collection[str]]
) -> int | None:
    """The index of the best of ``sections`` (``(heading, body text)`` pairs) for the query's ``stems``,
    each text analysed into stems by ``analyze``; None when no section holds any of them."""
    wanted = set(stems)
    if not wanted:
        return None
    best, best_score = None, 0
    for i, (heading, body) in enumerate(sections):
        score = HEADING_WEIGHT * len(wanted.intersection(analyze(heading))) + len(
            wanted.intersection(analyze(body))
        )
        if score > best_score:
            best, best_score = i, score
    return best
