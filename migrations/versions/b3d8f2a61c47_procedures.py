"""procedures, content attached to them, warning signs with ids and time windows

Creates the procedures table (with microneedling), the procedure link tables of live entries, live
articles and changes-feed rows, and a ``procedures`` list on entries and articles (drafts and live
copies). Existing content tagged ``microneedling`` (the seed's) is attached to microneedling.
Warning signs get a stable ``id`` and ``from_hours`` (was ``after_hours``); the seed's redness signs
get their group and windows, and the seed's signs the ids and terms seed/ gives them.

Procedures are translatable: ``translations`` holds their title and summary in other locales.
Columns are added in place (ALTER TABLE ADD/DROP COLUMN), never by SQLite's batch table copy: dropping
the old entries, articles or translations table would cascade to their live copies.

Revision ID: b3d8f2a61c47
Revises: f2c6a8e4d1b3
Create Date: 2026-12-02 08:00:00

"""

import re
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import kb.models.types

revision = "b3d8f2a61c47"
down_revision = "f2c6a8e4d1b3"
branch_labels = None
depends_on = None

PROCEDURE = "microneedling"
# The seed's warning signs, by (entry slug, sign): what seed/entries gives them now.
SEED_SIGNS = {
    ("excessive-redness", "Redness during the first 48 hours after treatment"): {
        "id": "redness-first-48-hours", "group": "redness", "to_hours": 48, "terms": ["redness"]},
    ("excessive-redness", "Redness that persists beyond 48 hours"): {
        "id": "redness-beyond-48-hours", "group": "redness", "terms": ["redness", "persistent redness"]},
    ("excessive-redness", "Redness that intensifies significantly"): {
        "id": "redness-intensifying", "terms": ["intensifying redness"]},
    ("bruising", "Minor bruises that fade quickly"): {"id": "minor-bruises", "terms": ["bruising", "minor bruising"]},
    ("bruising", "Extensive bruising"): {"id": "extensive-bruising", "terms": ["bruising"]},
    ("infection", "Increased swelling"): {"id": "increased-swelling"},
    ("infection", "Pus formation"): {"id": "pus", "terms": ["pus"]},
    ("infection", "Fever"): {"id": "fever"},
    ("persistent-pain", "Persistent pain beyond normal discomfort levels"): {
        "id": "pain-beyond-normal-discomfort", "terms": ["persistent pain", "pain beyond normal discomfort"]},
}
CONTENT = ("entries", "live_entries", "articles", "live_articles")


def _content(name: str) -> sa.Table:
    key = "entry_id" if name == "live_entries" else "article_id" if name == "live_articles" else "id"
    columns = [sa.column(key, sa.Uuid), sa.column("slug", sa.String), sa.column("tags", sa.JSON),
               sa.column("procedures", sa.JSON)]
    if "entries" in name:
        columns += [sa.column("kind", sa.String), sa.column("details", sa.JSON)]
    return sa.table(name, *columns)


def _sign_id(text: str, taken: set[str]) -> str:
    base = "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:60].strip("-") or "sign"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base[:56]}-{n}", n + 1
    return candidate


def _upgrade_signs(slug: str, details: dict) -> dict:
    signs, taken = [], set()
    for sign in details.get("warning_signs", []):
        sign = dict(sign)
        after = sign.pop("after_hours", None)
        if after is not None:
            sign["from_hours"] = after
        sign.update(SEED_SIGNS.get((slug, sign.get("sign")), {}))
        if sign.get("id") in taken or not sign.get("id"):
            sign["id"] = _sign_id(sign.get("sign", ""), taken)
        taken.add(sign["id"])
        signs.append(sign)
    return {**details, "warning_signs": signs}


def _downgrade_signs(details: dict) -> dict:
    signs = []
    for sign in details.get("warning_signs", []):
        old = {"sign": sign["sign"], "action": sign["action"]}
        if old["action"] == "emergency":
            old["action"] = "seek_care_promptly"
        if sign.get("from_hours") is not None:
            old["after_hours"] = sign["from_hours"]
        signs.append(old)
    return {**details, "warning_signs": signs}


def upgrade():
    op.create_table(
        "procedures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("translations", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", kb.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kb.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", kb.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedures")),
        sa.UniqueConstraint("slug", name=op.f("uq_procedures_slug")),
    )
    for table, key, parent in (
        ("live_entry_procedures", "entry_id", "live_entries"),
        ("live_article_procedures", "article_id", "live_articles"),
    ):
        op.create_table(
            table,
            sa.Column(key, sa.Uuid(), nullable=False),
            sa.Column("procedure", sa.String(length=120), nullable=False),
            sa.ForeignKeyConstraint([key], [f"{parent}.{key}"], name=op.f(f"fk_{table}_{key}_{parent}"),
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint(key, "procedure", name=op.f(f"pk_{table}")),
        )
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_procedure"), ["procedure"], unique=False)
    op.create_table(
        "change_procedures",
        sa.Column("change_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("procedure", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], name=op.f("fk_change_procedures_change_id_changes"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("change_id", "procedure", name=op.f("pk_change_procedures")),
    )
    with op.batch_alter_table("change_procedures") as batch_op:
        batch_op.create_index(batch_op.f("ix_change_procedures_procedure"), ["procedure"], unique=False)
    # Plain ALTER TABLE, never SQLite's table copy: dropping the old entries or articles table would
    # cascade to their live copies.
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in CONTENT:
        op.add_column(name, sa.Column("procedures", sa.JSON(), nullable=False, server_default="[]"))
        if not sqlite:
            op.alter_column(name, "procedures", server_default=None)

    bind = op.get_bind()
    now = datetime.now(UTC)
    procedures = sa.table(
        "procedures", sa.column("id", sa.Uuid), *(sa.column(c) for c in ("slug", "title", "summary", "locale", "version")),
        sa.column("translations", sa.JSON),
        sa.column("created_at", kb.models.types.UTCDateTime), sa.column("updated_at", kb.models.types.UTCDateTime),
        sa.column("published_at", kb.models.types.UTCDateTime),
    )
    bind.execute(procedures.insert().values(
        id=uuid.uuid4(), slug=PROCEDURE, title="Microneedling",
        summary="A cosmetic procedure aimed at rejuvenating the skin, in which tiny needles create "
        "micro-injuries in the skin as it heals.",
        locale="en", translations={}, version=1, created_at=now, updated_at=now, published_at=now,
    ))
    attached: set[tuple[str, str]] = set()
    for name in CONTENT:
        table = _content(name)
        key = list(table.c)[0]
        for row in bind.execute(sa.select(table)).mappings().all():
            values = {}
            if PROCEDURE in (row["tags"] or []):
                values["procedures"] = [PROCEDURE]
                attached.add(("article" if "articles" in name else "entry", row["slug"]))
                if name.startswith("live_"):
                    link = sa.table(
                        "live_entry_procedures" if name == "live_entries" else "live_article_procedures",
                        sa.column(key.name, sa.Uuid), sa.column("procedure", sa.String),
                    )
                    bind.execute(link.insert().values({key.name: row[key.name], "procedure": PROCEDURE}))
            if "entries" in name and row["kind"] == "complication":
                values["details"] = _upgrade_signs(row["slug"], row["details"] or {})
            if values:
                bind.execute(table.update().where(key == row[key.name]).values(**values))
    changes = sa.table("changes", sa.column("id", sa.Integer), sa.column("slug", sa.String), sa.column("kind", sa.String))
    change_procedures = sa.table("change_procedures", sa.column("change_id", sa.Integer), sa.column("procedure", sa.String))
    for row in bind.execute(sa.select(changes)).mappings().all():
        if ("article" if row["kind"] == "article" else "entry", row["slug"]) in attached:
            bind.execute(change_procedures.insert().values(change_id=row["id"], procedure=PROCEDURE))


def downgrade():
    bind = op.get_bind()
    for name in ("entries", "live_entries"):
        table = _content(name)
        key = list(table.c)[0]
        for row in bind.execute(sa.select(table)).mappings().all():
            if row["kind"] == "complication":
                bind.execute(table.update().where(key == row[key.name]).values(
                    details=_downgrade_signs(row["details"] or {})))
    for name in CONTENT:  # SQLite 3.35+ drops a column in place (no table copy, no cascade)
        op.execute(f"ALTER TABLE {name} DROP COLUMN procedures")
    for table in ("change_procedures", "live_article_procedures", "live_entry_procedures"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_procedure"))
        op.drop_table(table)
    op.drop_table("procedures")
