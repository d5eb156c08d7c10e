"""search tables in PostgreSQL (KB_SEARCH_BACKEND=postgres); nothing on other databases

Revision ID: 5e3a1c9d2b7f
Revises: c84f594996c7
Create Date: 2026-11-24 05:10:00

The statements are kb.search.postgres.ddl's, shared with PostgresBackend.ensure_schema(); the tables are
not on the models' metadata, so autogenerate leaves them alone (migrations/env.py, kb.database).
"""
from alembic import op

from kb.search.postgres.ddl import ddl, drop_ddl

revision = "5e3a1c9d2b7f"
down_revision = "c84f594996c7"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in ddl():
            bind.exec_driver_sql(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in drop_ddl():
            bind.exec_driver_sql(statement)
