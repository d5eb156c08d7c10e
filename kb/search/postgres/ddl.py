"""The PostgreSQL search tables: one list of idempotent DDL statements, shared by the Alembic migration
and :meth:`kb.search.postgres.backend.PostgresBackend.ensure_schema`.

Objects (every name below is part of the tables' contract):

``kb_search``, ``kb_search_<code>``
    Text search configurations: ``english`` (Snowball stemmer, English stop words) with ``unaccent``
    in front of the stemmer for words with non-ASCII letters ("Œdème" -> "oedem"); one more per other
    analysis language of :data:`kb.search.common.languages.LANGUAGES` (``kb_search_es``: ``spanish``
    with ``unaccent``). Each row is analysed by the configuration of its ``language``.
``search_documents``
    One row per indexed document (``type`` entry or article; an article's ``sections`` as JSON
    ``[{heading, anchor, body}]``, its body the plain text of each) with its texts and two STORED
    generated tsvectors: ``tsv`` (title A,
    summary + tags B, details C, body D; matching through its GIN index, and the final ranking) and
    ``tsv_head`` (the same without the body: a small vector kept in the row, for exact phrases and
    the first, cheap ranking pass over every match).
    ``procedures`` holds the slugs of the procedures its entry or article applies to (GIN-indexed: the
    ``procedure=`` filter).
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

from kb.search.common.languages import DEFAULT_LANGUAGE, LANGUAGES

CONFIG = "kb_search"
DOCUMENTS = "search_documents"
WORDS = "search_words"
TITLE_KEYS = "search_title_keys"
STATE = "search_state"
TABLES = (TITLE_KEYS, WORDS, STATE, DOCUMENTS)
INDEXES = (
    "search_documents_tsv_idx",
    "search_documents_indexed_at_idx",
    "search_documents_urgent_idx",
    "search_documents_language_idx",
    "search_documents_procedures_idx",
    "search_words_trgm_idx",
    "search_title_keys_key_idx",
    "search_title_keys_p1_idx",
    "search_title_keys_p2_idx",
    "search_title_keys_doc_idx",
)
# Serialises concurrent ensure_schema() calls (CREATE ... IF NOT EXISTS is not race-free).
SCHEMA_LOCK_KEY = 0x6B625F736368  # "kb_sch"


def config_for(language: str) -> str:
    """The text search configuration of an analysis code."""
    return CONFIG if language not in LANGUAGES or language == DEFAULT_LANGUAGE else f"{CONFIG}_{language}"


CONFIGS = {language: config_for(language) for language in LANGUAGES}
_CFG = (
    "CASE language "
    + " ".join(f"WHEN '{lang}' THEN '{cfg}'::regconfig" for lang, cfg in CONFIGS.items() if cfg != CONFIG)
    + f" ELSE '{CONFIG}'::regconfig END"
)


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
_URGENT = f"to_tsvector({_CFG}, {escaped('urgent_text')})"


def _config_ddl(name: str, snowball: str) -> str:
    return f"""
        DO $$
        BEGIN
            IF NOT EXISTS (
                SELECT 1 FROM pg_ts_config
                WHERE cfgname = '{name}' AND cfgnamespace = current_schema()::regnamespace
            ) THEN
                CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {snowball});
                ALTER TEXT SEARCH CONFIGURATION {name}
                    ALTER MAPPING FOR word, hword, hword_part WITH unaccent, {snowball}_stem;
            END IF;
        END
        $$
        """


def ddl(extension_schema: str | None = None) -> list[str]:
    """Every statement creating the search tables, in order; each one is idempotent.

    Needs the ``pg_trgm`` and ``unaccent`` extensions (both in contrib and trusted: a database owner
    may create them), created in ``extension_schema`` if given, else in the current schema when they
    are not installed yet. Objects are created in the current schema. Run it in one transaction.
    """
    where = f" SCHEMA {extension_schema}" if extension_schema else ""
    return [
        f"CREATE EXTENSION IF NOT EXISTS pg_trgm{where}",
        f"CREATE EXTENSION IF NOT EXISTS unaccent{where}",
        *(_config_ddl(CONFIGS[lang], LANGUAGES[lang]) for lang in LANGUAGES),
        f"""
        CREATE TABLE IF NOT EXISTS {DOCUMENTS} (
            id uuid PRIMARY KEY,
            type text NOT NULL DEFAULT 'entry',
            kind text NOT NULL,
            locale text NOT NULL,
            language text NOT NULL DEFAULT '{DEFAULT_LANGUAGE}',
            tags text[] NOT NULL DEFAULT '{{}}',
            tsv_head tsvector GENERATED ALWAYS AS ({_HEAD}) STORED,
            tsv tsvector GENERATED ALWAYS AS ({_FULL}) STORED,
            tsv_urgent tsvector GENERATED ALWAYS AS ({_URGENT}) STORED,
            urgent_action text,
            indexed_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz,
            slug text NOT NULL,
            title text NOT NULL,
            summary text NOT NULL DEFAULT '',
            tags_text text NOT NULL DEFAULT '',
            details text NOT NULL DEFAULT '',
            body text NOT NULL DEFAULT '',
            urgent_text text NOT NULL DEFAULT '',
            sections jsonb NOT NULL DEFAULT '[]'::jsonb,
            procedures text[] NOT NULL DEFAULT '{{}}'
        )
        """,
        # Tables of the release before articles were searchable.
        f"""ALTER TABLE {DOCUMENTS} ADD COLUMN IF NOT EXISTS type text NOT NULL DEFAULT 'entry',
            ADD COLUMN IF NOT EXISTS sections jsonb NOT NULL DEFAULT '[]'::jsonb""",
        # Tables of the single-language release: the language columns, vectors by the row's language.
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (
                SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                AND table_name = '{DOCUMENTS}' AND column_name = 'language'
            ) THEN
                ALTER TABLE {DOCUMENTS} ADD COLUMN language text NOT NULL DEFAULT '{DEFAULT_LANGUAGE}',
                    ADD COLUMN urgent_action text, ADD COLUMN urgent_text text NOT NULL DEFAULT '',
                    DROP COLUMN tsv_head, DROP COLUMN tsv;
                ALTER TABLE {DOCUMENTS} ADD COLUMN tsv_head tsvector GENERATED ALWAYS AS ({_HEAD}) STORED,
                    ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({_FULL}) STORED,
                    ADD COLUMN tsv_urgent tsvector GENERATED ALWAYS AS ({_URGENT}) STORED;
            END IF;
        END
        $$
        """,
        # Tables of the release before the procedure filter (its migration queues every item for reindex).
        f"ALTER TABLE {DOCUMENTS} ADD COLUMN IF NOT EXISTS procedures text[] NOT NULL DEFAULT '{{}}'",
        # Columns read for every match come first (cheaper to reach in a row); the small vector stays
        # in the row, the full one goes to TOAST.
        f"ALTER TABLE {DOCUMENTS} ALTER COLUMN tsv_head SET STORAGE MAIN",
        f"CREATE INDEX IF NOT EXISTS search_documents_tsv_idx ON {DOCUMENTS} USING gin (tsv)",
        f"CREATE INDEX IF NOT EXISTS search_documents_indexed_at_idx ON {DOCUMENTS} (indexed_at)",
        f"CREATE INDEX IF NOT EXISTS search_documents_urgent_idx ON {DOCUMENTS} USING gin (tsv_urgent)",
        f"CREATE INDEX IF NOT EXISTS search_documents_language_idx ON {DOCUMENTS} (language)",
        f"CREATE INDEX IF NOT EXISTS search_documents_procedures_idx ON {DOCUMENTS} USING gin (procedures)",
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
    """Statements removing the search tables (a migration's downgrade); extensions are left alone."""
    return [f"DROP TABLE IF EXISTS {name}" for name in TABLES] + [
        f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}" for name in dict.fromkeys(CONFIGS.values())
    ]


def entries_only_ddl() -> list[str]:
    """Statements turning the tables back into those of the release before articles were searchable
    (the articles migration's downgrade); article rows go with them."""
    return [
        f"DELETE FROM {TITLE_KEYS} WHERE doc_id IN (SELECT id FROM {DOCUMENTS} WHERE type <> 'entry')",
        f"DELETE FROM {DOCUMENTS} WHERE type <> 'entry'",
        f"ALTER TABLE {DOCUMENTS} DROP COLUMN IF EXISTS type, DROP COLUMN IF EXISTS sections",
    ]


def without_procedures_ddl() -> list[str]:
    """Statements turning the tables back into those of the release before the procedure filter (the
    procedures migration's downgrade)."""
    return [
        "DROP INDEX IF EXISTS search_documents_procedures_idx",
        f"ALTER TABLE {DOCUMENTS} DROP COLUMN IF EXISTS procedures",
    ]


def truncate_sql() -> str:
    """Empty every search table (the index no longer exists afterwards: ``search_state`` is empty)."""
    return f"TRUNCATE {', '.join(TABLES)}"


def single_language_ddl() -> list[str]:
    """Statements turning the tables back into those of the single-language release (every row
    analysed by ``kb_search``; the language columns dropped): the per-language migration's downgrade."""
    old_cfg = f"'{CONFIG}'::regconfig"

    def vec(expr: str, weight: str) -> str:
        return f"setweight(to_tsvector({old_cfg}, {escaped(expr)}), '{weight}')"

    summary = vec("summary || ' ' || tags_text", "B")
    head = f"{vec('title', 'A')} || {summary} || {vec('details', 'C')}"
    full = f"{head} || {vec('body', 'D')}"
    return [
        f"""ALTER TABLE {DOCUMENTS} DROP COLUMN IF EXISTS tsv_urgent, DROP COLUMN IF EXISTS tsv_head,
            DROP COLUMN IF EXISTS tsv, DROP COLUMN IF EXISTS language, DROP COLUMN IF EXISTS urgent_text,
            DROP COLUMN IF EXISTS urgent_action""",
        f"""ALTER TABLE {DOCUMENTS} ADD COLUMN tsv_head tsvector GENERATED ALWAYS AS ({head}) STORED,
            ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({full}) STORED""",
        f"ALTER TABLE {DOCUMENTS} ALTER COLUMN tsv_head SET STORAGE MAIN",
        f"CREATE INDEX IF NOT EXISTS search_documents_tsv_idx ON {DOCUMENTS} USING gin (tsv)",
        *(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}" for name in CONFIGS.values() if name != CONFIG),
    ]
