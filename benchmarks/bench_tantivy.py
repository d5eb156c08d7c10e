"""kb's Whoosh search against Tantivy (Rust, via the ``tantivy`` Python bindings) on the same corpus.

    .venv/bin/pip install -r benchmarks/requirements-tantivy.txt
    flock /tmp/kb-heavy.lock .venv/bin/python -m benchmarks.bench_tantivy --n 20000

Builds kb's index with ``WhooshBackend.rebuild`` and a Tantivy index of the same documents, each in a
temporary directory (timed, then measured on disk), opens each afresh (a new backend / ``Index.open``
and a new searcher, as a new worker would) and runs the same queries on both with no warm-up: the
"cold" pass includes every first-time query (and the first query after opening); the "warm" pass
repeats the same queries on the same searchers. Each query asks for the top 10 with the total count,
snippets and kind/tag facet counts. kb's search also returns title highlights, a "did you mean"
suggestion, and drops words no document has together; the Tantivy query does the nearest it can
(see ``TantivyIndex.query``). Target (issue 16): kb's cold search p95 within 2x of Tantivy's at
20,000 entries and within 3x at 100,000.

Tantivy is imported here only: nothing under kb/ or tests/ depends on it.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import tantivy

from benchmarks.bench_search_backend import ROOT, percentiles, timed
from benchmarks.corpus import generate, queries, to_search_document
from kb.search import SearchDocument
from kb.search.common.ranking import FIELD_BOOSTS, MAX_COMPLETIONS, PREFIX_FACTOR, TYPO_FACTORS
from kb.search.common.spelling import max_edits
from kb.search.whoosh.backend import WhooshBackend

TARGET_RATIO = {20000: 2.0, 100000: 3.0}  # kb's cold search p95 / Tantivy's, at that many entries
TOP = 10
TEXT_FIELDS = tuple(FIELD_BOOSTS)  # title, summary, tags_text, details, body
_WORD = re.compile(r"\w+")


def disk_size(path: Path) -> int:
    """Bytes of every file under ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def cpu_timed(fn: Callable[[], object]) -> tuple[object, float, float]:
    """``fn()``, its wall-clock seconds and its CPU seconds (this process, every thread)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


# kb (Whoosh) ---------------------------------------------------------------------------


def build_whoosh(docs: list[SearchDocument], path: Path) -> dict[str, float]:
    builder = WhooshBackend(path, synonyms_path=str(ROOT / "seed" / "synonyms.txt"), lock_timeout=60)
    _, wall, cpu = cpu_timed(lambda: builder.rebuild(docs))
    builder.close()
    return {"build s": wall, "build cpu s": cpu, "size MB": disk_size(path) / 1e6}


def whoosh_search(path: Path) -> Callable[[str], object]:
    """A fresh backend's search: top 10, total, highlights, facets, suggestion (kb always returns all)."""
    backend = WhooshBackend(path, synonyms_path=str(ROOT / "seed" / "synonyms.txt"))
    return lambda q: backend.search(q, per_page=TOP)


# Tantivy -------------------------------------------------------------------------------


def tantivy_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("slug", stored=True, tokenizer_name="raw")
    for name in TEXT_FIELDS:  # stemmed like kb's fields; stored where a hit shows them
        builder.add_text_field(name, stored=name in ("title", "summary", "body"), tokenizer_name="en_stem")
    for name in ("kind", "tags", "locale"):  # keyword fields, columnar for the terms aggregations
        builder.add_text_field(name, stored=True, fast=True, tokenizer_name="raw")
    return builder.build()


def build_tantivy(docs: list[SearchDocument], path: Path, threads: int) -> dict[str, float]:
    path.mkdir()
    index = tantivy.Index(tantivy_schema(), path=str(path))

    def build() -> None:
        writer = index.writer(heap_size=200_000_000, num_threads=threads)
        for d in docs:
            writer.add_document(
                tantivy.Document(
                    id=d.id,
                    slug=d.slug,
                    title=d.title,
                    summary=d.summary,
                    tags_text=" ".join(d.tags),
                    details=d.details,
                    body=d.body,
                    kind=d.kind,
                    tags=list(d.tags),
                    locale=d.locale,
                )
            )
        writer.commit()
        writer.wait_merging_threads()

    _, wall, cpu = cpu_timed(build)
    return {"build s": wall, "build cpu s": cpu, "size MB": disk_size(path) / 1e6}


class TantivyIndex:
    """A freshly opened Tantivy index answering kb-shaped searches."""

    def __init__(self, path: Path):
        self.index = tantivy.Index.open(str(path))
        self.index.reload()
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        self.analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("english"))
            .build()
        )

    def stem(self, word: str) -> str:
        """``word`` as the ``en_stem`` tokenizer indexes it."""
        tokens = self.analyzer.analyze(word)
        return tokens[0] if tokens else word.lower()

    def query(self, q: str, *, every_unit: bool = True) -> tantivy.Query | None:
        """kb's query semantics as far as Tantivy's queries go: the query's units (quoted phrases and
        words) each required (``every_unit``; else any), each matching its stems in every text field
        with kb's field boosts, plus at kb's lower factors its typo variants (fuzzy terms within kb's
        edit budget of its stem, in every text field, when the stem itself is not indexed) and, for a
        last word still being typed, up to 8 title words it begins (in the title). No synonyms, no
        phrase rules per field, no "did you mean"."""
        parts = q.split('"')
        units: list[tuple[str, bool]] = []  # (text, is a phrase)
        for i, part in enumerate(parts):
            if i % 2 == 1 and i < len(parts) - 1:
                words = _WORD.findall(part)
                if words:
                    units.append((" ".join(words), len(words) > 1))
            else:
                units.extend((w, False) for w in _WORD.findall(part))
        if not units:
            return None
        unfinished = q[-1:].isalnum()
        should, must = tantivy.Occur.Should, tantivy.Occur.Must
        clauses = []
        for n, (text, phrase) in enumerate(units):
            exact = self.index.parse_query(
                f'"{text}"' if phrase else text, list(TEXT_FIELDS), field_boosts=FIELD_BOOSTS
            )
            options = [(should, exact)]
            word = text.lower()
            edits = 0 if phrase else max_edits(word)
            stem = self.stem(word) if edits else ""
            if edits and not self.searcher.doc_freq("body", stem):  # kb adds at most 2 for a known word
                for field, boost in FIELD_BOOSTS.items():
                    typo = tantivy.Query.fuzzy_term_query(self.schema, field, stem, distance=edits)
                    options.append((should, tantivy.Query.boost_query(typo, boost * TYPO_FACTORS[1])))
            if not phrase and unfinished and n == len(units) - 1 and len(word) >= 2:
                boost = FIELD_BOOSTS["title"] * PREFIX_FACTOR
                for term, _ in self.searcher.terms_with_prefix("title", word, limit=MAX_COMPLETIONS):
                    found = tantivy.Query.term_query(self.schema, "title", term)
                    options.append((should, tantivy.Query.boost_query(found, boost)))
            clauses.append((must if every_unit else should, tantivy.Query.boolean_query(options)))
        return tantivy.Query.boolean_query(clauses)

    def search(self, q: str) -> dict:
        """Top 10 with the total, a body snippet per hit, kind and tag counts. The counts are a second
        pass over the matches (``Searcher.aggregate``, terms aggregations on the fast fields): the
        bindings have no facet collector to run beside the top-docs one. When no document has every
        unit, the query runs again with any unit (kb drops words instead; close enough in cost)."""
        query = self.query(q)
        if query is None:
            return {"hits": [], "total": 0, "facets": {}}
        result = self.searcher.search(query, limit=TOP, count=True)
        if result.count == 0 and len(_WORD.findall(q)) > 1:
            query = self.query(q, every_unit=False)
            result = self.searcher.search(query, limit=TOP, count=True)
        snippets = tantivy.SnippetGenerator.create(self.searcher, query, self.schema, "body")
        hits = []
        for score, address in result.hits:
            doc = self.searcher.doc(address)
            hits.append(
                {
                    "slug": doc.get_first("slug"),
                    "title": doc.get_first("title"),
                    "score": score,
                    "snippet": snippets.snippet_from_doc(doc).to_html(),
                }
            )
        facets = self.searcher.aggregate(
            query,
            {
                "kind": {"terms": {"field": "kind", "size": 10}},
                "tags": {"terms": {"field": "tags", "size": 1000}},
            },
        )
        counts = {
            name: {b["key"]: b["doc_count"] for b in facets[name]["buckets"]} for name in ("kind", "tags")
        }
        return {"hits": hits, "total": result.count, "facets": counts}


# measuring and reporting -----------------------------------------------------------------


def passes(search: Callable[[str], object], qs: Sequence[str]) -> dict[str, float]:
    """Cold pass (first-time queries, first query after opening included) then warm pass, in ms."""
    cpu: list[float] = []
    cold = percentiles(timed(search, qs, cpu))
    warm = percentiles(timed(search, qs))
    cold_cpu = percentiles(cpu)
    return {
        **{f"cold {k}": v for k, v in cold.items()},
        **{f"cold cpu {k}": v for k, v in cold_cpu.items()},
        **{f"warm {k}": v for k, v in warm.items()},
    }


def agreement(kb_search: Callable[[str], object], tv_search: Callable[[str], dict], qs: Sequence[str]) -> str:
    """How alike the two answers are (the work each does grows with the number of matches)."""
    same = overlap = kb_total = tv_total = 0
    for q in qs:
        ours, theirs = kb_search(q), tv_search(q)
        kb_total += ours.total
        tv_total += theirs["total"]
        same += ours.total == theirs["total"]
        overlap += len({h.slug for h in ours.hits} & {h["slug"] for h in theirs["hits"]})
    return (
        f"agreement over {len(qs)} queries: mean matches kb {kb_total / len(qs):,.0f}, "
        f"Tantivy {tv_total / len(qs):,.0f}; same total for {same}; "
        f"top-10 overlap {overlap / len(qs):.1f} of {TOP}"
    )


def profiled(search: Callable[[str], object], qs: Sequence[str], top: int = 25) -> None:
    """Run the queries once under cProfile and print where the time went (own time per function)."""
    profile = cProfile.Profile()
    profile.enable()
    timed(search, qs)
    profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(top)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "-"


def table(n: int, kb: dict[str, float], tv: dict[str, float]) -> str:
    """The Markdown table the README takes."""
    ms = "{:.1f} / {:.1f} ms"
    rows = [
        ("search p50 / p95, cold (first-time queries)", "cold p50", "cold p95"),
        ("search CPU p50 / p95, cold", "cold cpu p50", "cold cpu p95"),
        ("search p50 / p95, warm (same queries again)", "warm p50", "warm p95"),
    ]
    lines = [
        f"| {n:,} entries | kb (Whoosh) | Tantivy | kb / Tantivy |",
        "|---|---|---|---|",
    ]
    for label, p50, p95 in rows:
        lines.append(
            f"| {label} | {ms.format(kb[p50], kb[p95])} | {ms.format(tv[p50], tv[p95])} "
            f"| {_ratio(kb[p50], tv[p50])} / {_ratio(kb[p95], tv[p95])} |"
        )
    lines.append(
        f"| index build (CPU) | {kb['build s']:.1f} s ({kb['build cpu s']:.1f}) "
        f"| {tv['build s']:.1f} s ({tv['build cpu s']:.1f}) | {_ratio(kb['build s'], tv['build s'])} |"
    )
    lines.append(
        f"| index on disk | {kb['size MB']:.0f} MB | {tv['size MB']:.0f} MB "
        f"| {_ratio(kb['size MB'], tv['size MB'])} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="documents")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument(
        "--threads", type=int, default=1, help="Tantivy indexing threads (default 1, as kb's rebuild)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="first print a cProfile of a kb cold pass (a backend of its own; module-level memos stay warm)",
    )
    args = parser.parse_args(argv)

    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    t0 = time.perf_counter()
    docs = [to_search_document(d) for d in generate(args.n)]
    qs = queries(args.queries, seed=7)
    print(f"corpus: {len(docs)} docs, {len(qs)} queries, generated in {time.perf_counter() - t0:.1f}s")
    with tempfile.TemporaryDirectory(prefix="kb-bench-tantivy-") as tmp:
        workdir = Path(tmp)
        kb = build_whoosh(docs, workdir / "whoosh")
        print(f"kb: rebuilt in {kb['build s']:.1f}s, {kb['size MB']:.0f} MB")
        tv = build_tantivy(docs, workdir / "tantivy", args.threads)
        print(f"tantivy: built in {tv['build s']:.1f}s ({args.threads} thread(s)), {tv['size MB']:.0f} MB")
        del docs
        kb_search = whoosh_search(workdir / "whoosh")
        if args.profile:
            profiled(kb_search, qs)
            kb_search = whoosh_search(workdir / "whoosh")  # a fresh backend again for the timed passes
        kb |= passes(kb_search, qs)
        index = TantivyIndex(workdir / "tantivy")
        tv |= passes(index.search, qs)
        print(agreement(kb_search, index.search, qs[:200]))
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print()
    print(table(args.n, kb, tv))
    target = TARGET_RATIO.get(args.n)
    if target:
        ratio = kb["cold p95"] / tv["cold p95"]
        verdict = "met" if ratio <= target else "NOT met"
        print(f"\ntarget: kb cold search p95 <= {target:.0f}x Tantivy's: {ratio:.1f}x, {verdict}")


if __name__ == "__main__":
    main()
