"""`contact-service db ...`: schema migrations."""

from __future__ import annotations

import click

from contact_service.adapters.db import migrate
from contact_service.cli import Context, cli, fail, masked_url, pass_context


@cli.group()
def db() -> None:
    """Database schema commands."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@pass_context
def upgrade(context: Context, revision: str) -> None:
    """Create or migrate the schema to the newest revision (a SQLite file is created if missing)."""
    engine = context.container.engine
    shown = masked_url(context.container.settings.database_url)
    try:
        migrate.upgrade(engine, revision)
        click.echo(f"database at revision {migrate.current_revision(engine)}")
    except migrate.DatabaseUnreachable as exc:
        fail(f"cannot reach the database at {shown}: {exc}")


@db.command()
@pass_context
def current(context: Context) -> None:
    """Show the schema revision of the database and of the code."""
    settings = context.container.settings
    missing = migrate.missing_sqlite_file(settings.database_url)
    if missing is not None:
        # Not created by looking: `db upgrade` creates it.
        click.echo(f"database: (no file at {missing}); code: {migrate.head_revision()}")
        return
    try:
        revision = migrate.current_revision(context.container.engine)
    except migrate.DatabaseUnreachable as exc:
        fail(f"cannot reach the database at {masked_url(settings.database_url)}: {exc}")
    click.echo(f"database: {revision or '(empty)'}; code: {migrate.head_revision()}")
