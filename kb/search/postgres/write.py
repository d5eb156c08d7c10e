"""Writing the PostgreSQL search tables: rows from documents, upserts, removals, a full reload.

Each function takes a SQLAlchemy connection already in a transaction and never commits, so the same
code serves the caller's publishing transaction and the backend's own. The vocabulary only grows
between rebuilds, and updates avoid locking existing rows (``ON CONFLICT DO NOTHING``, an ``UPDATE``
only of the rows that change), so concurrent publishing transactions do not queue on popular words.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from kb.search.base import SearchDocument
from kb.search.common.languages import analysis_language
from kb.search.common.spelling import keep_word
from kb.search.common.text import clean_tag, markdown_to_text, normalise, words
from kb.search.postgres.ddl import DOCUMENTS, STATE, TITLE_KEYS, WORDS

BATCH = 500
MAX_KEY_CHARS = 200  # a title key only needs to be longer than any prefix (100 characters)
DOC_COLUMNS = (
    "id",
    "slug",
    "kind",
    "locale",
    "title",
    "summary",
    "tags",
    "tags_text",
    "details",
    "body",
    "updated_at",
    "language",
    "urgent_text",
    "urgent_action",
    "type",
    "sections",
    "procedures",
)
KEY_COLUMNS = ("doc_id", "key", "tier", "locale", "title_len", "title_sort", "slug")


_keep = lru_cache(maxsize=1 << 18)(keep_word)  # a rebuild asks about the same words again and again


def _clean(text: str | None) -> str:
    return (text or "").replace("\x00", " ")  # PostgreSQL text cannot hold NUL


@dataclass
class Prepared:
    """One document as table rows, plus its vocabulary."""

    row: tuple
    keys: list[tuple]
    words: set[str]
    title_words: set[str]


def prepare(doc: SearchDocument) -> Prepared:
    title = _clean(doc.title)
    tags = list(dict.fromkeys(t for t in (clean_tag(_clean(t)) for t in doc.tags or []) if t))
    tags_text = " ".join(tags)
    summary, details, body = _clean(doc.summary), _clean(doc.details), markdown_to_text(_clean(doc.body))
    locale = _clean(doc.locale) or "en"
    doc_id = str(uuid.UUID(str(doc.id)))
    urgent = list(getattr(doc, "urgent", ()) or ())
    row = (
        doc_id,
        _clean(doc.slug),
        _clean(doc.kind),
        locale,
        title,
        summary,
        tags,
        tags_text,
        details,
        body,
        doc.updated_at,
        analysis_language(getattr(doc, "language", None)),
        ". ".join(_clean(sign) for sign, _ in urgent),
        urgent[0][1] if urgent else None,
        _clean(getattr(doc, "type", None)) or "entry",
        _sections(doc),
        list(dict.fromkeys(p for p in (_clean(p) for p in getattr(doc, "procedures", ()) or ()) if p)),
    )
    keys = []
    norm = normalise(title)
    if norm:
        sort = (len(title), title.casefold(), row[1])
        offset = 0
        for i, word in enumerate(norm.split(" ")):
            keys.append((doc_id, norm[offset:][:MAX_KEY_CHARS], 0 if i == 0 else 1, locale, *sort))
            offset += len(word) + 1
    found = {w for w in set(words("\n".join((title, summary, tags_text, details, body)))) if _keep(w)}
    title_words = {w for w in words(title) if _keep(w)}
    return Prepared(row, keys, found, title_words)


def _sections(doc: SearchDocument) -> str:
    """An article's sections as the JSON of the ``sections`` column (bodies as plain text)."""
    sections = getattr(doc, "sections", ()) or ()
    rows = [
        {"heading": _clean(s.heading), "anchor": _clean(s.anchor), "body": markdown_to_text(_clean(s.body))}
        for s in sections
    ]
    return json.dumps(rows)


def _latest(docs: Iterable[SearchDocument]) -> list[Prepared]:
    """Prepared documents, the last one of each id winning (as successive updates would), in id order
    (concurrent writers then lock rows in the same order and cannot deadlock)."""
    by_id = {prepared.row[0]: prepared for prepared in map(prepare, docs)}
    return [by_id[doc_id] for doc_id in sorted(by_id)]


_PLACEHOLDERS = [f"%({c})s::jsonb" if c == "sections" else f"%({c})s" for c in DOC_COLUMNS]
_UPSERT = f"""
INSERT INTO {DOCUMENTS} ({", ".join(DOC_COLUMNS)}, indexed_at)
VALUES ({", ".join(_PLACEHOLDERS)}, clock_timestamp())
ON CONFLICT (id) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in DOC_COLUMNS[1:])},
    indexed_at = EXCLUDED.indexed_at
"""
_INSERT_KEYS = f"""
INSERT INTO {TITLE_KEYS} ({", ".join(KEY_COLUMNS)})
SELECT * FROM unnest(%(doc_id)s::uuid[], %(key)s::text[], %(tier)s::smallint[], %(locale)s::text[],
                     %(title_len)s::int[], %(title_sort)s::text[], %(slug)s::text[])
"""
_INSERT_WORDS = f"""
INSERT INTO {WORDS} (word, docs, in_title)
SELECT w, 1, w = ANY(%(title_words)s::text[]) FROM unnest(%(words)s::text[]) AS w ORDER BY w
ON CONFLICT (word) DO NOTHING
"""
_MARK_TITLE_WORDS = (
    f"UPDATE {WORDS} SET in_title = true WHERE word = ANY(%(title_words)s::text[]) AND NOT in_title"
)
_MARK_EXISTS = f"INSERT INTO {STATE} (built_at, changed_at) VALUES (now(), now()) ON CONFLICT (id) DO NOTHING"
_MARK_CHANGED = f"""
INSERT INTO {STATE} (built_at, changed_at) VALUES (now(), clock_timestamp())
ON CONFLICT (id) DO UPDATE SET changed_at = EXCLUDED.changed_at
"""


def _columns(rows: list[tuple], names: tuple[str, ...]) -> dict[str, list]:
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def upsert(conn, docs: Iterable[SearchDocument]) -> int:
    """Insert or replace documents (keyed by id) with their title keys and new vocabulary."""
    prepared = _latest(docs)
    if not prepared:
        return 0
    for start in range(0, len(prepared), BATCH):
        batch = prepared[start : start + BATCH]
        rows = [p.row for p in batch]
        conn.exec_driver_sql(_UPSERT, [dict(zip(DOC_COLUMNS, row, strict=True)) for row in rows])
        ids = [r[0] for r in rows]
        conn.exec_driver_sql(f"DELETE FROM {TITLE_KEYS} WHERE doc_id = ANY(%(ids)s::uuid[])", {"ids": ids})
        keys = [k for p in batch for k in p.keys]
        if keys:
            conn.exec_driver_sql(_INSERT_KEYS, _columns(keys, KEY_COLUMNS))
        title_words = sorted(set().union(*(p.title_words for p in batch)))
        all_words = sorted(set().union(*(p.words for p in batch)))
        if all_words:
            conn.exec_driver_sql(_INSERT_WORDS, {"words": all_words, "title_words": title_words})
        if title_words:
            conn.exec_driver_sql(_MARK_TITLE_WORDS, {"title_words": title_words})
    conn.exec_driver_sql(_MARK_EXISTS)
    return len(prepared)


def valid_ids(ids: Iterable[object]) -> list[str]:
    """The ids that are UUIDs, normalised (anything else cannot be indexed, so is ignored)."""
    out = []
    for value in ids:
        try:
            out.append(str(uuid.UUID(str(value))))
        except ValueError:
            continue
    return sorted(set(out))


def delete(conn, ids: list[str]) -> None:
    """Remove documents and their title keys; record the change time."""
    conn.exec_driver_sql(f"DELETE FROM {DOCUMENTS} WHERE id = ANY(%(ids)s::uuid[])", {"ids": ids})
    conn.exec_driver_sql(f"DELETE FROM {TITLE_KEYS} WHERE doc_id = ANY(%(ids)s::uuid[])", {"ids": ids})
    conn.exec_driver_sql(_MARK_CHANGED)


def reload(
    conn, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None, *, batched: bool = False
) -> int:
    """Replace every row (the caller holds the lock and the transaction): DELETE, so readers keep
    seeing the old rows until commit, then one streaming COPY (PostgreSQL analyses the texts while
    the next documents are prepared); the first document of each id wins. ``batched``: a COPY per
    ``BATCH`` documents and their title keys instead, so ``docs`` may read from this same connection
    between them (a rebuild in the caller's transaction) and memory holds one batch."""
    for table in (DOCUMENTS, TITLE_KEYS, WORDS):
        conn.exec_driver_sql(f"DELETE FROM {table}")
    raw = conn.connection.driver_connection
    seen: set[str] = set()
    counts: Counter = Counter()
    title_words: set[str] = set()
    keys: list[tuple] = []

    def first(doc: SearchDocument) -> Prepared | None:
        prepared = prepare(doc)
        if prepared.row[0] in seen:
            return None
        seen.add(prepared.row[0])
        counts.update(prepared.words)
        title_words.update(prepared.title_words)
        return prepared

    with raw.cursor() as cur:
        if batched:
            found = iter(docs)
            while chunk := list(islice(found, BATCH)):
                rows = [prepared for prepared in map(first, chunk) if prepared is not None]
                _copy(cur, DOCUMENTS, DOC_COLUMNS, [prepared.row for prepared in rows])
                _copy(cur, TITLE_KEYS, KEY_COLUMNS, [key for prepared in rows for key in prepared.keys])
                if progress is not None:
                    progress(len(seen))
        else:
            with cur.copy(f"COPY {DOCUMENTS} ({', '.join(DOC_COLUMNS)}) FROM STDIN") as copy:
                for doc in docs:
                    prepared = first(doc)
                    if prepared is None:
                        continue
                    copy.write_row(prepared.row)
                    keys.extend(prepared.keys)
                    if progress is not None and len(seen) % BATCH == 0:
                        progress(len(seen))
            _copy(cur, TITLE_KEYS, KEY_COLUMNS, keys)
        vocabulary = [(w, n, w in title_words) for w, n in sorted(counts.items())]
        _copy(cur, WORDS, ("word", "docs", "in_title"), vocabulary)
    conn.exec_driver_sql(
        f"""INSERT INTO {STATE} (built_at, changed_at) VALUES (clock_timestamp(), clock_timestamp())
        ON CONFLICT (id) DO UPDATE SET built_at = EXCLUDED.built_at, changed_at = EXCLUDED.changed_at"""
    )
    if progress is not None:
        progress(len(seen))
    return len(seen)


def _copy(cur, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if rows:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
