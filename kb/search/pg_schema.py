"""The PostgreSQL search schema: one list of idempotent DDL statements, shared by the Alembic migration
and :meth:`kb.search.postgres_backend.PostgresBackend.ensure_schema`.

Objects (every name below is part of the schema contract):

``kb_search``
    Text search configuration: ``english`` (Snowball stemmer, English stop words) with ``unaccent``
    in front of the stemmer for words with non-ASCII letters ("Œdème" -> "oedem").
``search_documents``
    One row per indexed document with its texts and two STORED generated tsvectors: ``tsv`` (title A,
    summary + tags B, details C, body D; matching through its GIN index, and the final ranking) and
    ``tsv_head`` (the same without the body: a small vector kept in the row, for exact phrases and
    the first, cheap ranking pass over every match).
``search_words``
    The unstemmed vocabulary (folded words with an approximate document count and whether a title
    holds them) with a trigram GiST index (nearest words first: typo candidates and "did you mean")
    and its primary key for prefixes (completion of the last word).
``search_title_keys``
    Every word start of every title ("avoid sun exposure", "sun exposure", "exposure") with the
    suggest sort key; btree indexes answer a prefix lookup in sort order.
``search_state``
    One row, present once the index exists (first rebuild or update): when it was built and last
    changed (removals; upserts stamp ``search_documents.indexed_at``).
"""

from __future__ import annotations

CONFIG = "kb_search"
DOCUMENTS = "search_documents"
WORDS = "search_words"
TITLE_KEYS = "search_title_keys"
STATE = "search_state"
TABLES = (TITLE_KEYS, WORDS, STATE, DOCUMENTS)
INDEXES = (
    "search_documents_tsv_idx",
    "search_documents_indexed_at_idx",
    "search_words_trgm_idx",
    "search_title_keys_key_idx",
    "search_title_keys_p1_idx",
    "search_title_keys_p2_idx",
    "search_title_keys_doc_idx",
)
# Serialises concurrent ensure_schema() calls (CREATE ... IF NOT EXISTS is not race-free).
SCHEMA_LOCK_KEY = 0x6B625F736368  # "kb_sch"

_CFG = f"'{CONFIG}'::regconfig"


def escaped(expr: str) -> str:
    """SQL for ``expr`` HTML-escaped as html.escape(quote=False) does. Texts are analysed escaped: the
    default parser would drop markup-looking text ("<script>x</script>" holds no word for it), and
    highlights run ts_headline over escaped text, so both see the same words."""
    return f"replace(replace(replace({expr}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


def _vec(expr: str, weight: str) -> str:
    return f"setweight(to_tsvector({_CFG}, {escaped(expr)}), '{weight}')"


_TITLE = _vec("title", "A")
_SUMMARY = _vec("summary || ' ' || tags_text", "B")
_HEAD = f"{_TITLE} || {_SUMMARY} || {_vec('details', 'C')}"
_FULL = f"{_HEAD} || {_vec('body', 'D')}"


def ddl(extension_schema: str | None = None) -> list[str]:
    """Every statement creating the search schema, in order; each one is idempotent.

    Needs the ``pg_trgm`` and ``unaccent`` extensions (both in contrib and trusted: a database owner
    may create them), created in ``extension_schema`` if given, else in the current schema when they
    are not installed yet. Objects are created in the current schema. Run it in one transaction.
    """
    where = f" SCHEMA {extension_schema}" if extension_schema else ""
    return [
        f"CREATE EXTENSION IF NOT EXISTS pg_trgm{where}",
        f"CREATE EXTENSION IF NOT EXISTS unaccent{where}",
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (
                SELECT 1 FROM pg_ts_config
                WHERE cfgname = '{CONFIG}' AND cfgnamespace = current_schema()::regnamespace
            ) THEN
                CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = english);
                ALTER TEXT SEARCH CONFIGURATION {CONFIG}
                    ALTER MAPPING FOR word, hword, hword_part WITH unaccent, english_stem;
            END IF;
        END
        $$
        """,
        f"""
        CREATE TABLE IF NOT EXISTS {DOCUMENTS} (
            id uuid PRIMARY KEY,
            kind text NOT NULL,
            locale text NOT NULL,
            tags text[] NOT NULL DEFAULT '{{}}',
            tsv_head tsvector GENERATED ALWAYS AS ({_HEAD}) STORED,
            tsv tsvector GENERATED ALWAYS AS ({_FULL}) STORED,
            indexed_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz,
            slug text NOT NULL,
            title text NOT NULL,
            summary text NOT NULL DEFAULT '',
            tags_text text NOT NULL DEFAULT '',
            details text NOT NULL DEFAULT '',
            body text NOT NULL DEFAULT ''
        )
        """,
        # Columns read for every match come first (cheaper to reach in a row); the small vector stays
        # in the row, the full one goes to TOAST.
        f"ALTER TABLE {DOCUMENTS} ALTER COLUMN tsv_head SET STORAGE MAIN",
        f"CREATE INDEX IF NOT EXISTS search_documents_tsv_idx ON {DOCUMENTS} USING gin (tsv)",
        f"CREATE INDEX IF NOT EXISTS search_documents_indexed_at_idx ON {DOCUMENTS} (indexed_at)",
        f"""
        CREATE TABLE IF NOT EXISTS {WORDS} (
            word text COLLATE "C" PRIMARY KEY,
            docs integer NOT NULL DEFAULT 1,
            in_title boolean NOT NULL DEFAULT false
        )
        """,
        f"CREATE INDEX IF NOT EXISTS search_words_trgm_idx ON {WORDS} USING gist (word gist_trgm_ops)",
        f"""
        CREATE TABLE IF NOT EXISTS {TITLE_KEYS} (
            doc_id uuid NOT NULL,
            key text COLLATE "C" NOT NULL,
            tier smallint NOT NULL,
            locale text NOT NULL,
            title_len integer NOT NULL,
            title_sort text COLLATE "C" NOT NULL,
            slug text COLLATE "C" NOT NULL
        )
        """,
        f"CREATE INDEX IF NOT EXISTS search_title_keys_key_idx ON {TITLE_KEYS} (key)",
        f"""CREATE INDEX IF NOT EXISTS search_title_keys_p1_idx
            ON {TITLE_KEYS} ("left"(key, 1), tier, title_len, title_sort, slug)""",
        f"""CREATE INDEX IF NOT EXISTS search_title_keys_p2_idx
            ON {TITLE_KEYS} ("left"(key, 2), tier, title_len, title_sort, slug)""",
        f"CREATE INDEX IF NOT EXISTS search_title_keys_doc_idx ON {TITLE_KEYS} (doc_id)",
        f"""
        CREATE TABLE IF NOT EXISTS {STATE} (
            id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
            built_at timestamptz NOT NULL,
            changed_at timestamptz NOT NULL
        )
        """,
    ]


def drop_ddl() -> list[str]:
    """Statements removing the search schema (a migration's downgrade); extensions are left alone."""
    return [f"DROP TABLE IF EXISTS {name}" for name in TABLES] + [
        f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}"
    ]


def truncate_sql() -> str:
    """Empty every search table (the index no longer exists afterwards: ``search_state`` is empty)."""
    return f"TRUNCATE {', '.join(TABLES)}"
