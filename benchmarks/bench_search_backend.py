"""In-process benchmark of the Whoosh backend, with SQLite FTS5 on the same corpus for scale.

    python -m benchmarks.bench_search_backend --n 20000

Builds the index with ``WhooshBackend.rebuild`` in a temporary directory (timed), opens a fresh
backend (as a new worker would), warms it with a separate query set, then measures search and
suggest latencies. The same corpus and queries go through an FTS5 table (porter tokenizer, bm25
with the same field weights, prefix queries). Targets: search p95 <= 30 ms, suggest p95 <= 10 ms,
rebuild <= 30 s at 20,000 documents.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.corpus import generate, prefixes, queries, to_search_document
from kb.search import SearchDocument, SearchQueryError
from kb.search.whoosh.backend import WhooshBackend

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"search p95": 30.0, "suggest p95": 10.0, "rebuild s": 30.0}
# Wall-clock numbers suffer when other processes share this machine's 2 vCPUs (two busy processes
# each run at ~57% speed here); the CPU-time rows show what the code itself costs, and the load
# average is printed before and after so a reader can tell.


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    return {"p50": pick(50), "p95": pick(95), "p99": pick(99), "mean": statistics.fmean(ordered)}


def timed(fn: Callable[[str], object], inputs: Sequence[str], cpu: list[float] | None = None) -> list[float]:
    """Wall-clock milliseconds per call (CPU milliseconds appended to ``cpu`` if given)."""
    out = []
    for item in inputs:
        t0, c0 = time.perf_counter(), time.process_time()
        with contextlib.suppress(SearchQueryError):
            fn(item)
        out.append((time.perf_counter() - t0) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c0) * 1000)
    return out


# Whoosh -------------------------------------------------------------------------------


def bench_whoosh(
    docs: list[SearchDocument],
    qs: list[str],
    ps: list[str],
    warm_qs: list[str],
    warm_ps: list[str],
    workdir: Path,
) -> dict[str, float]:
    synonyms = ROOT / "seed" / "synonyms.txt"
    builder = WhooshBackend(
        workdir / "whoosh",
        synonyms_path=str(synonyms),
        lock_timeout=60,
    )
    t0, c0 = time.perf_counter(), time.process_time()
    count = builder.rebuild(docs)
    rebuild_s, rebuild_cpu = time.perf_counter() - t0, time.process_time() - c0
    builder.close()
    backend = WhooshBackend(workdir / "whoosh", synonyms_path=str(synonyms))
    t0 = time.perf_counter()
    backend.search("skin")
    backend.suggest("s")
    open_ms = (time.perf_counter() - t0) * 1000
    timed(backend.search, warm_qs)
    timed(backend.suggest, warm_ps)
    result = measure(backend.search, backend.suggest, qs, ps)
    print(
        f"whoosh: indexed {count} docs in {rebuild_s:.1f}s ({rebuild_cpu:.1f}s CPU); "
        f"first query after open {open_ms:.0f} ms (loads per-state caches)"
    )
    return {"rebuild s": rebuild_s, "rebuild cpu s": rebuild_cpu, **result}


def measure(search: Callable, suggest: Callable, qs: list[str], ps: list[str]) -> dict[str, float]:
    """Search and suggest percentiles, wall-clock and CPU, plus a second pass over the same queries."""
    search_cpu: list[float] = []
    suggest_cpu: list[float] = []
    return {
        **_prefixed("search", percentiles(timed(search, qs, search_cpu))),
        **_prefixed("search cpu", percentiles(search_cpu)),
        **_prefixed("search again", percentiles(timed(search, qs))),
        **_prefixed("suggest", percentiles(timed(suggest, ps, suggest_cpu))),
        **_prefixed("suggest cpu", percentiles(suggest_cpu)),
    }


# SQLite FTS5 --------------------------------------------------------------------------

_FTS_WORD = re.compile(r"\w+")


def fts_query(q: str) -> str | None:
    """Our query semantics in FTS5 syntax: quoted phrases, every word required, last word a prefix."""
    parts = q.split('"')
    terms = []
    for i, part in enumerate(parts):
        words = _FTS_WORD.findall(part)
        if not words:
            continue
        if i % 2 == 1 and i < len(parts) - 1:
            terms.append('"' + " ".join(words) + '"')
        else:
            terms.extend(f'"{w}"' for w in words)
    if not terms:
        return None
    if q[-1:].isalnum() and terms[-1].count(" ") == 0:
        terms[-1] += "*"
    return " AND ".join(terms)


def bench_fts5(
    docs: list[SearchDocument],
    qs: list[str],
    ps: list[str],
    warm_qs: list[str],
    warm_ps: list[str],
    workdir: Path,
) -> dict[str, float]:
    db = sqlite3.connect(workdir / "fts.sqlite3")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, kind UNINDEXED, locale UNINDEXED, "
        "title, summary, tags, details, body, tokenize='porter unicode61 remove_diacritics 2', "
        "prefix='2 3')"
    )
    t0 = time.perf_counter()
    with db:
        db.executemany(
            "INSERT INTO docs VALUES (?,?,?,?,?,?,?,?)",
            [
                (d.slug, d.kind, d.locale, d.title, d.summary, " ".join(d.tags), d.details, d.body)
                for d in docs
            ],
        )
    build_s = time.perf_counter() - t0

    def search(q: str) -> object:
        match = fts_query(q)
        if match is None:
            return None
        total = db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
        facets = db.execute(
            "SELECT kind, count(*) FROM docs WHERE docs MATCH ? GROUP BY kind", (match,)
        ).fetchall()
        hits = db.execute(
            "SELECT slug, highlight(docs, 3, '<mark>', '</mark>'),"
            " snippet(docs, 7, '<mark>', '</mark>', '…', 20), bm25(docs, 0, 0, 0, 6, 3, 3, 1.5, 1) AS score"
            " FROM docs WHERE docs MATCH ? ORDER BY score LIMIT 20",
            (match,),
        ).fetchall()
        return total, facets, hits

    def suggest(prefix: str) -> object:
        words = _FTS_WORD.findall(prefix)
        if not words:
            return []
        match = "title : " + " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
        return db.execute(
            "SELECT slug, title FROM docs WHERE docs MATCH ? ORDER BY length(title), title LIMIT 10", (match,)
        ).fetchall()

    timed(search, warm_qs)
    timed(suggest, warm_ps)
    result = {"rebuild s": build_s, **measure(search, suggest, qs, ps)}
    db.close()
    print(f"fts5: indexed {len(docs)} docs in {build_s:.1f}s")
    return result


def _prefixed(name: str, stats: dict[str, float]) -> dict[str, float]:
    return {f"{name} {k}": v for k, v in stats.items()}


# report --------------------------------------------------------------------------------


def report(whoosh: dict[str, float], fts: dict[str, float] | None) -> None:
    rows = [k for k in whoosh if not k.endswith("mean")]
    print()
    print(f"{'metric':<22}{'whoosh':>10}{'fts5':>10}{'ratio':>8}{'target':>9}  ok")
    for key in rows:
        w = whoosh[key]
        f = fts.get(key) if fts else None
        ratio = f"{w / f:.1f}x" if f else "-"
        target = TARGETS.get(key)
        unit = "s" if key.endswith(" s") else "ms"
        key = key.removesuffix(" s")
        ok = "" if target is None else ("yes" if w <= target else "NO")
        print(
            f"{key + ' (' + unit + ')':<22}{w:>10.2f}{(f if f is not None else float('nan')):>10.2f}"
            f"{ratio:>8}{(target if target else float('nan')):>9.0f}  {ok}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="documents")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--prefixes", type=int, default=1000)
    parser.add_argument("--no-fts", action="store_true", help="skip the SQLite FTS5 comparison")
    args = parser.parse_args(argv)

    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    t0 = time.perf_counter()
    docs = [to_search_document(d) for d in generate(args.n)]
    print(f"corpus: {len(docs)} docs generated in {time.perf_counter() - t0:.1f}s")
    qs, ps = queries(args.queries, seed=7), prefixes(args.prefixes, seed=11)
    warm_qs, warm_ps = queries(200, seed=1001), prefixes(200, seed=1002)
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        workdir = Path(tmp)
        whoosh = bench_whoosh(docs, qs, ps, warm_qs, warm_ps, workdir)
        fts = None if args.no_fts else bench_fts5(docs, qs, ps, warm_qs, warm_ps, workdir)
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    report(whoosh, fts)


if __name__ == "__main__":
    main()
