"""The SQL of one search: match, rank, count, facets, and the hits of one page with highlights.

Matching uses the GIN index of ``tsv`` (words, phrases, synonyms, typos, completions). Ranking has
two passes, like a search engine's rescoring: every match gets a cheap ``ts_rank`` over ``tsv_head``
(title, summary, tags, details: a small vector kept in the row), then the best
:data:`RESCORE_WINDOW` get the real score: per unit and per part (exact, synonyms, typos, completions)
``ts_rank_cd`` over the full weighted ``tsv`` times the part's factor, summed. Pages inside the window
follow the real score, deeper pages the first pass. The full vector is read once per rescored row (not
once per ``ts_rank_cd`` call).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from kb.search.base import SearchHit, SectionRef
from kb.search.common.highlight import ELLIPSIS, MARK_CLOSE, MARK_OPEN
from kb.search.common.languages import DEFAULT_LANGUAGE
from kb.search.common.ranking import FIELD_BOOSTS
from kb.search.common.sections import HEADING_WEIGHT
from kb.search.postgres.ddl import DOCUMENTS, config_for, escaped
from kb.search.postgres.query import UnitQuery, any_of, quote

# ts_rank weights for {D, C, B, A} = body, details, summary + tags, title: the field boosts 1 : 1.5 : 3 : 6.
WEIGHTS = [FIELD_BOOSTS[f] / FIELD_BOOSTS["title"] for f in ("body", "details", "summary", "title")]
RANK_NORMALIZATION = 1  # divide by 1 + log(document length): long bodies do not win by length alone
RESCORE_WINDOW = 100
# Facets are exact up to this many matches (per facet, after the filters it applies); beyond, each is
# counted over the first FACET_CAP of them and scaled (an estimate, which the result says).
FACET_CAP = 2000
TITLE_OPTIONS = f"HighlightAll=true, StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}"
FRAGMENT_OPTIONS = f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords=35, MinWords=15, MaxFragments=1"
_WORD = re.compile(r"\w")


# Not ``=``: the language btree would then be chosen whenever most rows match (one language is the
# usual case), and its rows filtered by reading the full, TOASTed ``tsv`` of each; the GIN index answers
# the match without reading it.
_LANGUAGE = " AND d.language IS NOT DISTINCT FROM %(language)s"
_ORDER = "urgent DESC, lead DESC, matched DESC, coarse DESC, id"  # safety first, then Meilisearch's last


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    tag: str | None = None
    locale: tuple[str, ...] | None = None  # any of these keys
    type: str | None = None  # entry | article
    procedure: str | None = None  # a procedure slug the documents apply to (a scope, like locale)
    language: str = DEFAULT_LANGUAGE  # the analysis language whose documents are searched


class SearchSQL:
    """Statements over one list of units; ``mode`` "and" needs every unit, "or" any (ranked by count).

    Each condition is one tsquery on ``tsv`` that its GIN index answers exactly (the full vector is never
    read to recheck a row), plus the phrase tests on the small ``tsv_head``; in "or" mode the units
    each row matched are counted with one hashed id set per unit, again from the index alone.
    """

    def __init__(self, units: list[UnitQuery], mode: str, filters: Filters, cap: int = FACET_CAP):
        self.units = units
        self.cap = int(cap)
        self.mode = mode
        self.filters = filters
        self.params: dict[str, object] = {
            "weights": WEIGHTS,
            "norm": RANK_NORMALIZATION,
            "head": any_of(u.query for u in units),
            "all": " & ".join(f"({u.query})" for u in units),
            "any": any_of(u.query for u in units),
            "locale": list(filters.locale) if filters.locale is not None else None,
            "language": filters.language,
            "urgent": any_of(u.urgent for u in units if u.urgent) or None,
            "kind": filters.kind,
            "tag": filters.tag,
            "type": filters.type,
            "procedure": filters.procedure,
        }
        for i, unit in enumerate(units):
            self.params[f"u{i}"] = unit.query

    def _exact(self, i: int) -> str:
        """The phrase test of unit ``i`` on the row ``d`` ("" unless the unit is a phrase): the exact
        phrase in the head, or its words not all in the head (so all in the body), or another match."""
        unit = self.units[i]
        if not unit.phrase:
            return ""
        self.params[f"ph{i}"], self.params[f"pw{i}"] = unit.phrase
        test = f"d.tsv_head @@ %(ph{i})s::tsquery OR NOT d.tsv_head @@ %(pw{i})s::tsquery"
        if unit.others:
            self.params[f"po{i}"] = unit.others
            test += f" OR d.id IN (SELECT id FROM {DOCUMENTS} WHERE tsv @@ %(po{i})s::tsquery)"
        return f"({test})"

    def _tests(self) -> str:
        """The phrase tests of every unit, as " AND ..." conditions."""
        return "".join(f" AND {t}" for t in map(self._exact, range(len(self.units))) if t)

    def check(self) -> str:
        """One row: whether each unit matches some document, and whether one document has them all."""
        each = ", ".join(
            f"EXISTS (SELECT 1 FROM {DOCUMENTS} d WHERE d.tsv @@ %(u{i})s::tsquery{_LANGUAGE}"
            + (f" AND {self._exact(i)})" if self.units[i].phrase else ")")
            for i in range(len(self.units))
        )
        every = (
            f"EXISTS (SELECT 1 FROM {DOCUMENTS} d WHERE d.tsv @@ %(all)s::tsquery{_LANGUAGE}{self._tests()})"
        )
        return f"SELECT ARRAY[{each}]::bool[], {every}"

    def _match(self) -> str:
        """The matches (before the kind and tag filters), with the units each matched and the first-pass
        score (0 for documents whose head holds no query word)."""
        scope = " AND d.locale = ANY(%(locale)s)" if self.filters.locale is not None else ""
        if self.filters.procedure is not None:  # a scope like the locale: every facet counts within it
            scope += " AND d.procedures @> ARRAY[%(procedure)s]::text[]"
        scope += _LANGUAGE
        score = ", ts_rank(%(weights)s::float4[], d.tsv_head, %(head)s::tsquery) AS coarse"
        urgent = ", coalesce(d.tsv_urgent @@ %(urgent)s::tsquery, false) AS urgent"
        # safety first: a document whose urgent warning sign a unit matches is a result without every word
        urgent_too = " OR d.tsv_urgent @@ %(urgent)s::tsquery" if self.params["urgent"] else ""
        if self.mode == "and":
            # (all AND tests) OR urgent, written as (all OR urgent) AND (tests OR urgent): the GIN
            # indexes answer the first part, so no row's full ``tsv`` is read again to filter it
            where = f"d.tsv @@ %(all)s::tsquery{urgent_too}"
            tests = self._tests()[len(" AND ") :]
            if tests:
                where = f"({where}) AND ({tests}{urgent_too})" if urgent_too else f"{where} AND {tests}"
            else:
                where = f"({where})"
            return f"""
            m AS MATERIALIZED (
                SELECT d.id, d.type, d.kind, d.tags, 1 AS matched, 1 AS lead{score}{urgent}
                FROM {DOCUMENTS} d
                WHERE {where}{scope}
            )"""
        flags = ", ".join(
            f"(d.id IN (SELECT id FROM {DOCUMENTS} WHERE tsv @@ %(u{i})s::tsquery)"
            + (f" AND {self._exact(i)})::int AS f{i}" if self.units[i].phrase else f")::int AS f{i}")
            for i in range(len(self.units))
        )
        count = range(len(self.units))
        matched = " + ".join(f"f{i}" for i in count)
        lead = " + ".join("*".join(f"f{j}" for j in range(i + 1)) for i in count)  # leading units matched
        return f"""
        m AS MATERIALIZED (
            SELECT id, type, kind, tags, {matched} AS matched, {lead} AS lead, coarse, urgent FROM (
                SELECT d.id, d.type, d.kind, d.tags, {flags}{score}{urgent}
                FROM {DOCUMENTS} d
                WHERE d.tsv @@ %(any)s::tsquery{scope}
            ) s
            WHERE {matched} > 0
        )"""

    def _filters(self) -> str:
        return f"true{self._kind()}{self._tag()}{self._type()}"

    def _kind(self) -> str:
        return " AND kind = %(kind)s" if self.filters.kind is not None else ""

    def _type(self) -> str:
        return " AND type = %(type)s" if self.filters.type is not None else ""

    def _tag(self) -> str:
        return " AND tags @> ARRAY[%(tag)s]::text[]" if self.filters.tag is not None else ""

    def _fine(self) -> str:
        terms = []
        for i, unit in enumerate(self.units):
            for j, (factor, query) in enumerate(unit.parts):
                self.params[f"p{i}_{j}"] = query
                terms.append(
                    f"{factor!r} * ts_rank_cd(%(weights)s::float4[], x.v, %(p{i}_{j})s::tsquery, %(norm)s)"
                )
        return " + ".join(terms) or "0"

    def main(self) -> str:
        """One row: total, kind counts (of entries), tag counts, the rescored window as [id, score]
        pairs, whether some document (in any locale) matches every unit (always true in "or" mode), type
        counts, then how many matches each facet counted over (kind, tag, type): each facet's counts
        apply every filter but its own, over at most ``cap`` matches (:func:`scaled`)."""
        # what each facet counts: every filter but its own
        kind = f"type = 'entry'{self._tag()}{self._type()}"
        tag, type = f"true{self._kind()}{self._type()}", f"true{self._kind()}{self._tag()}"
        every = "true"
        if self.mode == "and":
            every = f"""CASE WHEN EXISTS (SELECT 1 FROM m) THEN true ELSE EXISTS (
                SELECT 1 FROM {DOCUMENTS} d WHERE d.tsv @@ %(all)s::tsquery{_LANGUAGE}{self._tests()}) END"""
        return f"""
        WITH {self._match()},
        r AS (
            SELECT w.id, w.matched, w.lead, w.urgent, w.coarse, {self._fine()} AS score
            FROM (
                SELECT id, matched, lead, urgent, coarse FROM m WHERE {self._filters()}
                ORDER BY {_ORDER} LIMIT {RESCORE_WINDOW}
            ) w
            CROSS JOIN LATERAL (
                SELECT d.tsv || ''::tsvector AS v
                FROM {DOCUMENTS} d WHERE d.id = w.id OFFSET 0
            ) x
        ),
        c AS (  -- the total and the facets' populations in one pass over the matches
            SELECT count(*) FILTER (WHERE {self._filters()}) AS total,
                   count(*) FILTER (WHERE {kind}) AS kinds,
                   count(*) FILTER (WHERE {tag}) AS tags,
                   count(*) FILTER (WHERE {type}) AS types
            FROM m
        )
        SELECT
            c.total,
            {self._facet("kind", kind)},
            {self._facet("tag", tag)},
            (SELECT coalesce(json_agg(json_build_array(id, score, urgent, lead, matched)
                                      ORDER BY urgent DESC, lead DESC, matched DESC, score DESC, coarse DESC,
                                      id), '[]'::json)
             FROM r),
            {every},
            {self._facet("type", type)},
            c.kinds, c.tags, c.types
        FROM c
        """

    def _facet(self, name: str, where: str) -> str:
        """The counts of one facet over the first ``cap`` matches passing ``where`` (all of them when
        there are no more), as a JSON object; ``main`` also gives how many pass ``where``."""
        value = "unnest(tags)" if name == "tag" else name
        return f"""(SELECT coalesce(json_object_agg(v, n), '{{}}'::json)
             FROM (SELECT v, count(*) AS n
                   FROM (SELECT {value} AS v FROM (SELECT * FROM m WHERE {where} LIMIT {self.cap}) c) t
                   GROUP BY v) g)"""

    def tail(self, offset: int, limit: int) -> str:
        """[id, first-pass score] rows beyond the window, in first-pass order."""
        return f"""
        WITH {self._match()}
        SELECT id::text, coarse, urgent, lead, matched FROM m WHERE {self._filters()}
        ORDER BY {_ORDER} OFFSET {int(offset)} LIMIT {int(limit)}
        """


def scaled(counts: dict[str, int], population: int, cap: int) -> tuple[dict[str, int], bool]:
    """Facet counts over the first ``cap`` of ``population`` matches as estimates over all of them
    (unchanged, and exact, when there are no more than ``cap``); and whether they are estimates."""
    if population <= cap:
        return counts, False
    factor = population / cap
    return {key: min(population, max(1, round(n * factor))) for key, n in counts.items()}, True


def highlight_queries(units: list[UnitQuery]) -> dict[str, object]:
    """tsqueries of the lexemes to mark: in any field, in the details only, in the body only."""
    stems = sorted(set().union(*(u.stems for u in units))) if units else []
    return {
        "hl": [quote(s) for s in stems],  # each lexeme as a tsquery (the best section counts them)
        "hq": " | ".join(map(quote, stems)) or None,
        "hq_c": " | ".join(quote(s) + ":C" for s in stems) or None,
        "hq_d": " | ".join(quote(s) + ":D" for s in stems) or None,
    }


def _best_section(config: str) -> str:
    """A lateral subquery: an article's best section for the marked lexemes ``%(hl)s``, by the rule of
    :mod:`kb.search.common.sections` (heading hits weigh HEADING_WEIGHT, body hits 1, the earliest
    wins a tie; none without a hit)."""

    def hits(vector: str) -> str:
        return f"(SELECT count(*) FROM unnest(%(hl)s::text[]) AS q(x) WHERE {vector} @@ q.x::tsquery)"

    return f"""(
        SELECT s.e->>'heading' AS heading, s.e->>'anchor' AS anchor, s.e->>'body' AS body
        FROM jsonb_array_elements(d.sections) WITH ORDINALITY AS s(e, ord)
        CROSS JOIN LATERAL (
            SELECT to_tsvector('{config}', {escaped("(s.e->>'heading')")}) AS hv,
                   to_tsvector('{config}', {escaped("(s.e->>'body')")}) AS bv
        ) v
        CROSS JOIN LATERAL (SELECT {HEADING_WEIGHT} * {hits("v.hv")} + {hits("v.bv")} AS score) c
        WHERE c.score > 0
        ORDER BY c.score DESC, s.ord
        LIMIT 1
    )"""


def page_sql(queries: dict[str, object], language: str = DEFAULT_LANGUAGE) -> str:
    """Hits for ``%(ids)s`` with highlights: the whole title, and one fragment of the first of summary,
    details, body that holds a marked word (escaped first, so every character but the marks is); for
    an article its best section, whose body the body fragment comes from."""
    config = config_for(language)
    section = "(SELECT NULL::text AS heading, NULL::text AS anchor, NULL::text AS body)"
    if not queries["hq"]:
        title, field, fragment = escaped("d.title"), "NULL::text", "NULL::text"
    else:
        section = _best_section(config)
        title = f"ts_headline('{config}', {escaped('d.title')}, %(hq)s::tsquery, %(title_options)s)"
        field = f"""CASE
            WHEN to_tsvector('{config}', {escaped("d.summary")}) @@ %(hq)s::tsquery THEN 'summary'
            WHEN d.tsv @@ %(hq_c)s::tsquery THEN 'details'
            WHEN d.tsv @@ %(hq_d)s::tsquery THEN 'body' END"""
        fragment = f"ts_headline('{config}', {escaped('t.text')}, %(hq)s::tsquery, %(fragment_options)s)"
    return f"""
    SELECT d.id::text, d.slug, d.kind, d.title, d.summary, {title} AS title_hl, f.field, t.text,
           CASE WHEN t.text <> '' THEN {fragment} END AS fragment, d.urgent_action, d.type,
           sec.heading, sec.anchor
    FROM {DOCUMENTS} d
    LEFT JOIN LATERAL {section} sec ON true
    CROSS JOIN LATERAL (SELECT {field} AS field) f
    CROSS JOIN LATERAL (
        SELECT CASE f.field WHEN 'summary' THEN d.summary WHEN 'details' THEN d.details
                            WHEN 'body' THEN coalesce(sec.body, d.body) END AS text
    ) t
    WHERE d.id = ANY(%(ids)s::uuid[])
    """


def page_params(queries: dict[str, object], ids: list[str]) -> dict[str, object]:
    return {**queries, "ids": ids, "title_options": TITLE_OPTIONS, "fragment_options": FRAGMENT_OPTIONS}


def fragment(headline: str | None, text: str) -> str | None:
    """A ts_headline fragment of ``text`` with an ellipsis where text was left out; None without a mark."""
    if not headline or MARK_OPEN not in headline:
        return None
    body = headline.strip()
    source = html.escape(text, quote=False)
    at = source.find(body.replace(MARK_OPEN, "").replace(MARK_CLOSE, ""))
    if at < 0:
        return body
    before = _WORD.search(source, 0, at) is not None
    rest = source[at + len(body.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")) :]
    if _WORD.search(rest):
        return (ELLIPSIS if before else "") + body + ELLIPSIS
    return (ELLIPSIS if before else "") + body + rest.rstrip()  # ts_headline drops closing punctuation


def _quote(escaped_html: str) -> str:
    """Quotes escaped too, as the Whoosh backend's highlights are (text is analysed with quote=False,
    so this is done on the headline; the only markup in it, <mark>, holds no quote)."""
    return escaped_html.replace('"', "&quot;").replace("'", "&#x27;")


def make_hit(row: tuple, score: float, urgent: bool = False) -> SearchHit:
    """A hit from a :func:`page_sql` row (``urgent``: the query matched an urgent warning sign of it)."""
    _id, slug, kind, title, summary, title_hl, field, text, headline, action, doc_type, heading, anchor = row
    highlights = {"title": _quote(title_hl)}
    marked = fragment(headline, text or "") if field else None
    if marked:
        highlights[field] = _quote(marked)
    return SearchHit(
        type=doc_type,
        section=SectionRef(heading=heading, anchor=anchor) if anchor is not None else None,
        slug=slug,
        kind=kind or None,
        title=title,
        summary=summary,
        score=round(score, 6),
        highlights=highlights,
        urgent=urgent,
        action=action if urgent else None,
    )
