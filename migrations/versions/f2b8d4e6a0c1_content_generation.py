"""content generation: the counter public validators and the render cache are keyed by

Revision ID: f2b8d4e6a0c1
Revises: b3d8f2a61c47
Create Date: 2026-12-03 19:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2b8d4e6a0c1'
down_revision = 'b3d8f2a61c47'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('content_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_generation'))
    )
    op.bulk_insert(table, [{'id': 1, 'value': 1}])


def downgrade():
    op.drop_table('content_generation')
