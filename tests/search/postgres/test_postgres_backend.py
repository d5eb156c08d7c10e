"""PostgreSQL-only behaviour: updates in the caller's transaction, the DDL, configuration, deep pages.

Runs against KB_TEST_DATABASE_URL (skipped when unset), each test in a schema of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from kb.search import IndexBusyError, SearchError, get_backend_class
from kb.search.postgres.backend import PostgresBackend
from kb.search.postgres.ddl import INDEXES, TABLES, ddl, drop_ddl
from tests.search.conftest import CORPUS, SYNONYMS, make_doc

URL = os.environ.get("KB_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not URL, reason="KB_TEST_DATABASE_URL is not set: no PostgreSQL database")


@pytest.fixture
def schema() -> Iterator[str]:
    name = f"kb_search_test_{uuid.uuid4().hex[:16]}"
    yield name
    PostgresBackend(URL, schema=name).drop_schema()


@pytest.fixture
def open_backend(schema: str) -> Iterator[Callable[..., PostgresBackend]]:
    """Opens backends on the test's schema (created on first use); closes them afterwards."""
    opened: list[PostgresBackend] = []

    def open_(**options) -> PostgresBackend:
        options.setdefault("synonyms_path", str(SYNONYMS))
        backend = PostgresBackend(URL, schema=schema, **options)
        opened.append(backend)
        if len(opened) == 1:
            backend.ensure_schema()
        return backend

    yield open_
    for backend in opened:
        backend.close()


@pytest.fixture
def engine(schema: str) -> Iterator[sa.Engine]:
    """An engine of the "application", on the same schema."""
    url = sa.make_url(URL).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, connect_args={"options": f"-c search_path={schema},public"})
    yield engine
    engine.dispose()


def test_registered_and_built_from_config():
    assert get_backend_class("postgres") is PostgresBackend
    backend = PostgresBackend.from_config(
        {"SQLALCHEMY_DATABASE_URI": URL, "KB_SYNONYMS_PATH": str(SYNONYMS), "KB_SEARCH_LOCK_TIMEOUT": 2}
    )
    assert (backend.name, backend.lock_timeout, backend.transactional) == ("postgres", 2.0, False)
    assert backend.engine.url.drivername == "postgresql+psycopg"
    backend.close()
    with pytest.raises(ValueError, match="PostgreSQL"):
        PostgresBackend.from_config({"SQLALCHEMY_DATABASE_URI": "sqlite:///kb.sqlite3"})


def test_ddl_is_idempotent_and_names_every_object(open_backend, engine):
    open_backend()
    with engine.begin() as conn:
        for statement in ddl():
            conn.exec_driver_sql(statement)
        names = set(
            conn.exec_driver_sql(
                "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
            ).scalars()
        )
        assert set(TABLES) | set(INDEXES) <= names
        for statement in drop_ddl():
            conn.exec_driver_sql(statement)
        left = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
        ).scalar()
        assert left == 0


@pytest.fixture
def bare_database() -> Iterator[str]:
    """A database of its own without the search tables (the public schema of the test database
    has them once the migrations ran there)."""
    name = f"kb_bare_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(
        sa.make_url(URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield sa.make_url(URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()


def test_missing_tables_are_reported(bare_database):
    backend = PostgresBackend(bare_database)  # the migration never ran there
    health = backend.health()
    assert health["ok"] is False
    assert "migrations" in health["detail"]
    assert backend.ids() == set()
    with pytest.raises(SearchError):
        backend.search("infection")
    backend.close()


def test_updates_commit_or_roll_back_with_the_callers_transaction(open_backend, engine):
    reader = open_backend()
    reader.rebuild(CORPUS)
    doc = make_doc("milia", "complication", "Milia", "Small white bumps.")
    with engine.connect() as conn:
        backend = open_backend(connection=lambda: conn)
        assert backend.transactional is True
        with conn.begin() as tx:
            backend.index([doc])
            backend.remove([CORPUS[0].id])
            assert doc.id not in reader.ids()  # not committed yet
            assert CORPUS[0].id in reader.ids()
            tx.rollback()
        assert doc.id not in reader.ids()
        assert CORPUS[0].id in reader.ids()
        with conn.begin():
            conn.exec_driver_sql("SELECT 1")  # the caller's own work, committed with ours
            backend.index([doc])
        assert [h.slug for h in reader.search("milia").hits] == ["milia"]


def test_busy_lock_leaves_the_callers_transaction_usable(open_backend, engine):
    open_backend().rebuild(CORPUS)
    with engine.connect() as holder, engine.connect() as conn:
        holder.begin()
        holder.exec_driver_sql("LOCK TABLE search_documents IN SHARE ROW EXCLUSIVE MODE")  # as a rebuild
        backend = open_backend(connection=lambda: conn, lock_timeout=0.2)
        with conn.begin():
            before = conn.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar()
            with pytest.raises(IndexBusyError):
                backend.index([make_doc("late", "aftercare", "Late Update")])
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1  # rolled back to the savepoint only
            assert conn.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar() == before
        holder.rollback()


def test_typo_rule_follows_word_length(open_backend):
    backend = open_backend()
    backend.rebuild(
        [
            make_doc("scar", "complication", "Scar Tissue"),
            make_doc("pigment", "complication", "Pigmentation Changes"),
        ]
    )
    assert backend.search("scer tissue").total == 1  # "scer" unknown: dropped, not typo-matched
    assert backend.search("scer").total == 0  # under 5 letters: no typo allowed
    assert [h.slug for h in backend.search("pigmantasion").hits] == ["pigment"]  # 2 edits from 9 letters
    assert backend.search("pigmantasiom").total == 0  # 3 edits
    assert backend.search("pigmantasion").suggestion == "pigmentation"


def test_pages_beyond_the_rescoring_window_continue_the_order(open_backend):
    backend = open_backend()
    docs = [make_doc(f"doc-{i:03d}", "technique", f"Alpha {i}", body="alpha " * (i % 7)) for i in range(130)]
    backend.rebuild(docs)
    full = backend.search("alpha", per_page=100)
    assert full.total == 130
    seen: list[str] = []
    for page in range(1, 7):
        seen += [h.slug for h in backend.search("alpha", page=page, per_page=25).hits]
    assert len(seen) == len(set(seen)) == 130
    assert seen[:100] == [h.slug for h in full.hits]


def test_text_that_looks_like_markup_or_tsquery_is_plain_text(open_backend):
    backend = open_backend()
    doc = make_doc(
        "crows-feet",
        "technique",
        "Crow's Feet: a \\ b & <c>",
        details="Use 'quoted' words:* and | pipes & <b>tags</b>",
        body="Long text. " * 40 + "The needle depth matters here. " + "More text. " * 40,
    )
    backend.rebuild([doc])
    hit = backend.search("crow's").hits[0]
    assert hit.highlights["title"] == "<mark>Crow</mark>&#x27;s Feet: a \\ b &amp; &lt;c&gt;"
    assert "&amp; &lt;b&gt;<mark>tags</mark>" in backend.search("tags").hits[0].highlights["details"]
    body = backend.search('"needle depth"').hits[0].highlights["body"]
    assert body.startswith("\u2026")
    assert body.endswith("\u2026")
    assert "<mark>needle</mark> <mark>depth</mark>" in body


def test_suggest_lists_a_title_once(open_backend):
    backend = open_backend()
    backend.rebuild([make_doc("skin", "aftercare", "Skin to Skin Care"), make_doc("sun", "aftercare", "Sun")])
    assert [s.slug for s in backend.suggest("sk")] == ["skin"]
    assert [s.slug for s in backend.suggest("s", limit=5)] == ["sun", "skin"]


def test_rebuild_in_the_callers_transaction_reads_under_the_lock(open_backend, engine):
    reader = open_backend()
    reader.rebuild(CORPUS[:3])
    with engine.connect() as conn:
        backend = open_backend(connection=lambda: conn)

        def documents():  # consumed only once the rebuild holds the lock, in the caller's transaction
            held = conn.exec_driver_sql(
                "SELECT mode FROM pg_locks "
                "WHERE pid = pg_backend_pid() AND relation = 'search_documents'::regclass"
            ).scalars()
            assert "ShareRowExclusiveLock" in set(held)
            yield from CORPUS

        with conn.begin() as tx:
            assert backend.rebuild(documents()) == len(CORPUS)
            assert len(reader.ids()) == 3  # readers see the old rows until the caller commits
            tx.rollback()
        assert len(reader.ids()) == 3
        with conn.begin():
            backend.rebuild(documents())
        assert reader.ids() == {doc.id for doc in CORPUS}
        assert reader.search("infection").hits[0].slug == "infection"


def test_tables_of_the_single_language_release_are_upgraded_in_place(open_backend, engine):
    """The per-language migration: tables written before languages keep their rows (now English) and
    search as before; its downgrade gives the old tables back, rows kept."""
    from kb.search.postgres.ddl import single_language_ddl

    backend = open_backend()
    backend.rebuild(CORPUS)
    with engine.begin() as conn:
        for statement in single_language_ddl():  # the tables as the previous release left them
            conn.exec_driver_sql(statement)
        names = {c["name"] for c in sa.inspect(conn).get_columns("search_documents")}
        assert "language" not in names
        assert "tsv" in names
        assert conn.exec_driver_sql("SELECT count(*) FROM search_documents").scalar() == len(CORPUS)
        for statement in ddl():  # the migration's upgrade
            conn.exec_driver_sql(statement)
        names = {c["name"] for c in sa.inspect(conn).get_columns("search_documents")}
        assert {"language", "tsv", "tsv_head", "tsv_urgent", "urgent_text", "urgent_action"} <= names
        assert set(conn.exec_driver_sql("SELECT DISTINCT language FROM search_documents").scalars()) == {"en"}
    assert [h.slug for h in backend.search("infections").hits][:1] == ["infection"]
    backend.index([make_doc("infeccion", "complication", "Infección", "Signos: fiebre y pus.", locale="es")])
    assert backend.search("infection").total >= 1
