"""search by procedure: search documents carry the procedures their item applies to; every live
entry and article queued for reindexing

Revision ID: d4e6f8a0b2c3
Revises: f2b8d4e6a0c1
Create Date: 2026-12-04 18:30:00

On PostgreSQL kb.search.postgres.ddl's idempotent statements add ``procedures`` (a GIN-indexed text
array) to ``search_documents``; on other databases the index is Whoosh's, whose new index version
(5) the next start rebuilds. On every database each live entry and article gets a search outbox row,
so the next start (or ``flask --app kb reindex --pending``) rewrites its documents with their
procedures: until then the ``procedure=`` filter of search finds nothing for them. The downgrade drops
the column (and its index) and leaves the outbox alone: the code before it applies the queued rows as
any reindex of live content, and a row queued by a publish since cannot be told from one of ours.
"""
import sqlalchemy as sa
from alembic import op

from kb.models.types import UTCDateTime, utcnow
from kb.search.postgres.ddl import ddl, without_procedures_ddl

revision = "d4e6f8a0b2c3"
down_revision = "f2b8d4e6a0c1"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in ddl():
            bind.exec_driver_sql(statement)
    now = sa.bindparam("now", utcnow(), type_=UTCDateTime())
    for table, key in (("live_entries", "entry_id"), ("live_articles", "article_id")):
        insert = sa.text(
            "INSERT INTO search_outbox (entry_id, action, created_at, attempts) "
            f"SELECT {key}, 'upsert', :now, 0 FROM {table}"
        ).bindparams(now)
        bind.execute(insert)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in without_procedures_ddl():
            bind.exec_driver_sql(statement)
