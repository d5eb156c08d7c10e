"""InstantSearch's requests answered with Algolia-shaped results, by kb's search service.

Mapping (Algolia -> kb): ``query`` -> ``q``; ``page`` (0-based) -> ``page`` (1-based); ``hitsPerPage`` ->
``per_page`` (0 asks for facets only); ``facetFilters`` on ``kind``, ``tags`` and ``type`` (entry or
article; a kind keeps entries only, as on ``/search``), and on ``procedure`` (what applies to that
procedure, as ``procedure=`` on ``/search``; a filter only, not a facet that is counted): AND across the
outer list, OR inside an inner list; highlights come back between ``highlightPreTag``/``highlightPostTag``
around raw (unescaped) text, as Algolia sends them: the page escapes (InstantSearch.js does).

The search service filters on one kind, one tag, one type and one procedure. A query with several
values OR'ed in one facet (or several tags or procedures AND'ed) is answered by searching with the
filters it can apply, gathering up to ``GATHER_LIMIT`` matches and filtering them here (kinds and types
from the hits, tags and procedures from the live entries and articles); beyond that limit the counts
are a lower bound and ``exhaustiveNbHits`` says so. An empty query lists the published entries by
title (like Meilisearch's placeholder search), so a page shows results before anyone types; articles
are found by searching (``type:article`` alone lists nothing). Every answer is along the request's
locale chain, as for ``/search``: each hit in its best published translation, with its ``locale``.
"""

from __future__ import annotations

import html
import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from kb.errors import BadRequestError, ValidationFailed
from kb.extensions import db
from kb.models import KINDS, LiveArticle, LiveEntry, LiveEntryProcedure, LiveEntryTag
from kb.search.base import TYPES
from kb.services import analytics, localized
from kb.services import search as search_service

FACETS = ("kind", "tags", "type")
FILTERS = (*FACETS, "procedure")  # what facetFilters may name: the facets, and procedure (never counted)
MANY_VALUED = ("tags", "procedure")  # a document has several: AND groups of them do not intersect
GATHER_PAGE = 100
GATHER_LIMIT = 1000  # matches gathered for an OR within a facet
MAX_FACET_VALUES = 1000
OPTIONAL_HIT_FIELDS = ("type", "urgent", "action", "section")  # passed on when the search service gives them
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


@dataclass
class Filters:
    """Values allowed per facet: a document matches when, for every group, it has one of its values."""

    groups: list[tuple[str, frozenset[str]]] = field(default_factory=list)
    # OR groups that name several facets (``["kind:technique", "tags:hygiene"]``): (facet, value) pairs
    mixed: list[frozenset[tuple[str, str]]] = field(default_factory=list)

    def values(self, facet: str) -> set[str] | None:
        """The values a single-valued facet (kind, type) is restricted to, or None; several groups of
        one facet intersect (a document has one kind)."""
        allowed: set[str] | None = None
        for name, values in self.groups:
            if name == facet:
                allowed = set(values) if allowed is None else allowed & values
        known = {"kind": KINDS, "type": TYPES}.get(facet)
        if known is not None and allowed is not None:
            allowed &= set(known)  # an unknown value matches nothing, as on Algolia
        return allowed

    def required(self, facet: str) -> str | None:
        """A value of a many-valued facet (tags, procedure) every match has (an AND group of that one
        value), for the search to filter on; the other groups are applied to what it finds."""
        return next((next(iter(v)) for name, v in self.groups if name == facet and len(v) == 1), None)

    def searchable(self) -> bool:
        """Whether the search service applies these filters exactly: one value per group, no mixed
        group, and at most one group of each many-valued facet."""
        many = [name for name, _ in self.groups if name in MANY_VALUED]
        one_each = len(many) == len(set(many))
        return one_each and not self.mixed and all(len(values) == 1 for _, values in self.groups)

    def procedures(self) -> set[str]:
        """Every procedure the filters name."""
        named = {value for name, values in self.groups if name == "procedure" for value in values}
        return named | {value for group in self.mixed for name, value in group if name == "procedure"}

    def matches(
        self, kind: str | None, tags: Iterable[str], type: str = "entry", procedures: Iterable[str] = ()
    ) -> bool:
        values_of = {"kind": {kind}, "tags": set(tags), "type": {type}, "procedure": set(procedures)}
        for name, values in self.groups:
            if not values & values_of[name]:
                return False
        return all(any(value in values_of[name] for name, value in group) for group in self.mixed)


@dataclass
class Answer:
    hits: list[dict[str, Any]]  # as the search service gives them (slug, kind, title, summary, locale ...)
    total: int
    facets: dict[str, Counter[str]]
    exhaustive: bool = True
    suggestion: str | None = None
    facets_exact: bool = True  # False: the backend estimated the facet counts (very many matches)


def multi_search(
    requests: list[dict[str, Any]], *, chain: Sequence[str], locale: str | None = None
) -> dict[str, Any]:
    """``{"results": [...]}``, one Algolia-shaped result per request, in order, served along ``chain``
    (``locale``: the language the client asked for, as the analytics count it)."""
    return {"results": [_one(index, request, chain, locale) for index, request in enumerate(requests)]}


def facet_values(requests: list[dict[str, Any]], *, chain: Sequence[str]) -> dict[str, Any]:
    """``{"results": [{facetHits, exhaustiveFacetsCount, processingTimeMS}]}`` per request."""
    results = []
    for index, request in enumerate(requests):
        started = time.perf_counter()
        params = request["params"]
        facet, prefix = params["facetName"], params["facetQuery"]
        _check_facets([facet, *params["facets"]], index)
        filters = parse_filters(params["facetFilters"], index)
        answer = _answer(params["query"], filters, page=1, per_page=1, chain=chain, index=index)
        pre, post = params["highlightPreTag"], params["highlightPostTag"]
        matching = [
            (value, count, span)
            for value, count in answer.facets[facet].items()
            if (span := _prefix_span(value, prefix)) is not None
        ]
        matching.sort(key=lambda item: (-item[1], item[0]))
        hits = [
            {"value": value, "highlighted": _highlight_span(value, span, pre, post), "count": count}
            for value, count, span in matching[: params["maxFacetHits"]]
        ]
        results.append(
            {
                "facetHits": hits,
                "exhaustiveFacetsCount": answer.exhaustive and answer.facets_exact,
                "processingTimeMS": _elapsed_ms(started),
            }
        )
    return {"results": results}


def parse_filters(raw: Any, index: int) -> Filters:
    """Algolia ``facetFilters``: a string, or a list of strings and lists of strings (OR inside)."""
    if raw in (None, "", []):
        return Filters()
    groups = raw if isinstance(raw, list) else [raw]
    filters = Filters()
    for group in groups:
        members = group if isinstance(group, list) else [group]
        parsed = [_parse_filter(member, index) for member in members]
        names = {name for name, _ in parsed}
        if len(names) > 1:
            filters.mixed.append(frozenset(parsed))
        elif parsed:
            filters.groups.append((names.pop(), frozenset(value for _, value in parsed)))
    return filters


def _one(index: int, request: dict[str, Any], chain: Sequence[str], locale: str | None) -> dict[str, Any]:
    started = time.perf_counter()
    params = request["params"]
    wanted = _check_facets(params["facets"], index)
    filters = parse_filters(params["facetFilters"], index)
    per_page = params["hitsPerPage"]
    page = params["page"]
    answer = _answer(
        params["query"], filters, page=page + 1, per_page=max(per_page, 1), chain=chain, index=index
    )
    counted = per_page > 0 and page == 0 and params["analytics"] is not False and params["query"].strip()
    query_id = analytics.count_search(
        params["query"] or "", locale=locale, total=answer.total, count=bool(counted)
    )
    hits = answer.hits[:per_page] if per_page else []
    tags = _tags_of(hits)
    pre, post = params["highlightPreTag"], params["highlightPostTag"]
    limit = params["maxValuesPerFacet"]
    return {
        "hits": [_hit(hit, tags.get(_key(hit), []), pre, post) for hit in hits],
        "nbHits": answer.total,
        "page": page,
        "nbPages": math.ceil(answer.total / per_page) if per_page else 0,
        "hitsPerPage": per_page,
        "processingTimeMS": _elapsed_ms(started),
        "query": params["query"],
        "params": urlencode(
            {"query": params["query"], "page": page, "hitsPerPage": per_page, "facets": ",".join(wanted)}
        ),
        "index": request["indexName"],
        "exhaustiveNbHits": answer.exhaustive,
        "exhaustiveFacetsCount": answer.exhaustive and answer.facets_exact,
        "facets": {name: dict(answer.facets[name].most_common(limit)) for name in wanted},
        "queryID": query_id,
        "suggestion": answer.suggestion,
    }


def _answer(
    query: str, filters: Filters, *, page: int, per_page: int, chain: Sequence[str], index: int
) -> Answer:
    kinds, types = filters.values("kind"), filters.values("type")
    if (kinds is not None and not kinds) or (types is not None and not types):
        return Answer(hits=[], total=0, facets={name: Counter() for name in FACETS})
    if not query.strip():
        return _browse(filters, page=page, per_page=per_page, chain=chain)
    if filters.searchable():
        result = _search(
            query,
            index,
            page=page,
            per_page=per_page,
            kind=next(iter(kinds)) if kinds else None,
            tag=filters.required("tags"),
            type=next(iter(types)) if types else None,
            procedure=filters.required("procedure"),
            chain=chain,
        )
        facets = {name: Counter(result.extra["facets"].get(name, {})) for name in FACETS}
        return Answer(
            result.items,
            result.total,
            facets,
            suggestion=result.meta.get("suggestion"),
            facets_exact=not result.meta.get("facets_estimated", False),
        )
    return _gather(query, filters, page=page, per_page=per_page, chain=chain, index=index)


def _gather(
    query: str, filters: Filters, *, page: int, per_page: int, chain: Sequence[str], index: int
) -> Answer:
    """Search with the single-valued filters, then apply the OR'ed ones here (see the module docstring)."""
    single: dict[str, str | None] = {}
    for name in ("kind", "type"):
        values = filters.values(name)
        single[name] = next(iter(values)) if values and len(values) == 1 else None
    single["tag"], single["procedure"] = filters.required("tags"), filters.required("procedure")
    gathered: list[dict[str, Any]] = []
    total = 0
    suggestion = None
    for number in range(1, GATHER_LIMIT // GATHER_PAGE + 1):
        result = _search(query, index, page=number, per_page=GATHER_PAGE, chain=chain, **single)
        total = result.total
        suggestion = suggestion or result.meta.get("suggestion")
        gathered.extend(result.items)
        if number * GATHER_PAGE >= total:
            break
    tags_of = _tags_of(gathered)
    procedures_of = _procedures_of(gathered) if filters.procedures() else {}
    kept = [
        hit
        for hit in gathered
        if filters.matches(
            hit["kind"], tags_of.get(_key(hit), []), hit["type"], procedures_of.get(_key(hit), [])
        )
    ]
    facets = {
        "kind": Counter(hit["kind"] for hit in kept if hit["kind"] is not None),
        "tags": Counter(),
        "type": Counter(hit["type"] for hit in kept),
    }
    for hit in kept:
        facets["tags"].update(tags_of.get(_key(hit), []))
    start = (page - 1) * per_page
    return Answer(kept[start : start + per_page], len(kept), facets, len(gathered) >= total, suggestion)


def _browse_filter(values: dict[str, Any]) -> Any:
    """Entries whose kind, or one of whose tags or procedures, is among ``values``, or any entry when
    ``entry`` is among the types (OR across the facets given)."""
    conditions: list[Any] = [sa.true()] if "entry" in values.get("type", ()) else []
    if kinds := values.get("kind"):
        conditions.append(LiveEntry.kind.in_(kinds))
    if tags := values.get("tags"):
        tagged = sa.select(LiveEntryTag.entry_id).where(LiveEntryTag.tag.in_(tags))
        conditions.append(LiveEntry.entry_id.in_(tagged))
    if procedures := values.get("procedure"):
        attached = sa.select(LiveEntryProcedure.entry_id).where(LiveEntryProcedure.procedure.in_(procedures))
        conditions.append(LiveEntry.entry_id.in_(attached))
    return sa.or_(*conditions) if conditions else sa.false()


def _browse(filters: Filters, *, page: int, per_page: int, chain: Sequence[str]) -> Answer:
    """Every entry served along ``chain`` matching the filters, by its served title (the empty query)."""
    where: list[Any] = [localized.served_locale("entry", chain).is_not(None)]
    for name, values in filters.groups:
        where.append(_browse_filter({name: values}))
    for group in filters.mixed:
        by_facet: dict[str, set[str]] = {}
        for name, value in group:
            by_facet.setdefault(name, set()).add(value)
        where.append(_browse_filter(by_facet))
    ids = sa.select(LiveEntry.entry_id).where(*where)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ids.subquery())) or 0
    rows = db.session.scalars(
        sa.select(LiveEntry)
        .where(*where)
        .order_by(localized.served("entry", chain, "title"), LiveEntry.slug)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    kinds = db.session.execute(
        sa.select(LiveEntry.kind, sa.func.count()).where(*where).group_by(LiveEntry.kind)
    )
    tags = db.session.execute(
        sa.select(LiveEntryTag.tag, sa.func.count())
        .where(LiveEntryTag.entry_id.in_(ids))
        .group_by(LiveEntryTag.tag)
    )
    hits = [
        {name: view[name] for name in ("slug", "kind", "title", "summary", "locale")}
        | {"score": 0.0, "type": "entry"}
        for view in localized.entries(list(rows), chain)
    ]
    facets = {
        "kind": Counter(dict(kinds.all())),
        "tags": Counter(dict(tags.all())),
        "type": Counter({"entry": total} if total else {}),
    }
    return Answer(hits, total, facets)


def _search(query: str, index: int, **args: Any) -> Any:
    try:
        return search_service.search(q=query, count=False, **args)
    except BadRequestError as exc:
        raise _bad(index, "query", exc.detail.removeprefix("Invalid query parameter: q. ")) from exc


def _key(hit: dict[str, Any]) -> tuple[str, str]:
    """A hit's identity: an entry and an article may share a slug."""
    return hit.get("type", "entry"), hit["slug"]


def _tags_of(hits: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """The tags of the hits' live entries and articles, by :func:`_key`."""
    tags: dict[tuple[str, str], list[str]] = {}
    entries = {hit["slug"] for hit in hits if _key(hit)[0] == "entry"}
    if entries:
        rows = db.session.execute(
            sa.select(LiveEntry.slug, LiveEntryTag.tag)
            .join(LiveEntryTag, LiveEntryTag.entry_id == LiveEntry.entry_id)
            .where(LiveEntry.slug.in_(entries))
            .order_by(LiveEntry.slug, LiveEntryTag.tag)
        )
        for slug, tag in rows:
            tags.setdefault(("entry", slug), []).append(tag)
    articles = {hit["slug"] for hit in hits if _key(hit)[0] == "article"}
    if articles:
        for slug, article_tags in db.session.execute(
            sa.select(LiveArticle.slug, LiveArticle.tags).where(LiveArticle.slug.in_(articles))
        ):
            tags[("article", slug)] = sorted(dict.fromkeys(article_tags))
    return tags


def _procedures_of(hits: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """The procedures the hits' live entries and articles apply to, by :func:`_key`."""
    found: dict[tuple[str, str], list[str]] = {}
    for type_, model in (("entry", LiveEntry), ("article", LiveArticle)):
        slugs = {hit["slug"] for hit in hits if _key(hit)[0] == type_}
        if slugs:
            rows = db.session.execute(sa.select(model.slug, model.procedures).where(model.slug.in_(slugs)))
            found.update({(type_, slug): list(procedures or []) for slug, procedures in rows})
    return found


def _hit(hit: dict[str, Any], tags: list[str], pre: str, post: str) -> dict[str, Any]:
    highlights = hit.get("highlights") or {}
    item: dict[str, Any] = {
        "objectID": hit["slug"],
        "slug": hit["slug"],
        "kind": hit["kind"],
        "title": hit["title"],
        "summary": hit["summary"],
        "locale": hit["locale"],
        "tags": tags,
        "highlight_result": {
            "title": _highlight(highlights.get("title"), hit["title"], pre, post),
            "summary": _highlight(highlights.get("summary"), hit["summary"], pre, post),
        },
    }
    for name in OPTIONAL_HIT_FIELDS:
        if hit.get(name) is not None:
            item[name] = hit[name]
    return item


def _highlight(marked: str | None, plain: str, pre: str, post: str) -> dict[str, Any]:
    """Algolia's ``{value, matchLevel, matchedWords}`` from kb's escaped ``<mark>`` HTML."""
    if not marked or "<mark>" not in marked:
        return {"value": plain, "matchLevel": "none", "matchedWords": []}
    words: list[str] = []
    parts: list[str] = []
    position = 0
    for match in _MARK.finditer(marked):
        parts.append(html.unescape(marked[position : match.start()]))
        word = html.unescape(match.group(1))
        words.append(word.lower())
        parts.append(f"{pre}{word}{post}")
        position = match.end()
    parts.append(html.unescape(marked[position:]))
    return {"value": "".join(parts), "matchLevel": "full", "matchedWords": sorted(set(words))}


def _prefix_span(value: str, prefix: str) -> tuple[int, int] | None:
    """Where ``prefix`` starts ``value`` or one of its words (split on spaces and hyphens), or None."""
    if not prefix:
        return (0, 0)
    lowered, wanted = value.lower(), prefix.lower()
    for match in re.finditer(r"[^\s\-_]+", lowered):
        if lowered.startswith(wanted, match.start()):
            return (match.start(), match.start() + len(wanted))
    return None


def _highlight_span(value: str, span: tuple[int, int], pre: str, post: str) -> str:
    start, end = span
    if start == end:
        return value
    return f"{value[:start]}{pre}{value[start:end]}{post}{value[end:]}"


def _check_facets(names: list[str], index: int) -> list[str]:
    if "*" in names:
        return list(FACETS)
    unknown = [name for name in names if name not in FACETS]
    if unknown:
        raise _bad(index, "facets", f"unknown facet {unknown[0]!r}; the facets are {', '.join(FACETS)}")
    return list(dict.fromkeys(names))


def _parse_filter(raw: Any, index: int) -> tuple[str, str]:
    if not isinstance(raw, str) or ":" not in raw:
        raise _bad(index, "facetFilters", f"expected 'facet:value' strings, got {raw!r}"[:200])
    name, _, value = raw.partition(":")
    if name not in FILTERS:
        known = ", ".join(FILTERS)
        raise _bad(index, "facetFilters", f"unknown facet {name!r}; the filters are on {known}"[:200])
    if value.startswith("-") or not value:
        raise _bad(index, "facetFilters", "negated or empty facet filters are not supported")
    return name, value


def _bad(index: int, name: str, message: str) -> ValidationFailed:
    """422, like every invalid body, with the message under the field's path."""
    return ValidationFailed(
        f"Invalid body: requests[{index}].params.{name}. {message}",
        errors={"requests": {str(index): {"params": {name: [message]}}}},
    )


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
