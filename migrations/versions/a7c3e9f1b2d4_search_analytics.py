"""search analytics: per-day counts of searches and clicks (no personal data)

Revision ID: a7c3e9f1b2d4
Revises: 7b2e4c1f9a30
Create Date: 2026-12-02 03:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "a7c3e9f1b2d4"
down_revision = "7b2e4c1f9a30"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_query_counts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("query_id", sa.String(length=16), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("no_results", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_query_counts")),
    )
    op.create_index(op.f("ix_search_query_counts_day"), "search_query_counts", ["day"])
    op.create_index(op.f("ix_search_query_counts_query_id"), "search_query_counts", ["query_id"])
    op.create_table(
        "search_clicks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("query_id", sa.String(length=16), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_clicks")),
    )
    op.create_index(op.f("ix_search_clicks_day"), "search_clicks", ["day"])
    op.create_index(op.f("ix_search_clicks_query_id"), "search_clicks", ["query_id"])


def downgrade():
    op.drop_index(op.f("ix_search_clicks_query_id"), table_name="search_clicks")
    op.drop_index(op.f("ix_search_clicks_day"), table_name="search_clicks")
    op.drop_table("search_clicks")
    op.drop_index(op.f("ix_search_query_counts_query_id"), table_name="search_query_counts")
    op.drop_index(op.f("ix_search_query_counts_day"), table_name="search_query_counts")
    op.drop_table("search_query_counts")
