"""sync horizon: how far cleanup pruned the changes feed

Revision ID: e4a7c2d9b6f1
Revises: 1921d0287be0
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import kb.models.types


# revision identifiers, used by Alembic.
revision = 'e4a7c2d9b6f1'
down_revision = '1921d0287be0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_horizon',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pruned_through', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('pruned_at', kb.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_horizon'))
    )


def downgrade():
    op.drop_table('sync_horizon')
