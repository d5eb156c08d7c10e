"""The scale path measured: both search backends side by side at 20,000 and 100,000 entries, and read
throughput of one app instance vs two on one PostgreSQL.

    python -m benchmarks.bench_scale                      # both parts, sizes 20000 and 100000
    python -m benchmarks.bench_scale --sizes 20000 --no-throughput
    python -m benchmarks.bench_scale --backends postgres --sizes 20000 --no-throughput --db-prefix kbpgs

1. Backends: for each size, N generated entries (benchmarks/corpus.py) are indexed by the Whoosh
   backend (a temporary folder) and the PostgreSQL backend (a temporary database), each rebuild
   timed; then 500 searches and 1,000 suggestions run in-process, one at a time, against a backend
   opened afresh and warmed with a separate query set. The table gives p50/p95 of each and the
   postgres/whoosh ratio.
2. Throughput: a temporary PostgreSQL database with the seed plus ``--throughput-n`` entries and
   KB_SEARCH_BACKEND=postgres, served by one gunicorn instance and then by two (separate processes
   on two ports, nothing shared but the database). ``--clients`` client processes send a read mix
   (entry by slug, a page of the list, search, suggest) for ``--seconds`` each, spread over the
   instances; the table gives requests per second and latency percentiles.

PostgreSQL comes from KB_BENCH_DATABASE_URL (default: postgres on 127.0.0.1:5432); the databases made
here (named ``<--db-prefix>_<random>``) are dropped at the end. ``--backends`` measures one backend
only (the ratio column is then left out).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

from benchmarks.bench_search_backend import percentiles, timed
from benchmarks.corpus import generate, prefixes, queries, to_search_document, write_import_file
from kb.search import SearchBackend, SearchDocument
from kb.search.postgres.backend import PostgresBackend
from kb.search.whoosh.backend import WhooshBackend
from tests.server import call, environment, flask, gunicorn

ROOT = Path(__file__).resolve().parent.parent
SYNONYMS = str(ROOT / "seed" / "synonyms.txt")
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("whoosh", "postgres")


@contextlib.contextmanager
def scratch_database(url: str, prefix: str = "kb_bench") -> Iterator[str]:
    """A new, empty database on the server of ``url`` named ``<prefix>_<random>``; dropped afterwards.
    Yields its URL."""
    server = sa.make_url(url).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


# 1. backends side by side ------------------------------------------------------------------


def _bench(
    open_backend: Callable[[], SearchBackend], docs: list[SearchDocument], qs: list[str], ps: list[str]
) -> dict:
    """Rebuild with one instance, then measure search and suggest with a fresh, warmed one."""
    builder = open_backend()
    started = time.perf_counter()
    builder.rebuild(docs)
    rebuilt = time.perf_counter() - started
    builder.close()
    reader = open_backend()
    timed(reader.search, queries(200, seed=1001))  # warm with other queries than the measured ones
    timed(reader.suggest, prefixes(200, seed=1002))
    search, suggest = percentiles(timed(reader.search, qs)), percentiles(timed(reader.suggest, ps))
    reader.close()
    return {
        "rebuild s": rebuilt,
        "search p50": search["p50"],
        "search p95": search["p95"],
        "suggest p50": suggest["p50"],
        "suggest p95": suggest["p95"],
    }


def compare_backends(
    n: int, url: str, workdir: Path, backends: Sequence[str] = BACKENDS, prefix: str = "kb_bench"
) -> dict[str, dict[str, float]]:
    """Rebuild time and search/suggest percentiles of each of ``backends`` at ``n`` entries."""
    started = time.perf_counter()
    docs = [to_search_document(entry) for entry in generate(n)]
    print(f"{n} entries generated in {time.perf_counter() - started:.0f} s", flush=True)
    qs, ps = queries(500, seed=7), prefixes(1000, seed=11)
    path = workdir / f"whoosh-{n}"
    results = {}
    if "whoosh" in backends:
        results["whoosh"] = _bench(
            lambda: WhooshBackend(path, synonyms_path=SYNONYMS, lock_timeout=60), docs, qs, ps
        )
        print(f"whoosh at {n}: {results['whoosh']}", flush=True)
    if "postgres" not in backends:
        return results
    with scratch_database(url, prefix) as database:
        schema = PostgresBackend(database)
        schema.ensure_schema()  # what the migration does
        schema.close()
        results["postgres"] = _bench(
            lambda: PostgresBackend(database, synonyms_path=SYNONYMS, lock_timeout=60), docs, qs, ps
        )
    print(f"postgres at {n}: {results['postgres']}", flush=True)
    return results


# 2. throughput of one instance vs two ------------------------------------------------------


def _read_mix(slugs: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    qs, ps = queries(200, seed=seed), prefixes(200, seed=seed + 1)
    paths = []
    for _ in range(count):
        r = rng.random()
        if r < 0.4:
            paths.append(f"/api/v1/entries/{rng.choice(slugs)}")
        elif r < 0.6:
            paths.append(f"/api/v1/entries?{urlencode({'page': rng.randint(1, 50), 'per_page': 20})}")
        elif r < 0.85:
            paths.append(f"/api/v1/search?{urlencode({'q': rng.choice(qs)})}")
        else:
            paths.append(f"/api/v1/suggest?{urlencode({'q': rng.choice(ps)})}")
    return paths


def _client(bases: list[str], paths: list[str], seconds: float, offset: int) -> tuple[list[float], int]:
    """Send ``paths`` round-robin over ``bases`` until ``seconds`` pass; latencies (ms) and errors."""
    latencies, errors, i = [], 0, offset
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        status = call(bases[i % len(bases)], "GET", paths[i % len(paths)])[0]
        latencies.append((time.perf_counter() - started) * 1000)
        errors += status >= 400
        i += 1
    return latencies, errors


def _load(bases: list[str], paths: list[str], clients: int, seconds: float) -> dict[str, float]:
    with ProcessPoolExecutor(clients) as pool:
        runs = list(
            pool.map(_client, [bases] * clients, [paths] * clients, [seconds] * clients, range(clients))
        )
    latencies = [ms for run, _ in runs for ms in run]
    stats = percentiles(latencies)
    return {
        "req/s": len(latencies) / seconds,
        "p50 ms": stats["p50"],
        "p95 ms": stats["p95"],
        "errors": sum(errors for _, errors in runs),
    }


def throughput(
    n: int, url: str, workdir: Path, clients: int, seconds: float, prefix: str = "kb_bench"
) -> dict[str, dict[str, float]]:
    """Requests per second of the read mix against 1 and 2 instances of 1 and 2 workers each."""
    entries = list(generate(n, seed=99))
    corpus = write_import_file(entries, workdir / "throughput.ndjson")
    results: dict[str, dict[str, float]] = {}
    with scratch_database(url, prefix) as database:
        extra = {"KB_SEARCH_BACKEND": "postgres", "KB_RATELIMIT_ENABLED": "false", "KB_LOG_LEVEL": "WARNING"}
        envs = [environment(workdir / name, database, **extra) for name in ("a", "b")]
        flask(envs[0], "init")
        started = time.perf_counter()
        flask(envs[0], "import", str(corpus))
        print(f"throughput corpus: {n} entries imported in {time.perf_counter() - started:.0f} s", flush=True)
        paths = _read_mix([entry["slug"] for entry in entries], 5000, seed=5)
        for workers in (1, 2):
            with gunicorn(envs[0], workers=workers) as a:
                _load([a], paths[:500], clients, 3)  # warm
                results[f"1 instance x {workers} worker(s)"] = _load([a], paths, clients, seconds)
                with gunicorn(envs[1], workers=workers) as b:
                    _load([b], paths[:500], clients, 3)
                    results[f"2 instances x {workers} worker(s)"] = _load([a, b], paths, clients, seconds)
            print(f"throughput with {workers} worker(s) per instance done", flush=True)
    return results


# report ------------------------------------------------------------------------------------


def report_backends(by_size: dict[int, dict[str, dict[str, float]]]) -> None:
    names = [name for name in BACKENDS if any(name in results for results in by_size.values())]
    both = len(names) == 2
    print("\nSearch backends in-process (ms; rebuild in s)" + ("; ratio = postgres / whoosh" if both else ""))
    print(
        f"{'entries':>8}  {'metric':<13}"
        + "".join(f"{name:>10}" for name in names)
        + ("   ratio" if both else "")
    )
    for n, results in by_size.items():
        for metric in results[names[0]]:
            values = [results[name][metric] for name in names]
            ratio = f"{values[1] / values[0]:>7.1f}x" if both else ""
            print(f"{n:>8}  {metric:<13}" + "".join(f"{value:>10.2f}" for value in values) + ratio)


def report_throughput(results: dict[str, dict[str, float]], clients: int, seconds: float) -> None:
    print(f"\nRead throughput on PostgreSQL ({clients} client processes, {seconds:.0f} s each)")
    print(f"{'setup':<26}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for setup, row in results.items():
        print(
            f"{setup:<26}{row['req/s']:>8.0f}{row['p50 ms']:>9.1f}{row['p95 ms']:>9.1f}{row['errors']:>8.0f}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[20000, 100000], help="entries per backend run"
    )
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma-separated: whoosh, postgres (default both)"
    )
    parser.add_argument("--db-prefix", default="kb_bench", help="name prefix of the scratch databases")
    parser.add_argument("--no-throughput", action="store_true", help="skip the one vs two instances part")
    parser.add_argument("--throughput-n", type=int, default=5000, help="entries for the throughput part")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args(argv)
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    if not backends or set(backends) - set(BACKENDS):
        parser.error(f"--backends takes {', '.join(BACKENDS)}")
    url = os.environ.get("KB_BENCH_DATABASE_URL", DEFAULT_URL)
    with tempfile.TemporaryDirectory(prefix="kb-bench-scale-") as tmp:
        by_size = {n: compare_backends(n, url, Path(tmp), backends, args.db_prefix) for n in args.sizes}
        if not args.no_throughput:
            rates = throughput(args.throughput_n, url, Path(tmp), args.clients, args.seconds, args.db_prefix)
    if by_size:
        report_backends(by_size)
    if not args.no_throughput:
        report_throughput(rates, args.clients, args.seconds)


if __name__ == "__main__":
    main()
