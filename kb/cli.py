"""``flask --app kb ...`` commands."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import flask_migrate
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from kb.errors import KbError
from kb.extensions import db
from kb.models import ROLES, Entry
from kb.models.types import utcnow
from kb.services import bulk, indexing, tokens
from kb.services.seeding import load_seed


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(reindex_command)
    app.cli.add_command(token_group)
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(cleanup_command)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Migrate the database to the latest schema, load seed/ on first start, bring the index up to date."""
    flask_migrate.upgrade()
    if db.session.scalar(sa.select(sa.func.count()).select_from(Entry)):
        click.echo("Database ready; content already present.")
    else:
        click.echo("New database: loading seed content.")
        _seed(Path(current_app.config["KB_SEED_PATH"]))
    report = indexing.recover()
    click.echo(f"Search index ready ({report.applied} change(s) applied, {report.pending} pending).")


@click.command("reindex")
@click.option("--pending", is_flag=True, help="Only apply pending outbox rows instead of a full rebuild.")
@with_appcontext
def reindex_command(pending: bool) -> None:
    """Rebuild the search index from the database into a new directory and swap it in."""
    if pending:
        report = indexing.apply_pending()
        click.echo(f"Applied {report.applied} pending change(s); {report.pending} still pending.")
        if report.error:
            raise click.ClickException(f"index not updated: {report.error}")
        return
    total = indexing.published_count()
    with click.progressbar(length=total, label="Indexing published entries") as bar:
        count = indexing.rebuild_locked(progress=lambda done: bar.update(done - bar.pos))
    click.echo(f"Index rebuilt: {count} document(s).")


@click.command("seed")
@click.option(
    "--path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Seed folder (default: KB_SEED_PATH, the repository's seed/).",
)
@with_appcontext
def seed_command(path: Path | None) -> None:
    """Upsert seed content by slug and publish it (idempotent)."""
    flask_migrate.upgrade()
    _seed(path or Path(current_app.config["KB_SEED_PATH"]))


def _seed(path: Path) -> None:
    try:
        report = load_seed(path)
    except KbError as exc:
        details = f"\n{json.dumps(exc.errors, indent=2)}" if exc.errors else ""
        raise click.ClickException(f"{exc.detail}{details}") from exc
    click.echo(f"Seeded from {path}: {report}.")


@click.group("token")
def token_group() -> None:
    """Manage API tokens."""


@token_group.command("create")
@click.option("--name", required=True, help="Who or what uses the token (unique).")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--expires-in-days", type=click.IntRange(min=1), help="Expire after this many days.")
@with_appcontext
def token_create(name: str, role: str, expires_in_days: int | None) -> None:
    """Create a token and print its secret (on the last line), once."""
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    try:
        _, secret = tokens.create(name, role, expires, actor="cli")
    except KbError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"Created {role} token {name!r} (shown once, store it now):")
    click.echo(secret)


@click.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Validate and report without writing.")
@with_appcontext
def import_command(file: Any, dry_run: bool) -> None:
    """Import procedures, entries and articles from a JSON or NDJSON file (- for stdin), all or nothing.

    The file is read as a stream, once, and written in chunks: memory holds a chunk of items,
    whatever the file's size.
    """
    ndjson = True if str(getattr(file, "name", "-")).endswith((".ndjson", ".jsonl")) else None

    def items() -> Any:
        return bulk.stream(iter(lambda: file.read(1 << 16), b""), ndjson=ndjson)

    try:
        report = bulk.import_stream(
            items,
            dry_run=dry_run,
            author="cli",
            validated=lambda n: _note(f"read {n} item(s)", n),
            progress=lambda n: _note(f"wrote {n} item(s)", n),
        )
    except KbError as exc:
        details = f"\n{json.dumps(exc.errors, indent=2)}" if exc.errors else ""
        raise click.ClickException(f"{exc.detail}{details}") from exc
    verb = "Would import" if dry_run else "Imported"
    click.echo(
        f"{verb} {report.items} item(s): {len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged."
    )


def _note(message: str, n: int) -> None:
    if n % 5000 == 0:
        click.echo(message, err=True)


@click.command("worker")
@click.option("--until-idle", is_flag=True, help="Stop once no job is due (instead of waiting for more).")
@click.option("--poll", type=click.FloatRange(min=0.05), default=1.0, show_default=True, help="Idle wait, s.")
@click.option("--parent", type=int, hidden=True, help="Stop when this process (the server) is gone.")
@with_appcontext
def worker_command(until_idle: bool, poll: float, parent: int | None) -> None:
    """Run background jobs (imports, and more kinds later) until SIGTERM or SIGINT."""
    from kb.jobs.worker import Worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = Worker(app, lease=app.config["KB_JOB_LEASE"], poll=poll, parent=parent)
    done = worker.run(until_idle=until_idle)
    click.echo(f"Worker stopped after {done} job(s).")


@click.command("cleanup")
@with_appcontext
def cleanup_command() -> None:
    """Delete finished webhook deliveries, finished jobs and changes feed rows past their retention now
    (the worker does it every KB_CLEANUP_INTERVAL seconds)."""
    from kb.jobs import cleanup

    counts = cleanup.prune()
    deliveries, events, jobs = counts["deliveries"], counts["events"], counts["jobs"]
    click.echo(
        f"Deleted {deliveries} delivery(ies), {events} event(s), {jobs} job(s). "
        f"Pruned {counts['changes']} change(s) from the feed."
    )


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "ndjson"]), default="json")
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: stdout).",
)
@with_appcontext
def export_command(fmt: str, output: Any) -> None:
    """Export every procedure, entry and article (drafts too) in the format import takes."""
    total = bulk.count()
    items = bulk.export_items()
    with click.progressbar(items, length=total, label="Exporting", file=sys.stderr) as bar:
        for chunk in bulk.dump(bar, ndjson=fmt == "ndjson"):
            output.write(chunk)
