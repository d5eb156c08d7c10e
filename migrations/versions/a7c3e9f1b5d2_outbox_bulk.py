"""search outbox rows of an import are marked: readiness waits for them however fresh

Revision ID: a7c3e9f1b5d2
Revises: d4e6f8a0b2c3
Create Date: 2026-12-07 21:30:00

Rows already pending are not an import's as far as anyone can tell: they get false, and readiness
treats them as before (not ready past the grace or in a backlog).
"""
import sqlalchemy as sa
from alembic import op

revision = "a7c3e9f1b5d2"
down_revision = "d4e6f8a0b2c3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("search_outbox") as batch:
        batch.add_column(sa.Column("bulk", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("search_outbox") as batch:
        batch.drop_column("bulk")
