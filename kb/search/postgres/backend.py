"""Search in PostgreSQL: the index is a few tables next to the content (see :mod:`kb.search.postgres.ddl`).

Matching, ranking, facets and highlights run in the database (GIN-indexed weighted tsvectors,
``ts_rank_cd``, ``ts_headline``, ``pg_trgm``), with the same query semantics and synonyms file as the
Whoosh backend (:mod:`kb.search.postgres.query`, :mod:`kb.search.postgres.sql`).

Writes can join the caller's transaction: built with ``connection=`` (a callable returning the
SQLAlchemy connection of the current transaction, e.g. ``lambda: db.session.connection()``),
:meth:`index` and :meth:`remove` run inside a savepoint of that transaction and never commit, so a
document and its search row commit together (``transactional`` is then True), and :meth:`rebuild`
runs in that transaction too. Without it, each call commits on the backend's own engine. Reads
always use the backend's engine.

A rebuild holds ``SHARE ROW EXCLUSIVE`` on ``search_documents`` until it commits: readers go on
seeing the previous rows, writers wait up to ``lock_timeout`` and then get IndexBusyError.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from psycopg import errors as pg_errors

from kb.search.base import (
    IndexBusyError,
    Keys,
    SearchBackend,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchQueryError,
    SearchResult,
    Suggestion,
)
from kb.search.common.languages import DEFAULT_LANGUAGE, LANGUAGES, analysis_languages
from kb.search.common.languages import synonyms_path as language_synonyms
from kb.search.common.parsing import did_you_mean
from kb.search.common.strategy import words_report
from kb.search.common.synonyms import SynonymFile
from kb.search.common.text import normalise
from kb.search.postgres.ddl import DOCUMENTS, SCHEMA_LOCK_KEY, STATE, TITLE_KEYS, WORDS, ddl, truncate_sql
from kb.search.postgres.query import Analysis, analyze_query, like_prefix, parse_synonyms
from kb.search.postgres.sql import (
    FACET_CAP,
    RESCORE_WINDOW,
    Filters,
    SearchSQL,
    highlight_queries,
    make_hit,
    page_params,
    page_sql,
    scaled,
)
from kb.search.postgres.write import delete, reload, upsert, valid_ids

log = logging.getLogger(__name__)
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
NO_INDEX = "no search index yet (run a rebuild)"
MISSING = "search tables missing (run the database migrations)"
# Searches read their rows through GIN indexes: a sequential scan would read every full tsvector, which
# the planner does not price in. Per-unit id sets are hashed (work_mem), and JIT costs more than it saves.
_READ_SETUP = (
    "SELECT set_config('jit', 'off', true), set_config('enable_seqscan', 'off', true), "
    "set_config('work_mem', '32MB', true)"
)
_HEALTH = f"""
SELECT (SELECT greatest(s.changed_at, (SELECT max(indexed_at) FROM {DOCUMENTS})) FROM {STATE} s),
       (SELECT count(*) FROM {DOCUMENTS}), EXISTS (SELECT 1 FROM {STATE})
"""
# The distinct languages by a loose scan of their index: one index probe per language.
_LANGUAGES = f"""
WITH RECURSIVE l AS (
    (SELECT language FROM {DOCUMENTS} ORDER BY language LIMIT 1)
    UNION ALL
    SELECT (SELECT d.language FROM {DOCUMENTS} d WHERE d.language > l.language ORDER BY d.language LIMIT 1)
    FROM l WHERE l.language IS NOT NULL
)
SELECT language FROM l
"""
_SUGGEST = f"""
SELECT d.id::text, d.slug, d.kind, d.title, d.type
FROM (
    SELECT doc_id, tier, title_len, title_sort, slug FROM {TITLE_KEYS}
    WHERE {{cond}}{{locale}}{{procedure}}
    ORDER BY tier, title_len, title_sort, slug LIMIT %(n)s
) k JOIN {DOCUMENTS} d ON d.id = k.doc_id
ORDER BY k.tier, k.title_len, k.title_sort, k.slug
"""
_OF_PROCEDURE = (
    f" AND doc_id IN (SELECT id FROM {DOCUMENTS} WHERE procedures @> ARRAY[%(procedure)s]::text[])"
)


def _database_url(url: str | sa.URL) -> sa.URL:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(
            f"the postgres search backend needs a PostgreSQL database, not {parsed.drivername!r}"
        )
    return parsed.set(drivername="postgresql+psycopg")


class TablesMissing(SearchError):
    """The search tables do not exist in the database (the migration has not run)."""


def _is(exc: BaseException, *kinds: type[BaseException]) -> bool:
    return isinstance(getattr(exc, "orig", None), kinds)


class PostgresBackend(SearchBackend):
    """Search tables in a PostgreSQL database (``engine``: an Engine, or a URL the backend connects to)."""

    name = "postgres"
    transactional: bool = False  # True when built with connection=: index/remove join that transaction

    def __init__(
        self,
        engine: sa.Engine | str | sa.URL,
        *,
        connection: Callable[[], sa.Connection] | None = None,
        synonyms_path: str | None = None,
        lock_timeout: float = 5.0,
        schema: str | None = None,
        facet_cap: int = FACET_CAP,
    ):
        if int(facet_cap) < 1:
            raise ValueError(f"facet_cap must be at least 1, got {facet_cap!r}")
        if schema is not None and not _IDENTIFIER.fullmatch(schema):
            raise ValueError(f"schema must be a lower-case SQL identifier, got {schema!r}")
        self.schema = schema
        if isinstance(engine, sa.Engine):
            if schema is not None:
                raise ValueError("schema= needs a database URL (the backend then sets the search_path)")
            _database_url(engine.url)  # refuses anything but PostgreSQL
            self.engine, self._owns_engine = engine, False
        else:
            options = {"options": f"-c search_path={schema},public"} if schema else {}
            self.engine = sa.create_engine(_database_url(engine), pool_pre_ping=True, connect_args=options)
            self._owns_engine = True
        self._connection = connection
        self.transactional = connection is not None
        self.lock_timeout = float(lock_timeout)
        self.facet_cap = int(facet_cap)  # facets are exact up to this many matches, estimated beyond
        self._synonym_files = {
            lang: SynonymFile(language_synonyms(synonyms_path, lang)) for lang in LANGUAGES
        }

    def _synonyms(self, language: str) -> SynonymFile:
        return self._synonym_files[language]

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        *,
        engine: sa.Engine | None = None,
        connection: Callable[[], sa.Connection] | None = None,
    ) -> PostgresBackend:
        """From the app config: ``engine`` (else SQLALCHEMY_DATABASE_URI, which must be PostgreSQL),
        KB_SYNONYMS_PATH, KB_SEARCH_LOCK_TIMEOUT and KB_SEARCH_FACET_CAP; pass ``connection`` to have
        updates join the caller's transaction."""
        return cls(
            engine if engine is not None else config["SQLALCHEMY_DATABASE_URI"],
            connection=connection,
            synonyms_path=config.get("KB_SYNONYMS_PATH"),
            lock_timeout=config.get("KB_SEARCH_LOCK_TIMEOUT", 5.0),
            facet_cap=config.get("KB_SEARCH_FACET_CAP", FACET_CAP),
        )

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    # schema --------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create the search tables if they are missing (the same statements as the migration); with
        ``schema=``, in that schema (created if needed; the extensions then go to ``public``)."""
        with self.engine.begin() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_KEY})")
            if self.schema:
                conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            for statement in ddl(extension_schema="public" if self.schema else None):
                conn.exec_driver_sql(statement)

    def drop_schema(self) -> None:
        """Drop the backend's own ``schema=`` with everything in it (for throw-away test schemas)."""
        if not self.schema:
            raise SearchError("drop_schema() needs a backend opened with schema=")
        with self.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.close()

    def reset(self) -> None:
        """Drop every indexed row: the index no longer exists until the next rebuild or update."""
        with self._own_write() as conn:
            conn.exec_driver_sql(truncate_sql())

    # reading -------------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        """A connection of the backend's engine, in a read transaction rolled back afterwards."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql(_READ_SETUP)
                yield conn
        except sa.exc.DBAPIError as exc:
            if _is(exc, pg_errors.UndefinedTable, pg_errors.UndefinedObject):
                raise TablesMissing(MISSING) from exc
            if _is(exc, pg_errors.SyntaxError, pg_errors.DataException, pg_errors.ProgramLimitExceeded):
                raise SearchQueryError("the query could not be searched") from exc
            raise SearchError(f"search database error: {exc.orig.__class__.__name__}") from exc

    def health(self) -> dict:
        try:
            with self._read() as conn:
                last, count, exists = conn.exec_driver_sql(_HEALTH).one()
        except SearchError as exc:
            return {"ok": False, "documents": 0, "last_commit_at": None, "detail": str(exc)}
        if not exists:
            return {"ok": False, "documents": count, "last_commit_at": None, "detail": NO_INDEX}
        return {"ok": True, "documents": count, "last_commit_at": last, "detail": None}

    def ids(self) -> set[str]:
        try:
            with self._read() as conn:
                return set(conn.exec_driver_sql(f"SELECT id::text FROM {DOCUMENTS}").scalars())
        except TablesMissing:
            return set()

    def _require_index(self, conn: sa.Connection) -> None:
        if not conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {STATE})").scalar():
            raise SearchError(NO_INDEX)

    def _suggest(
        self, prefix: str, *, limit: int, locale: Keys, procedure: str | None = None
    ) -> list[Suggestion]:
        """Titles with a word starting with ``prefix``: title starts first, then shorter, then A-Z."""
        norm = normalise(prefix)
        with self._read() as conn:
            found = self._titles(conn, norm, limit, locale, procedure) if norm else []
            if not found:
                self._require_index(conn)
            return found

    def _titles(
        self, conn: sa.Connection, norm: str, limit: int, locale: Keys, procedure: str | None = None
    ) -> list[Suggestion]:
        if len(norm) <= 2:
            cond, params = f'"left"(key, {len(norm)}) = %(p)s', {"p": norm}
        else:
            cond, params = "key LIKE %(p)s", {"p": like_prefix(norm)}
        sql = _SUGGEST.format(
            cond=cond,
            locale=" AND locale = ANY(%(locale)s)" if locale is not None else "",
            procedure=_OF_PROCEDURE if procedure is not None else "",
        )
        fetch = limit * 2 + 4
        while True:  # a title may hold the prefix at several word starts: keep its best, fetch more if short
            keys = list(locale) if locale is not None else None
            values = {**params, "locale": keys, "procedure": procedure, "n": fetch}
            rows = conn.exec_driver_sql(sql, values).all()
            out: dict[str, Suggestion] = {}
            for doc_id, slug, kind, title, doc_type in rows:
                out.setdefault(doc_id, Suggestion(slug=slug, kind=kind or None, title=title, type=doc_type))
            if len(out) >= limit or len(rows) < fetch:
                return list(out.values())[:limit]
            fetch *= 4

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
        """Search with the Whoosh backend's semantics (:mod:`kb.search.common.strategy`), once per
        analysis language over that language's documents. Pages within the first 100 results follow
        the full ``ts_rank_cd`` score, deeper ones a cheaper first-pass score."""
        with self._read() as conn:
            held = self._languages(conn)
            wanted = analysis_languages(languages) if languages is not None else held
            chain = [lang for lang in wanted if lang in held] or [wanted[0] if wanted else DEFAULT_LANGUAGE]
            searchable = any(lang in held for lang in wanted)
            need = page * per_page
            # one language pages through its own order; several are merged, so each gives all it ranks
            first = (page - 1) * per_page if len(chain) == 1 else 0
            runs = [
                self._run(
                    conn,
                    q,
                    lang,
                    Filters(kind=kind, tag=tag, locale=locale, language=lang, type=type, procedure=procedure),
                    first,
                    need,
                )
                for lang in chain
            ]
            if not searchable:
                runs = [_PgRun(r.language, r.analysis, [], "and", 0, {}, {}, [], types={}) for r in runs]
            found = [r for r in runs if r.total]
            complete = [r for r in found if r.mode == "and"]
            chosen_runs = complete or found
            rows = sorted(
                ((*row, r) for r in chosen_runs for row in r.ranked),
                key=lambda row: (not row[2], -row[3], -row[4], -row[1]),
            )
            if len(chosen_runs) == 1:  # one language: its own order (ties broken by the database)
                rows = [(*row, chosen_runs[0]) for row in chosen_runs[0].ranked]
            total = sum(r.total for r in chosen_runs)
            kinds: dict[str, int] = {}
            tags: dict[str, int] = {}
            types: dict[str, int] = {}
            for r in chosen_runs:
                for counts, found_counts in ((kinds, r.kinds), (tags, r.tags), (types, r.types)):
                    for key, n in found_counts.items():
                        counts[key] = counts.get(key, 0) + n
            start = (page - 1) * per_page
            page_rows = [row for row in rows[start : start + per_page] if row[0]]
            hits = []
            by_run: dict[int, list] = {}
            for row in page_rows:
                by_run.setdefault(id(row[5]), []).append(row)
            fetched: dict[str, SearchHit] = {}
            for group in by_run.values():
                run = group[0][5]
                queries = highlight_queries(run.units)
                ids = [row[0] for row in group]
                for found_row in conn.exec_driver_sql(
                    page_sql(queries, run.language), page_params(queries, ids)
                ):
                    fetched[found_row[0]] = found_row
            for doc_id, score, urgent, _lead, _matched, _run in page_rows:
                if doc_id in fetched:
                    hits.append(make_hit(fetched[doc_id], score, bool(urgent)))
            best = rows[0][5] if rows else (runs[0] if runs else None)
            suggestion = next((r.suggestion for r in runs if r.suggestion), None)
            words = _words(best, rows[0][3] if rows else 0) if best is not None else None
        return SearchResult(
            hits=hits,
            total=total,
            suggestion=suggestion,
            facets=_facets(kinds, tags, types),
            words=words,
            facets_estimated=any(r.facets_estimated for r in chosen_runs),
        )

    def _languages(self, conn: sa.Connection) -> list[str]:
        """The analysis languages of the indexed documents (English first; English when there are none)."""
        found = [lang for lang in conn.exec_driver_sql(_LANGUAGES).scalars() if lang is not None]
        return sorted(set(found) | ({DEFAULT_LANGUAGE} if not found else set()), key=lambda c: (c != "en", c))

    def _run(
        self, conn: sa.Connection, q: str, language: str, filters: Filters, first: int, need: int
    ) -> _PgRun:
        """The query over the documents of one analysis language: its ranked rows up to ``need`` (those
        before ``first`` beyond the rescored window are placeholders, not fetched)."""
        synonyms = self._synonyms(language).current(lambda text: parse_synonyms(conn, text, language))
        analysis = analyze_query(conn, q, synonyms, language)
        if not analysis.index_exists:
            raise SearchError(NO_INDEX)
        suggestion = did_you_mean(analysis.parsed, analysis.vocab)  # type: ignore[arg-type]
        units = [u for u in analysis.units if u.parts]
        empty = _PgRun(language, analysis, [], "and", 0, {}, {}, [], suggestion)
        if not units:
            return empty
        plan = SearchSQL(units, "and", filters, self.facet_cap)  # usually some document has every unit
        total, kinds, tags, window, every, types, *counted = conn.exec_driver_sql(
            plan.main(), plan.params
        ).one()
        mode = "and"
        if not every and len(units) > 1:
            mode, units = self._combination(conn, units, filters)
            plan = SearchSQL(units, mode, filters, self.facet_cap)
            total, kinds, tags, window, every, types, *counted = conn.exec_driver_sql(
                plan.main(), plan.params
            ).one()
        (kinds, kinds_estimated), (tags, tags_estimated), (types, types_estimated) = (
            scaled(found, n, self.facet_cap) for found, n in zip((kinds, tags, types), counted, strict=True)
        )
        if len(units) == 1 or not total:
            mode = "and" if total else mode
        ranked = [(i, float(s), bool(u), int(ld), int(m)) for i, s, u, ld, m in window]
        if need > len(ranked) and total > len(ranked):
            offset = max(len(ranked), min(first, total), RESCORE_WINDOW)
            tail = conn.exec_driver_sql(plan.tail(offset, need - offset), plan.params).all()
            ranked += [(None, 0.0, False, 0, 0)] * (offset - len(ranked))
            ranked += [(i, float(s), bool(u), int(ld), int(m)) for i, s, u, ld, m in tail]
        run = _PgRun(language, analysis, units, mode, total, kinds, tags, ranked, suggestion, types=types)
        run.every = bool(every)
        run.facets_estimated = kinds_estimated or tags_estimated or types_estimated
        return run

    @staticmethod
    def _combination(conn: sa.Connection, units: list, filters: Filters) -> tuple[str, list]:
        """("and", units) if some document matches every unit that matches anything, else ("or", ...)."""
        check = SearchSQL(units, "and", filters)
        live, every = conn.exec_driver_sql(check.check(), check.params).one()
        if all(live):
            return ("and" if every else "or"), units
        units = [u for u, ok in zip(units, live, strict=True) if ok]
        if len(units) > 1:
            check = SearchSQL(units, "and", filters)
            every = conn.exec_driver_sql(check.check(), check.params).one()[1]
            return ("and" if every else "or"), units
        return "and", units

    # writing -------------------------------------------------------------------------

    @contextmanager
    def _own_write(self) -> Iterator[sa.Connection]:
        with self._write_errors(), self.engine.begin() as conn:
            conn.exec_driver_sql("SELECT set_config('lock_timeout', %(ms)s, true)", {"ms": self._lock_ms()})
            yield conn

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """The caller's transaction (in a savepoint) when transactional, else one of our own."""
        if self._connection is None:
            with self._own_write() as conn:
                yield conn
            return
        conn = self._connection()
        with self._write_errors():
            previous = conn.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar()
            with conn.begin_nested():
                conn.exec_driver_sql(
                    "SELECT set_config('lock_timeout', %(ms)s, true)", {"ms": self._lock_ms()}
                )
                yield conn
                conn.exec_driver_sql("SELECT set_config('lock_timeout', %(v)s, true)", {"v": previous})

    @contextmanager
    def _write_errors(self) -> Iterator[None]:
        try:
            yield
        except sa.exc.DBAPIError as exc:
            if _is(exc, pg_errors.LockNotAvailable, pg_errors.DeadlockDetected):
                raise IndexBusyError(
                    "search index is busy (a rebuild or another writer holds the lock)"
                ) from exc
            if _is(exc, pg_errors.UndefinedTable, pg_errors.UndefinedObject):
                raise TablesMissing(MISSING) from exc
            raise

    def _lock_ms(self) -> str:
        return f"{max(1, round(self.lock_timeout * 1000))}ms"

    def index(self, docs: Iterable[SearchDocument]) -> None:
        docs = list(docs)
        if not docs:
            return
        with self._write() as conn:
            upsert(conn, docs)

    def remove(self, ids: Iterable[str]) -> None:
        ids = valid_ids(ids)
        if not ids:
            return
        with self._write() as conn:
            delete(conn, ids)

    def rebuild(self, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None = None) -> int:
        """Replace every row under ``SHARE ROW EXCLUSIVE`` on the documents table.

        Transactional: in the caller's transaction, which commits it, and ``docs`` is consumed only
        once the lock is held, so a lazy iterable reading the content in that same transaction sees
        every write that reached the index before, and none can slip in between; it is read a batch
        at a time between the COPYs of the batches before (not listed: memory holds one batch).
        Otherwise: in a transaction of the backend's own, then VACUUM ANALYZE.
        """
        if self._connection is not None:
            conn = self._connection()
            with self._write_errors():
                self._lock_for_rebuild(conn)
                count = reload(conn, docs, progress, batched=True)
                conn.exec_driver_sql(f"ANALYZE {DOCUMENTS}, {TITLE_KEYS}, {WORDS}")
            return count
        with self._own_write() as conn:
            self._lock_for_rebuild(conn)
            count = reload(conn, docs, progress)
        try:  # drop the replaced rows and refresh the planner's statistics now, not at autovacuum's pace
            with self.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.exec_driver_sql(f"VACUUM (ANALYZE) {DOCUMENTS}, {TITLE_KEYS}, {WORDS}")
        except sa.exc.DBAPIError as exc:
            log.warning("search rebuild committed, but VACUUM ANALYZE failed: %s", exc.orig)
        return count

    def _lock_for_rebuild(self, conn: sa.Connection) -> None:
        conn.exec_driver_sql("SELECT set_config('lock_timeout', %(ms)s, true)", {"ms": self._lock_ms()})
        conn.exec_driver_sql(f"LOCK TABLE {DOCUMENTS} IN SHARE ROW EXCLUSIVE MODE")


@dataclass
class _PgRun:
    """The query over one analysis language's documents."""

    language: str
    analysis: Analysis
    units: list
    mode: str  # "and": every result has every unit used; "or": ranked by leading units, then units
    total: int
    kinds: dict[str, int]
    tags: dict[str, int]
    ranked: list[tuple]  # (id, score, urgent, lead, matched), best first; id None: not fetched
    suggestion: str | None = None
    every: bool = True
    types: dict[str, int] = field(default_factory=dict)
    facets_estimated: bool = False  # some facet counted a sample of the matches (more than the cap)


def _words(run: _PgRun, lead: int) -> dict[str, list[str]] | None:
    """Which words the results used, when some were not (None: every word was)."""
    parsed = run.analysis.parsed
    by_unit = dict(zip(map(id, run.analysis.units), parsed.units, strict=True))
    used_queries = run.units[:lead] if run.mode == "or" else run.units
    used = {id(by_unit[id(u)]) for u in used_queries if id(u) in by_unit}
    return words_report(parsed.units, [id(u) in used for u in parsed.units])


def _facets(kinds: dict[str, int], tags: dict[str, int], types: dict[str, int]) -> dict[str, dict[str, int]]:
    def ordered(counts: dict[str, int]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    return {"kind": ordered(kinds), "tags": ordered(tags), "type": ordered(types)}
