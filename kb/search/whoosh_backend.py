"""The default search backend: a Whoosh index on local disk, shared by every process of the host.

Writes (index/remove/rebuild) hold ``<path>/WRITELOCK`` (and Whoosh's own lock); a rebuild holds it
for its whole run, so an update that arrives meanwhile fails with IndexBusyError after
``lock_timeout`` and is retried by the caller against the new index instead of being lost in the
old one. Reads check two ``stat`` stamps per call and reopen when another process committed or
swapped in a rebuilt generation (see :mod:`kb.search.storage`).
"""

from __future__ import annotations

import gc
import heapq
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import reduce
from itertools import compress
from operator import and_, neg, or_
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import LockError

from kb.search import storage
from kb.search.base import (
    KINDS,
    IndexBusyError,
    SearchBackend,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchQueryError,
    SearchResult,
    Suggestion,
    check_paging,
)
from kb.search.engine import combine_all, combine_any
from kb.search.highlight import best_fragment, highlight_title
from kb.search.query import UnitMatch, analyze, did_you_mean, match_unit, parse
from kb.search.schema import SNIPPET_FIELDS, build_schema, texts, to_fields
from kb.search.synonyms import SynonymFile, SynonymMap
from kb.search.text import stem_analyzer
from kb.search.view import FACET_MASK_MIN, VOCAB_FILE, IndexView
from kb.search.vocab import Vocabulary, document_words
from kb.search.writing import rebuild_writer, update_writer

MAX_SUGGEST_LIMIT = 50
MAX_RESULT_WINDOW = 10_000  # page * per_page beyond this is refused (as Elasticsearch does)


class WhooshBackend(SearchBackend):
    """Whoosh index in ``path`` (a directory of generations, see :mod:`kb.search.storage`).

    ``synonyms_path``: the editable synonyms file (None: no synonyms); ``lock_timeout``: seconds an
    index()/remove()/rebuild() waits for the write lock before IndexBusyError; ``rebuild_procs``:
    writer processes for rebuild() (1 is :class:`kb.search.writing.RebuildWriter`, which keeps the
    postings in memory, ~12 bytes each plus positions, and writes the raw-postings sidecar; more
    uses Whoosh's multi-process writer with ``rebuild_limitmb`` each, much slower here).
    A search or suggest on a missing/unreadable index raises SearchError (health() says why).
    Thread-safe (one lock per instance); each process keeps its own caches per index state, and
    the rebuilt segment's sidecar (:mod:`kb.search.sidecar`) across states.
    """

    name = "whoosh"

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        synonyms_path: str | os.PathLike | None = None,
        lock_timeout: float = 5.0,
        rebuild_procs: int = 1,
        rebuild_limitmb: int = 256,
    ):
        self.layout = storage.Layout(path)
        self.lock_timeout = float(lock_timeout)
        self.rebuild_procs = max(1, int(rebuild_procs))
        self.rebuild_limitmb = int(rebuild_limitmb)
        self._analyzer = stem_analyzer()
        self._synonyms = SynonymFile(synonyms_path)
        self._lock = threading.RLock()
        self._view: IndexView | None = None
        self._detail: str | None = None

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], *, engine: Any = None, connection: Callable[[], Any] | None = None
    ) -> WhooshBackend:
        """From ``KB_SEARCH_INDEX_PATH``, ``KB_SYNONYMS_PATH`` and ``KB_SEARCH_LOCK_TIMEOUT`` (the index is
        a folder: ``engine`` and ``connection`` are not used)."""
        return cls(
            config["KB_SEARCH_INDEX_PATH"],
            synonyms_path=config.get("KB_SYNONYMS_PATH"),
            lock_timeout=config.get("KB_SEARCH_LOCK_TIMEOUT", 5.0),
        )

    def _parse_synonyms(self, text: str) -> SynonymMap:
        return SynonymMap.parse(text, lambda raw: analyze(self._analyzer, raw))

    # reading ---------------------------------------------------------------------

    def _current(self) -> IndexView | None:
        """The view of the live index state, reopened if another writer changed it."""
        layout = self.layout
        view = self._view
        for _attempt in range(3):  # a rebuild may swap and delete generations while we look
            pointer = layout.pointer_stamp()
            same_generation = view is not None and pointer == view.key[0]
            if same_generation and layout.commit_stamp(view.gen_dir.name) == view.key[2]:
                return view
            name = layout.current_name(pointer)
            if name is None:
                self._detail = "no search index yet (run a rebuild)"
            else:
                try:
                    return self._open(view, pointer, name)
                except Exception as exc:
                    self._detail = f"search index unreadable: {exc.__class__.__name__}: {exc}"
            if layout.pointer_stamp() == pointer:
                break
        self._drop_view()
        return None

    def _open(self, view: IndexView | None, pointer: str | None, name: str) -> IndexView:
        key = (pointer, name, self.layout.commit_stamp(name))
        gen_dir = self.layout.root / name
        new = IndexView(
            view.ix if view and view.gen_dir == gen_dir else whoosh_index.open_dir(str(gen_dir)), gen_dir, key
        )
        if view is not None:
            view.close()
        self._view, self._detail = new, None
        return new

    def _drop_view(self) -> None:
        if self._view is not None:
            self._view.close()
            self._view = None

    def _require(self) -> IndexView:
        view = self._current()
        if view is None:
            raise SearchError(self._detail or "search index unavailable")
        return view

    def exists(self) -> bool:
        """True if a readable index is in place."""
        with self._lock:
            return self._current() is not None

    def close(self) -> None:
        with self._lock:
            self._drop_view()

    def health(self) -> dict:
        with self._lock:
            view = self._current()
            if view is None:
                return {"ok": False, "documents": 0, "last_commit_at": None, "detail": self._detail}
            return {
                "ok": True,
                "documents": view.doc_count,
                "last_commit_at": storage.read_commit_stamp(view.gen_dir),
                "detail": None,
            }

    def ids(self) -> set[str]:
        with self._lock:
            view = self._current()
            return view.ids() if view is not None else set()

    def suggest(self, prefix: str, *, limit: int = 10, locale: str | None = None) -> list[Suggestion]:
        if not isinstance(prefix, str):
            raise SearchQueryError("prefix must be a string")
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_SUGGEST_LIMIT:
            raise SearchQueryError(f"limit must be an integer between 1 and {MAX_SUGGEST_LIMIT}")
        if not prefix.strip():
            return []
        with self._lock:
            return self._require().suggester.lookup(prefix, limit, locale)

    def search(
        self,
        q: str,
        *,
        kind: str | None = None,
        tag: str | None = None,
        locale: str | None = None,
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResult:
        """Search; facets are disjunctive (Algolia's way): kind counts ignore the kind filter and tag
        counts ignore the tag filter, each applying every other filter, so a UI can show how many
        results the other choices would give. Queries over 500 characters are rejected."""
        check_paging(page, per_page)
        if page * per_page > MAX_RESULT_WINDOW:
            raise SearchQueryError(f"page * per_page must be at most {MAX_RESULT_WINDOW}")
        if kind is not None and kind not in KINDS:
            raise SearchQueryError(f"kind must be one of: {', '.join(KINDS)}")
        with self._lock:
            view = self._require()
            parsed = parse(q, self._analyzer, self._synonyms.current(self._parse_synonyms))
            matches = [
                match_unit(u, view.engine, view.vocab, view.suggester, self._analyzer) for u in parsed.units
            ]
            live = [m for m in matches if m.scores]
            scores, matched = _combine(live)
            scope = view.docs_with(locale=locale)
            base: Collection[int] = scores.keys() if scope is None else scope.intersection(scores)
            kind_docs = view.docs_with(kind=kind)
            tag_docs = view.docs_with(tag=tag)
            selections = {}
            if scope is None and live and len(base) >= FACET_MASK_MIN:  # facets will use bitmasks:
                masks = [view.unit_mask(m) for m in live]  # the units' masks, cached, combined
                selections[id(base)] = reduce(and_ if matched is None else or_, masks)
            facets = view.facets(base, kind_docs, tag_docs, selections)
            final = base
            for docs in (kind_docs, tag_docs):
                if docs is not None:
                    final = docs.intersection(final)
            start = (page - 1) * per_page
            among = None if final is base and scope is None else final
            top = _top(among, scores, matched, start + per_page)[start:] if start < len(final) else []
            hits = [self._hit(view, d, scores[d], live) for d in top]
            return SearchResult(
                hits=hits, total=len(final), suggestion=did_you_mean(parsed, view.vocab), facets=facets
            )

    def _hit(self, view: IndexView, docnum: int, score: float, matches: list[UnitMatch]) -> SearchHit:
        title, slug, kind, _locale, _tags, _id = view.cards[docnum]  # type: ignore[misc]
        stored = view.searcher.stored_fields(docnum)
        stems = set().union(*(m.stems for m in matches)) if matches else set()
        title_stems = stems.union(*(m.title_stems for m in matches)) if matches else set()
        highlights = {"title": highlight_title(title, title_stems, self._analyzer)}
        for name in SNIPPET_FIELDS:  # the first field that matched, in order of field weight
            fragment = best_fragment(stored.get(name) or "", stems, self._analyzer)
            if fragment:
                highlights[name] = fragment
                break
        return SearchHit(
            slug=slug,
            kind=kind,
            title=title,
            summary=stored.get("summary") or "",
            score=round(score, 6),
            highlights=highlights,
        )

    # writing ---------------------------------------------------------------------

    def index(self, docs: Iterable[SearchDocument]) -> None:
        docs = list(docs)
        if not docs:
            return
        with self._write() as (ix, gen_dir, deadline):
            writer = self._writer(ix, deadline)
            try:
                counts: Counter = Counter()
                for doc in docs:
                    fields = to_fields(doc)
                    writer.update_document(**fields)
                    counts.update(document_words(texts(fields)))
                vocab = Vocabulary.load(gen_dir / VOCAB_FILE)
                vocab.merge(counts)
                vocab.save(gen_dir / VOCAB_FILE)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            storage.write_commit_stamp(gen_dir)

    def remove(self, ids: Iterable[str]) -> None:
        ids = [str(i) for i in ids]
        if not ids:
            return
        with self._write() as (ix, gen_dir, deadline):
            writer = self._writer(ix, deadline)
            try:
                for doc_id in ids:
                    writer.delete_by_term("id", doc_id)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            storage.write_commit_stamp(gen_dir)

    def rebuild(self, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None = None) -> int:
        with self.layout.write_lock(self.lock_timeout):
            gen_dir = self.layout.new_generation()
            try:
                ix = whoosh_index.create_in(str(gen_dir), build_schema())
                count = self._fill(ix, gen_dir, docs, progress)
                storage.write_commit_stamp(gen_dir)
            except BaseException:
                shutil.rmtree(gen_dir, ignore_errors=True)
                raise
            self.layout.swap_to(gen_dir)
            self.layout.remove_stale(keep=gen_dir.name)
        return count

    def _fill(
        self, ix, gen_dir: Path, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None
    ) -> int:
        seen: set[str] = set()
        counts: Counter = Counter()
        fast = self.rebuild_procs == 1  # the rebuild writer hands over each document's words
        writer = rebuild_writer(ix, self.rebuild_procs, self.rebuild_limitmb, counts.update if fast else None)
        collecting = gc.isenabled()
        gc.disable()  # millions of small objects: the cyclic GC would rescan them again and again
        try:
            for doc in docs:
                if str(doc.id) in seen:
                    continue  # the first occurrence of an id wins
                seen.add(str(doc.id))
                fields = to_fields(doc)
                writer.add_document(**fields)
                if not fast:
                    counts.update(document_words(texts(fields)))
                if progress is not None and len(seen) % 500 == 0:
                    progress(len(seen))
            vocab = Vocabulary()
            vocab.merge(counts)
            vocab.save(gen_dir / VOCAB_FILE)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        finally:
            if collecting:
                gc.enable()
        if progress is not None:
            progress(len(seen))
        return len(seen)

    @contextmanager
    def _write(self) -> Iterator[tuple]:
        """Hold the root write lock; yield (index, generation dir, deadline). Creates an empty index
        when there is none, so updates work before the first rebuild."""
        deadline = time.monotonic() + self.lock_timeout
        layout = self.layout
        with layout.write_lock(self.lock_timeout):
            name = layout.current_name()
            if name is None:
                gen_dir = layout.new_generation()
                whoosh_index.create_in(str(gen_dir), build_schema())
                storage.write_commit_stamp(gen_dir)
                layout.swap_to(gen_dir)
                layout.remove_stale(keep=gen_dir.name)
            else:
                gen_dir = layout.root / name
            yield whoosh_index.open_dir(str(gen_dir)), gen_dir, deadline

    def _writer(self, ix, deadline: float):
        try:
            return update_writer(ix, max(0.0, deadline - time.monotonic()))
        except LockError:
            raise IndexBusyError("search index is busy (Whoosh writer lock held)") from None


def _combine(matches: list[UnitMatch]) -> tuple[dict[int, float], dict[int, int] | None]:
    """AND of the units; if no document has them all, OR ranked by how many units matched.
    Returns the scores and, for OR, the number of units each document matched."""
    if not matches:
        return {}, None
    if len(matches) == 1:
        return matches[0].scores, None
    scores = combine_all([m.scores for m in matches])
    if scores:
        return scores, None
    return combine_any(m.scores for m in matches)


def _top(
    docs: Collection[int] | None, scores: dict[int, float], matched: dict[int, int] | None, n: int
) -> list[int]:
    """The ``n`` best of ``docs`` (None: every scored document): by units matched (OR), then
    score, then docnum (stable pages)."""
    if docs is None and matched is None and len(scores) > 4 * n:
        # Find the n-th best score, then rank only the documents reaching it (all in C but the sort).
        threshold = heapq.nlargest(n, scores.values())[-1]
        docs = list(compress(scores.keys(), map(threshold.__le__, scores.values())))
    elif docs is None:
        docs = scores.keys()
    if matched is None:
        keys = zip(map(scores.__getitem__, docs), map(neg, docs), strict=True)
    else:
        keys = zip(map(matched.__getitem__, docs), map(scores.__getitem__, docs), map(neg, docs), strict=True)
    return [-key[-1] for key in heapq.nlargest(n, keys)]
