"""The matching strategy both backends follow: no dead ends, one language's analysis per document.

1. A unit (word, phrase, multi-word synonym) that matches nothing is left out.
2. If some document matches every remaining unit, the results are those documents (all words).
3. Otherwise (Meilisearch's ``last`` strategy) documents are ranked by how many of the *leading* units
   they match (words are dropped from the end of the query until something matches), then by how
   many units they match, then by score; every document matching some unit is a result.
4. A query analysed in several languages (a locale chain) runs 1-3 once per language over the
   documents of that language; if any language found documents with every word, only those count.
5. A document whose urgent warning sign (an action in :data:`kb.search.base.URGENT_ACTIONS`) a unit
   matches ranks before the others: safety first.

``SearchResult.words`` reports what was used when some words were not (:func:`words_report`).
"""

from __future__ import annotations

from collections.abc import Sequence

from kb.search.common.parsing import Unit


def lead_of(flags: Sequence[bool]) -> int:
    """How many leading units a document matches (``flags``: whether it matches each unit)."""
    count = 0
    for flag in flags:
        if not flag:
            break
        count += 1
    return count


def words_report(units: Sequence[Unit], used: Sequence[bool]) -> dict[str, list[str]] | None:
    """``{"used": [...], "dropped": [...]}`` (folded words, query order) when some unit was not used,
    else None."""
    if all(used):
        return None
    out: dict[str, list[str]] = {"used": [], "dropped": []}
    for unit, flag in zip(units, used, strict=True):
        out["used" if flag else "dropped"].extend(unit.words)
    return out
