"""Dump every search and suggest answer for the benchmark's query set, to compare two versions of the code.

    python -m benchmarks.compare_results --out before.json [--n 3000] [--database-url URL]
    python -m benchmarks.compare_results --out after.json ... && cmp before.json after.json

Builds the benchmark corpus (:mod:`benchmarks.corpus`) into each backend through the public interface
only (:func:`kb.search.get_backend_class`), so the script runs unchanged across a re-layout of
``kb.search``; then writes, per backend, for every query of ``queries()`` (plain, and a share of them
with a kind/tag/locale filter or on page 2) the hits (slug, kind, title, summary, score, highlights),
total, facets and ``suggestion``, every prefix's suggestions, and the message of each refused call.
The Whoosh backend always runs; PostgreSQL when ``--database-url`` (or KB_TEST_DATABASE_URL) is given,
in a throw-away schema of that database.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from benchmarks.corpus import generate, prefixes, queries, to_search_document
from kb.search import SearchBackend, SearchDocument, SearchError, get_backend_class

ROOT = Path(__file__).resolve().parent.parent
SYNONYMS = ROOT / "seed" / "synonyms.txt"
# Refused calls: each message is part of the behaviour (the API answers 400 with it).
BAD_SEARCHES: list[dict] = [
    {"q": ""},
    {"q": "   "},
    {"q": "x" * 501},
    {"q": 5},
    {"q": "skin", "page": 0},
    {"q": "skin", "per_page": 0},
    {"q": "skin", "per_page": 101},
    {"q": "skin", "page": True},
    {"q": "skin", "page": 101, "per_page": 100},
    {"q": "skin", "kind": "recipe"},
]
BAD_SUGGESTS: list[dict] = [{"prefix": 5}, {"prefix": "a", "limit": 0}, {"prefix": "a", "limit": True}]


def _search_calls(qs: list[str]) -> list[dict]:
    """Every query plain, and every fifth also filtered or paged, so each code path gets its share."""
    calls: list[dict] = [{"q": q} for q in qs]
    extras = [{"kind": "complication"}, {"tag": "aftercare"}, {"locale": "en"}, {"page": 2, "per_page": 7}]
    for i, q in enumerate(qs[::5]):
        calls.append({"q": q, **extras[i % len(extras)]})
    return calls


def _answer(fn: Callable, call: dict) -> object:
    try:
        result = fn(**call)
    except SearchError as exc:
        return {"error": type(exc).__name__, "message": str(exc)}
    if isinstance(result, list):
        return [[s.slug, s.kind, s.title] for s in result]
    return {
        "total": result.total,
        "suggestion": result.suggestion,
        "facets": result.facets,
        "hits": [[h.slug, h.kind, h.title, h.summary, h.score, h.highlights] for h in result.hits],
    }


def dump(backend: SearchBackend, docs: list[SearchDocument], qs: list[str], ps: list[str]) -> dict:
    """Rebuild ``backend`` with ``docs``; every answer, keyed by the call's arguments."""
    count = backend.rebuild(docs)
    out: dict = {"count": count, "search": {}, "suggest": {}, "errors": {}}
    for call in _search_calls(qs):
        out["search"][json.dumps(call, sort_keys=True)] = _answer(backend.search, call)
    for prefix in dict.fromkeys(ps):
        for call in ({"prefix": prefix}, {"prefix": prefix, "limit": 3, "locale": "en"}):
            out["suggest"][json.dumps(call, sort_keys=True)] = _answer(backend.suggest, call)
    for call in BAD_SEARCHES:
        out["errors"][json.dumps(call, sort_keys=True)] = _answer(backend.search, call)
    for call in BAD_SUGGESTS:
        out["errors"][json.dumps(call, sort_keys=True)] = _answer(backend.suggest, call)
    return out


def _corpus(n: int) -> list[SearchDocument]:
    """``n`` generated entries, a tenth of them in French so the locale filter matters."""
    docs = []
    for i, entry in enumerate(generate(n)):
        if i % 10 == 9:
            entry = {**entry, "locale": "fr"}
        docs.append(to_search_document(entry))
    return docs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="JSON file to write")
    parser.add_argument("--n", type=int, default=3000, help="documents")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--prefixes", type=int, default=1000)
    parser.add_argument("--database-url", default=os.environ.get("KB_TEST_DATABASE_URL"))
    args = parser.parse_args(argv)

    docs = _corpus(args.n)
    qs, ps = queries(args.queries, seed=7), prefixes(args.prefixes, seed=11)
    results: dict = {"n": args.n}
    with tempfile.TemporaryDirectory(prefix="kb-compare-") as tmp:
        whoosh = get_backend_class("whoosh")(
            Path(tmp) / "index", synonyms_path=str(SYNONYMS), lock_timeout=60
        )
        try:
            results["whoosh"] = dump(whoosh, docs, qs, ps)
        finally:
            whoosh.close()
    if args.database_url:
        schema = f"kb_compare_{uuid.uuid4().hex[:12]}"
        postgres = get_backend_class("postgres")(
            args.database_url, schema=schema, synonyms_path=str(SYNONYMS), lock_timeout=60
        )
        try:
            postgres.ensure_schema()
            results["postgres"] = dump(postgres, docs, qs, ps)
        finally:
            postgres.drop_schema()
    args.out.write_text(json.dumps(results, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(
        f"{args.out}: "
        + ", ".join(f"{k}: {len(v['search'])} searches" for k, v in results.items() if k != "n")
    )


if __name__ == "__main__":
    main()
