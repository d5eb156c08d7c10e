"""``flask --app kb ...`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from kb.errors import KbError
from kb.extensions import db
from kb.models import Entry
from kb.services.seeding import load_seed


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(seed_command)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database tables if missing, and load seed/ on first start."""
    db.create_all()
    if db.session.scalar(sa.select(sa.func.count()).select_from(Entry)):
        click.echo("Database ready; content already present.")
        return
    click.echo("New database: loading seed content.")
    _seed(Path(current_app.config["KB_SEED_PATH"]))


@click.command("seed")
@click.option("--path", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Seed folder (default: KB_SEED_PATH, the repository's seed/).")
@with_appcontext
def seed_command(path: Path | None) -> None:
    """Upsert seed content by slug and publish it (idempotent)."""
    db.create_all()
    _seed(path or Path(current_app.config["KB_SEED_PATH"]))


def _seed(path: Path) -> None:
    try:
        report = load_seed(path)
    except KbError as exc:
        details = f"\n{json.dumps(exc.errors, indent=2)}" if exc.errors else ""
        raise click.ClickException(f"{exc.detail}{details}") from exc
    click.echo(f"Seeded from {path}: {report}.")
