"""searchable articles: search documents typed entry or article, an article's sections; every live
article queued for indexing

Revision ID: f2c6a8e4d1b3
Revises: e4a7c2d9b6f1
Create Date: 2026-12-03 19:30:00

On PostgreSQL kb.search.postgres.ddl's idempotent statements add ``type`` (existing rows are entries)
and ``sections`` to ``search_documents``; on other databases the index is Whoosh's, whose new index
version the next start rebuilds. On every database each live article gets a search outbox row (the
outbox names entries and articles by id), so the next start (or ``flask --app kb reindex --pending``)
writes its documents: one per published translation. The downgrade drops the article rows and the
columns (the code before it knows no articles) and leaves nothing queued for them.
"""
import sqlalchemy as sa
from alembic import op

from kb.models.types import UTCDateTime, utcnow
from kb.search.postgres.ddl import ddl, entries_only_ddl

revision = "f2c6a8e4d1b3"
down_revision = "e4a7c2d9b6f1"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in ddl():
            bind.exec_driver_sql(statement)
    insert = sa.text(
        "INSERT INTO search_outbox (entry_id, action, created_at, attempts) "
        "SELECT article_id, 'upsert', :now, 0 FROM live_articles"
    ).bindparams(sa.bindparam("now", utcnow(), type_=UTCDateTime()))
    bind.execute(insert)


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM search_outbox WHERE entry_id IN (SELECT id FROM articles)"))
    if bind.dialect.name == "postgresql":
        for statement in entries_only_ddl():
            bind.exec_driver_sql(statement)
