"""The default search backend: a Whoosh index on local disk, shared by every process of the host.

Writes (index/remove/rebuild) hold ``<path>/WRITELOCK`` (and Whoosh's own lock); a rebuild holds it
for its whole run, so an update that arrives meanwhile fails with IndexBusyError after
``lock_timeout`` and is retried by the caller against the new index instead of being lost in the
old one. Reads check two small stamps per call and reopen when another process committed or
swapped in a rebuilt generation (see :mod:`kb.search.whoosh.storage`). A generation written with
fields this code does not read (its recorded :data:`~kb.search.whoosh.fields.INDEX_VERSION`) is
reported as not ok, which makes the start-up recovery rebuild it.
"""

from __future__ import annotations

import gc
import heapq
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from itertools import compress
from operator import and_, neg, or_
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import LockError

from kb.search.base import (
    IndexBusyError,
    Keys,
    SearchBackend,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchResult,
    SectionRef,
    Suggestion,
)
from kb.search.common.highlight import best_fragment, highlight_title
from kb.search.common.languages import DEFAULT_LANGUAGE, LANGUAGES, analysis_languages
from kb.search.common.languages import synonyms_path as language_synonyms
from kb.search.common.parsing import ParsedQuery, analyze, did_you_mean, parse
from kb.search.common.sections import best_section
from kb.search.common.strategy import lead_of, words_report
from kb.search.common.synonyms import SynonymFile, SynonymMap
from kb.search.whoosh import storage
from kb.search.whoosh.allocator import return_large_blocks
from kb.search.whoosh.analysis import stem_analyzer
from kb.search.whoosh.cards import write_card_files
from kb.search.whoosh.fields import (
    INDEX_VERSION,
    READABLE_VERSIONS,
    field_set,
    index_fields,
    stored_sections,
    texts,
    to_fields,
)
from kb.search.whoosh.lowlevel.mapped import open_mapped
from kb.search.whoosh.lowlevel.writer import RebuildWriter, rebuild_writer, update_writer
from kb.search.whoosh.matching import UnitMatch, match_unit
from kb.search.whoosh.scoring import CACHE_BYTES, combine_all, combine_any
from kb.search.whoosh.snapshot import FACET_MASK_MIN, VOCAB_FILE, IndexSnapshot
from kb.search.whoosh.vocabulary import Vocabulary, document_words

SNIPPETS = ("summary", "details", "body")  # highlighted fields, in order of weight
SEGMENT_DOCS = 20_000  # a rebuild writes a segment per this many documents (~75 MB of postings held)


class IndexVersionError(SearchError):
    """The live generation was written with fields this code does not read: it must be rebuilt."""


@dataclass
class _Run:
    """The query matched in one language's fields (see :mod:`kb.search.common.strategy`)."""

    language: str
    parsed: ParsedQuery
    live: list[UnitMatch]
    scores: dict[int, float]
    matched: dict[int, int] | None  # None: every document matched every live unit
    lead: dict[int, int] | None


class WhooshBackend(SearchBackend):
    """Whoosh index in ``path`` (a directory of generations, see :mod:`kb.search.whoosh.storage`).

    ``synonyms_path``: the editable synonyms file (None: no synonyms); ``lock_timeout``: seconds an
    index()/remove()/rebuild() waits for the write lock before IndexBusyError; ``facet_mask_min``:
    from how many matches on facets are counted with bitmasks (see
    :meth:`~kb.search.whoosh.snapshot.IndexSnapshot.facet_counts`); ``mapped``: read compound segments
    in place from their memory map (shared between processes; False: Whoosh copies each file in);
    ``cache_bytes``: the byte budget of each index state's LRU of scores and document sets.
    rebuild() writes with
    :class:`~kb.search.whoosh.lowlevel.writer.RebuildWriter`, which keeps the postings in memory
    (~12 bytes each plus positions) and writes the segment's flat postings file; ``segment_docs``
    bounds that memory: a segment is committed (unmerged) every that many documents.
    A search or suggest on a missing/unreadable index raises SearchError (health() says why).
    Thread-safe (one lock per instance); each process keeps its own caches per index state, and
    the rebuilt segment's flat postings (:mod:`kb.search.whoosh.lowlevel.flat_postings`) across states.
    """

    name = "whoosh"

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        synonyms_path: str | os.PathLike | None = None,
        lock_timeout: float = 5.0,
        facet_mask_min: int = FACET_MASK_MIN,
        mapped: bool = True,
        cache_bytes: int = CACHE_BYTES,
        segment_docs: int = SEGMENT_DOCS,
    ):
        self.layout = storage.Layout(path)
        self.segment_docs = max(1, int(segment_docs))
        self.lock_timeout = float(lock_timeout)
        self.facet_mask_min = int(facet_mask_min)
        self.mapped = mapped
        self.cache_bytes = int(cache_bytes)
        self._analyzer = stem_analyzer()
        self._synonym_files = {
            lang: SynonymFile(language_synonyms(synonyms_path, lang)) for lang in LANGUAGES
        }
        self._lock = threading.RLock()
        return_large_blocks()  # a search's large transient blocks go back to the system when freed
        self._snapshot: IndexSnapshot | None = None
        self._detail: str | None = None

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], *, engine: Any = None, connection: Callable[[], Any] | None = None
    ) -> WhooshBackend:
        """From ``KB_SEARCH_INDEX_PATH``, ``KB_SYNONYMS_PATH``, ``KB_SEARCH_LOCK_TIMEOUT`` and
        ``KB_SEARCH_CACHE_BYTES`` (the index is a folder: ``engine`` and ``connection`` are not used)."""
        return cls(
            config["KB_SEARCH_INDEX_PATH"],
            synonyms_path=config.get("KB_SYNONYMS_PATH"),
            lock_timeout=config.get("KB_SEARCH_LOCK_TIMEOUT", 5.0),
            cache_bytes=config.get("KB_SEARCH_CACHE_BYTES", CACHE_BYTES),
        )

    def _synonyms(self, language: str) -> SynonymMap:
        analyzer = stem_analyzer(language)
        return self._synonym_files[language].current(
            lambda text: SynonymMap.parse(text, lambda raw: analyze(analyzer, raw))
        )

    # reading ---------------------------------------------------------------------

    def _current(self) -> IndexSnapshot | None:
        """The snapshot of the live index state, reopened if another writer changed it."""
        layout = self.layout
        snapshot = self._snapshot
        for _attempt in range(3):  # a rebuild may swap and delete generations while we look
            pointer = layout.pointer_stamp()
            same_generation = snapshot is not None and pointer == snapshot.key[0]
            if same_generation and layout.commit_stamp(snapshot.gen_dir.name) == snapshot.key[2]:
                return snapshot
            name = layout.current_name(pointer)
            if name is None:
                self._detail = "no search index yet (run a rebuild)"
            else:
                try:
                    return self._open(snapshot, pointer, name)
                except IndexVersionError as exc:
                    self._detail = str(exc)
                except Exception as exc:  # a damaged generation: health() says so, a rebuild replaces it
                    self._detail = f"search index unreadable: {exc.__class__.__name__}: {exc}"
            if layout.pointer_stamp() == pointer:
                break
        self._drop_snapshot()
        return None

    def _open(self, snapshot: IndexSnapshot | None, pointer: str | None, name: str) -> IndexSnapshot:
        key = (pointer, name, self.layout.commit_stamp(name))
        gen_dir = self.layout.root / name
        same = snapshot is not None and snapshot.gen_dir == gen_dir
        ix = snapshot.ix if same else _open_index(gen_dir, mapped=self.mapped)  # type: ignore[union-attr]
        new = IndexSnapshot(
            ix, gen_dir, key, facet_mask_min=self.facet_mask_min, cache_bytes=self.cache_bytes
        )
        if snapshot is not None:
            snapshot.close()
        self._snapshot, self._detail = new, None
        return new

    def _drop_snapshot(self) -> None:
        if self._snapshot is not None:
            self._snapshot.close()
            self._snapshot = None

    def _require(self) -> IndexSnapshot:
        snapshot = self._current()
        if snapshot is None:
            raise SearchError(self._detail or "search index unavailable")
        return snapshot

    def exists(self) -> bool:
        """True if a readable index is in place."""
        with self._lock:
            return self._current() is not None

    def close(self) -> None:
        with self._lock:
            self._drop_snapshot()

    def health(self) -> dict:
        with self._lock:
            snapshot = self._current()
            if snapshot is None:
                return {"ok": False, "documents": 0, "last_commit_at": None, "detail": self._detail}
            return {
                "ok": True,
                "documents": snapshot.doc_count,
                "last_commit_at": storage.read_commit_stamp(snapshot.gen_dir),
                "detail": None,
            }

    def ids(self) -> set[str]:
        with self._lock:
            snapshot = self._current()
            return snapshot.ids() if snapshot is not None else set()

    def _suggest(
        self, prefix: str, *, limit: int, locale: Keys, procedure: str | None = None
    ) -> list[Suggestion]:
        with self._lock:
            return self._require().suggester.lookup(prefix, limit, locale, procedure)

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
        with self._lock:
            snapshot = self._require()
            held = snapshot.languages
            wanted = analysis_languages(languages) if languages is not None else tuple(sorted(held))
            chain = [lang for lang in wanted if lang in held] or [wanted[0] if wanted else DEFAULT_LANGUAGE]
            runs = [self._run(snapshot, q, lang) for lang in chain]
            if not any(lang in held for lang in wanted):
                runs = [_Run(r.language, r.parsed, [], {}, None, None) for r in runs]
            urgent = _urgent_docs(snapshot, runs)
            run, scores, matched, lead = _merge(runs)
            added = _add_urgent(runs, urgent, scores, matched, lead)
            scope = snapshot.docs_with(locale=locale, procedure=procedure)
            base: Collection[int] = scores.keys() if scope is None else scope.intersection(scores)
            kind_docs = snapshot.docs_with(kind=kind)
            tag_docs = snapshot.docs_with(tag=tag)
            type_docs = snapshot.docs_with(type=type)
            selections = {}
            live = run.live if run is not None else []
            single = sum(1 for r in runs if r.scores) == 1 and not added
            if single and scope is None and live and len(base) >= snapshot.facet_mask_min:  # bitmasks:
                masks = [snapshot.unit_mask(m) for m in live]  # the units' masks, cached, combined
                selections[id(base)] = reduce(and_ if matched is None else or_, masks)
            facets = snapshot.facets(base, kind_docs, tag_docs, selections, type_docs)
            final = base
            for docs in (kind_docs, tag_docs, type_docs):
                if docs is not None:
                    final = docs.intersection(final)
            start = (page - 1) * per_page
            among = None if final is base and scope is None else final
            ranked = _top(among, scores, matched, start + per_page, lead, urgent)
            top = ranked[start:] if start < len(final) else []
            hits = [self._hit(snapshot, d, scores[d], runs, d in urgent) for d in top]
            return SearchResult(
                hits=hits,
                total=len(final),
                suggestion=self._did_you_mean(snapshot, runs),
                facets=facets,
                words=_words(run, lead, ranked[:1]),
            )

    def _run(self, snapshot: IndexSnapshot, q: str, language: str) -> _Run:
        analyzer = stem_analyzer(language)
        fields = field_set(language)
        parsed = parse(q, analyzer, self._synonyms(language))
        matches = [
            match_unit(u, snapshot.scorer, snapshot.vocab, snapshot.suggester, analyzer, fields)
            for u in parsed.units
        ]
        live = [m for m in matches if m.scores]
        scores, matched, lead = _combine(live)
        return _Run(language, parsed, live, scores, matched, lead)

    def _did_you_mean(self, snapshot: IndexSnapshot, runs: list[_Run]) -> str | None:
        for run in runs:
            live = lambda w, r=run: self._indexed(snapshot, w, r.language)  # noqa: E731
            found = did_you_mean(run.parsed, snapshot.vocab, live)
            if found:
                return found
        return None

    def _indexed(self, snapshot: IndexSnapshot, word: str, language: str = DEFAULT_LANGUAGE) -> bool:
        """Whether some document of this index state holds ``word`` (the vocabulary keeps words of
        removed documents until a rebuild; deleted documents' postings are left out here)."""
        stems = analyze(stem_analyzer(language), word)
        text = field_set(language).text
        return bool(stems) and all(len(snapshot.scorer.terms(stem, text)[0]) for stem in stems)

    def _hit(
        self, snapshot: IndexSnapshot, docnum: int, score: float, runs: list[_Run], urgent: bool
    ) -> SearchHit:
        title, slug, kind, _locale, _tags, _id, language, action, doc_type, _ = snapshot.cards[docnum]  # type: ignore[misc]
        run = next((r for r in runs if r.language == language), runs[0])
        matches, analyzer, fields = run.live, stem_analyzer(language), field_set(language)
        stored = snapshot.searcher.stored_fields(docnum)
        stems = set().union(*(m.stems for m in matches)) if matches else set()
        title_stems = stems.union(*(m.title_stems for m in matches)) if matches else set()
        highlights = {"title": highlight_title(title, title_stems, analyzer)}
        snippets = zip(SNIPPETS, fields.snippet, strict=True)
        shown = {name: stored.get(stored_name) or "" for name, stored_name in snippets}
        section = None
        if doc_type == "article":
            sections = stored_sections(stored)
            # the stems PostgreSQL highlights too: the words, their variants and the completions
            pairs = [(heading, body) for heading, _, body in sections]
            best = best_section(pairs, title_stems, lambda text: analyze(analyzer, text))
            if best is not None:
                heading, anchor, shown["body"] = sections[best]  # the fragment comes from that section
                section = SectionRef(heading=heading, anchor=anchor)
        for name in SNIPPETS:
            fragment = best_fragment(shown[name], stems, analyzer)
            if fragment:  # the first field that matched, in order of field weight
                highlights[name] = fragment
                break
        return SearchHit(
            type=doc_type,
            section=section,
            slug=slug,
            kind=kind or None,
            title=title,
            summary=stored.get(fields.of("summary")) or "",
            score=round(score, 6),
            highlights=highlights,
            urgent=urgent,
            action=action or None if urgent else None,
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
                ix = _create_index(gen_dir)
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
        """Write ``docs`` into the new index ``ix``, a segment per ``segment_docs`` documents, each
        committed without merging (a merge would decode them all again), then the vocabulary."""
        seen: set[str] = set()
        counts: Counter = Counter()
        writer: RebuildWriter | None = None
        collecting = gc.isenabled()
        gc.disable()  # millions of small objects: the cyclic GC would rescan them again and again
        try:
            for doc in docs:
                if str(doc.id) in seen:
                    continue  # the first occurrence of an id wins
                seen.add(str(doc.id))
                if writer is None:
                    writer = rebuild_writer(ix, on_words=counts.update)  # hands over each document's words
                writer.add_document(**to_fields(doc))
                if writer.docnum >= self.segment_docs:
                    writer, full = None, writer
                    full.commit(merge=False)
                    del full
                    gc.collect()  # whatever cycles the segment left: once per segment, not per object
                if progress is not None and len(seen) % 500 == 0:
                    progress(len(seen))
            vocab = Vocabulary()
            vocab.merge(counts)
            vocab.save(gen_dir / VOCAB_FILE)
            if writer is not None or not seen:  # the last segment, or an empty index's first commit
                writer, last = None, writer or rebuild_writer(ix)
                last.commit(merge=False)
            write_card_files(ix, gen_dir)  # before the swap: no reader sees a segment without it
        except BaseException:
            if writer is not None:
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
                _create_index(gen_dir)
                storage.write_commit_stamp(gen_dir)
                layout.swap_to(gen_dir)
                layout.remove_stale(keep=gen_dir.name)
            else:
                gen_dir = layout.root / name
            yield _open_index(gen_dir), gen_dir, deadline

    def _writer(self, ix, deadline: float):
        try:
            return update_writer(ix, max(0.0, deadline - time.monotonic()))
        except LockError:
            raise IndexBusyError("search index is busy (Whoosh writer lock held)") from None


def _create_index(gen_dir: Path):
    """An empty index in a new generation directory, with the version of its fields recorded."""
    storage.write_version(gen_dir, INDEX_VERSION)
    return whoosh_index.create_in(str(gen_dir), index_fields())


def _open_index(gen_dir: Path, *, mapped: bool = False):
    """Open a generation with today's fields (the field set pickled in the index, which names the
    analyzer's class by module path, is never read); IndexVersionError if it holds other fields.
    ``mapped``: for reading only, compound segments read in place from their shared memory map
    (:mod:`kb.search.whoosh.lowlevel.mapped`) rather than copied into this process."""
    version = storage.read_version(gen_dir)
    if version not in READABLE_VERSIONS:
        readable = ", ".join(map(str, sorted(READABLE_VERSIONS)))
        raise IndexVersionError(
            f"search index written by index version {version}; this code reads {readable} (rebuild it)"
        )
    if mapped:
        return open_mapped(str(gen_dir), index_fields())
    return whoosh_index.open_dir(str(gen_dir), schema=index_fields())


def _combine(
    matches: list[UnitMatch],
) -> tuple[dict[int, float], dict[int, int] | None, dict[int, int] | None]:
    """AND of the units; if no document has them all, every document matching some unit, with the
    number of units it matched and of leading units it matched (:mod:`kb.search.common.strategy`)."""
    if not matches:
        return {}, None, None
    if len(matches) == 1:
        return matches[0].scores, None, None
    scores = combine_all([m.scores for m in matches])
    if scores:
        return scores, None, None
    scores, matched = combine_any(m.scores for m in matches)
    lead = {d: lead_of([d in m.scores for m in matches]) for d in scores}
    return scores, matched, lead


Counts = dict[int, int] | None


def _merge(runs: list[_Run]) -> tuple[_Run | None, dict[int, float], Counts, Counts]:
    """One result from the runs of several languages (their documents are disjoint): the runs that
    found every word win; else all, by leading units and units matched. Also the run that decides the
    report of used words (the first winning one)."""
    found = [r for r in runs if r.scores]
    if not found:
        return (runs[0] if runs else None), {}, None, None
    complete = [r for r in found if r.matched is None]
    if len(found) == 1 or (len(complete) == 1):
        run = complete[0] if complete else found[0]
        return run, run.scores, run.matched, run.lead
    if complete:
        scores: dict[int, float] = {}
        for r in complete:
            scores.update(r.scores)
        return complete[0], scores, None, None
    scores, matched, lead = {}, {}, {}
    for r in found:
        scores.update(r.scores)
        matched.update(r.matched or {})
        lead.update(r.lead or {})
    best = max(found, key=lambda r: max(r.lead.values()) if r.lead else 0)
    return best, scores, matched, lead


def _urgent_docs(snapshot: IndexSnapshot, runs: list[_Run]) -> set[int]:
    """Documents of which a unit (its words or a synonym, in the document's language) matches an urgent
    warning sign: they rank first."""
    found: set[int] = set()
    scorer = snapshot.scorer
    for run in runs:
        field = field_set(run.language).of("urgent")
        for match in run.live:
            unit = match.unit
            for stems in (unit.stems, *unit.alternatives):
                if not stems:
                    continue
                docs = set(scorer.doc_ids(stems[0], field))
                for stem in stems[1:]:
                    docs.intersection_update(scorer.doc_ids(stem, field))
                found |= docs
    return found


def _add_urgent(
    runs: list[_Run], urgent: set[int], scores: dict[int, float], matched: Counts, lead: Counts
) -> int:
    """Safety first: urgent documents are results even without every word (scored by what they match);
    returns how many were added."""
    before = len(scores)
    for run in runs:
        for d in urgent.difference(scores):
            flags = [d in m.scores for m in run.live]
            if any(flags):
                scores[d] = sum(m.scores.get(d, 0.0) for m in run.live)
                if matched is not None and lead is not None:
                    matched[d], lead[d] = sum(flags), lead_of(flags)
    return len(scores) - before


def _words(run: _Run | None, lead: dict[int, int] | None, best: list[int]) -> dict[str, list[str]] | None:
    """Which words the results used, when some were not (None: every word was)."""
    if run is None:
        return None
    used = run.live[: lead.get(best[0], 0)] if lead is not None and best else run.live
    used_units = {id(m.unit) for m in used}
    return words_report(run.parsed.units, [id(u) in used_units for u in run.parsed.units])


def _top(
    docs: Collection[int] | None,
    scores: dict[int, float],
    matched: dict[int, int] | None,
    n: int,
    lead: dict[int, int] | None = None,
    urgent: Collection[int] = (),
) -> list[int]:
    """The ``n`` best of ``docs`` (None: every scored document): urgent ones first, then (when not
    every document has every word) by leading units matched and units matched, then score, then docnum
    (stable pages)."""
    urgent = [d for d in urgent if d in scores and (docs is None or d in docs)]
    if urgent:
        first = _top(urgent, scores, matched, n, lead)
        if len(first) >= n:
            return first
        rest = set(scores if docs is None else docs).difference(first)
        return first + _top(rest, scores, matched, n - len(first), lead)
    if docs is None and matched is None and len(scores) > 4 * n:
        # Find the n-th best score, then rank only the documents reaching it (all in C but the sort).
        threshold = heapq.nlargest(n, scores.values())[-1]
        docs = list(compress(scores.keys(), map(threshold.__le__, scores.values())))
    elif docs is None:
        docs = scores.keys()
    if matched is None or lead is None:
        keys = zip(map(scores.__getitem__, docs), map(neg, docs), strict=True)
    else:
        keys = zip(
            map(lead.__getitem__, docs),
            map(matched.__getitem__, docs),
            map(scores.__getitem__, docs),
            map(neg, docs),
            strict=True,
        )
    return [-key[-1] for key in heapq.nlargest(n, keys)]
