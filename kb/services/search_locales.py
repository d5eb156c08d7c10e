"""Search along a locale chain: one document per published translation, and the filter that keeps,
for each entry or article, only the translation a reader of that chain is served.

Each document's ``locale`` is a key ``<its locale>|<published locales of its entry or article>``
(supported ones, sorted). For a chain ``c1, c2, ...`` a document in ``ci`` is served exactly when its
entry has no published translation in ``c1 .. c(i-1)``; :func:`keys_for` lists every key that passes, so
one filtered query gives the served documents, their totals and their facets. Articles' documents are
made by :mod:`kb.services.search_articles`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import Any

import sqlalchemy as sa

from kb.extensions import db
from kb.models import LiveArticle, LiveEntry, LiveTranslation
from kb.search import SearchDocument
from kb.search.base import TYPES, URGENT_ACTIONS
from kb.search.common.text import flatten_details, urgent_warnings
from kb.services import locales
from kb.services import translation_text as tt


def key(locale: str, published: Iterable[str]) -> str:
    return f"{locale}|{','.join(sorted(set(published)))}"


def keys_for(chain: Sequence[str]) -> list[str]:
    """Every document key a reader of ``chain`` is served."""
    supported = locales.supported()
    found: list[str] = []
    for i, tag in enumerate(chain):
        others = [s for s in supported if s != tag and s not in chain[:i]]
        for n in range(len(others) + 1):
            for extra in combinations(others, n):
                found.append(key(tag, (tag, *extra)))
    return found


def document_id(entry_id: uuid.UUID, locale: str) -> str:
    """The search document id of an entry's (or article's) translation in ``locale`` (stable, so it
    can be removed)."""
    return str(uuid.uuid5(entry_id, locale))


def translation_ids(entry_id: uuid.UUID, *, keep: Iterable[str] = ()) -> list[str]:
    """Document ids of the entry's translations in every supported locale but ``keep``."""
    kept = set(keep)
    return [document_id(entry_id, tag) for tag in locales.supported() if tag not in kept]


def live_translations(
    ids: Sequence[uuid.UUID], object_type: str = "entry"
) -> dict[uuid.UUID, dict[str, LiveTranslation]]:
    found: dict[uuid.UUID, dict[str, LiveTranslation]] = {}
    if ids:
        query = sa.select(LiveTranslation).where(
            LiveTranslation.object_type == object_type, LiveTranslation.object_id.in_(list(ids))
        )
        for tr in db.session.scalars(query):
            found.setdefault(tr.object_id, {})[tr.locale] = tr
    return found


def documents(entry: LiveEntry, translations: dict[str, LiveTranslation]) -> list[SearchDocument]:
    """The source's document and one per live translation, each in its own language."""
    supported = set(locales.supported())
    published = {entry.locale, *translations} & supported
    docs = [_document(entry, str(entry.entry_id), entry.locale, published, None)]
    docs += [
        _document(entry, document_id(entry.entry_id, tag), tag, published, tr)
        for tag, tr in translations.items()
    ]
    return docs


def search_analysis(language: str, details: object) -> dict[str, Any]:
    """What a document needs for per-language analysis and safety-first ranking (issues 11 and 13):
    the language its text is analysed in and its urgent warning signs (``details`` as served in that
    language: a translation's signs in its own words, with the source's actions)."""
    return {
        "language": language or locales.default_locale(),
        "urgent": urgent_warnings(details, URGENT_ACTIONS),
    }


def _document(
    entry: LiveEntry, doc_id: str, locale: str, published: set[str], tr: LiveTranslation | None
) -> SearchDocument:
    title, summary, body, details = entry.title, entry.summary, entry.body, entry.details
    if tr is not None:
        spec = tt.entry_spec(entry.kind)
        title, summary, body = tr.text["title"], tr.text["summary"], tr.text["body"]
        details = tt.overlay(spec["details"], entry.details, tr.text["details"])
    return SearchDocument(
        id=doc_id,
        slug=entry.slug,
        kind=entry.kind,
        title=title,
        summary=summary,
        tags=list(entry.tags),
        locale=key(locale, published),
        details=flatten_details(details),
        body=body,
        updated_at=tr.updated_at if tr is not None else entry.updated_at,
        procedures=tuple(entry.procedures or ()),  # structure: every translation shares its entry's
        **search_analysis(locale, details),
    )


def served_locales(slugs: Sequence[str], chain: Sequence[str], object_type: str = "entry") -> dict[str, str]:
    """The locale each of ``slugs`` (of entries, or of articles) is served in along ``chain`` (for the
    hits a search returns)."""
    if not slugs:
        return {}
    model: Any = LiveArticle if object_type == "article" else LiveEntry
    lives = list(db.session.scalars(sa.select(model).where(model.slug.in_(list(slugs)))))
    others = live_translations([live.id for live in lives], object_type)
    served: dict[str, str] = {}
    for live in lives:
        published = {live.locale, *others.get(live.id, {})}
        served[live.slug] = next((tag for tag in chain if tag in published), live.locale)
    return served


def with_locale(items: list[Any], chain: Sequence[str]) -> list[dict[str, Any]]:
    """Hits or suggestions as dicts, each with the ``locale`` it was served in."""
    served = {
        object_type: served_locales([i.slug for i in items if i.type == object_type], chain, object_type)
        for object_type in TYPES
    }
    return [{**vars(item), "locale": served[item.type].get(item.slug, chain[0])} for item in items]
