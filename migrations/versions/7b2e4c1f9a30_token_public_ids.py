"""token public ids: a random id for admin URLs instead of the sequential integer

Revision ID: 7b2e4c1f9a30
Revises: 5e3a1c9d2b7f
Create Date: 2026-12-02 03:20:00

Existing tokens get a random public id each; the integer id stays as the internal key.
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "7b2e4c1f9a30"
down_revision = "5e3a1c9d2b7f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("public_id", sa.String(length=32), nullable=True))
    tokens = sa.table("api_tokens", sa.column("id", sa.Integer), sa.column("public_id", sa.String))
    bind = op.get_bind()
    for (token_id,) in bind.execute(sa.select(tokens.c.id)).all():
        public_id = "tok_" + secrets.token_urlsafe(12)
        bind.execute(tokens.update().where(tokens.c.id == token_id).values(public_id=public_id))
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("public_id", existing_type=sa.String(length=32), nullable=False)
        batch.create_unique_constraint(op.f("uq_api_tokens_public_id"), ["public_id"])


def downgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("uq_api_tokens_public_id"), type_="unique")
        batch.drop_column("public_id")
