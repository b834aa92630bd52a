"""`contact-service db ...`: schema migrations."""

from __future__ import annotations

import click

from contact_service.adapters.db import migrate
from contact_service.cli import Context, cli, fail, pass_context


@cli.group()
def db() -> None:
    """Database schema commands."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@pass_context
def upgrade(context: Context, revision: str) -> None:
    """Create or migrate the schema to the newest revision."""
    engine = context.container.engine
    try:
        migrate.upgrade(engine, revision)
    except migrate.DatabaseUnreachable as exc:
        fail(f"cannot reach the database at {engine.url.render_as_string(hide_password=True)}: {exc}")
    click.echo(f"database at revision {migrate.current_revision(engine)}")


@db.command()
@pass_context
def current(context: Context) -> None:
    """Show the schema revision of the database and of the code."""
    engine = context.container.engine
    click.echo(f"database: {migrate.current_revision(engine) or '(empty)'}; code: {migrate.head_revision()}")
