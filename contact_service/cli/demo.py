"""`contact-service demo`: the main job end to end on local defaults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from redis.exceptions import RedisError
from sqlalchemy import func, select

from contact_service.adapters.db import migrate
from contact_service.adapters.db.case_store import CaseStore
from contact_service.adapters.db.models import Case
from contact_service.cli import Context, cli, pass_context
from contact_service.services.case_import import import_cases
from contact_service.services.synthetic_cases import write_synthetic_cases


@cli.command()
@click.option("--cases", "case_count", default=3000, show_default=True, help="Synthetic cases to generate.")
@click.option("--seed", default=1040, show_default=True, help="Seed of the synthetic data.")
@pass_context
def demo(context: Context, case_count: int, seed: int) -> None:
    """Create the schema, generate and import synthetic cases, and run the campaign pipeline."""
    container = context.container
    click.echo(f"database: {container.engine.url.render_as_string(hide_password=True)}")
    migrate.upgrade(container.engine)

    case_file = Path("var/demo/cases.csv")
    case_file.parent.mkdir(parents=True, exist_ok=True)
    today = container.clock.now().date()
    with case_file.open("w", encoding="utf-8", newline="") as stream:
        write_synthetic_cases(stream, case_count, today=today - dt.timedelta(days=1), seed=seed, prefix="DEMO")
    click.echo(f"generated {case_count} synthetic cases in {case_file}")

    with case_file.open("rb") as handle, CaseStore(container.engine) as store:
        summary = import_cases(
            handle, store, container.clock, source_name=str(case_file), batch_size=container.settings.import_batch_size,
            workers=container.settings.import_workers
        )
    click.echo(f"imported {summary.rows_imported} rows ({summary.rows_rejected} rejected)")
    with container.sessions() as session:
        on_file = session.scalar(select(func.count()).select_from(Case))
    click.echo(f"cases on file: {on_file}")

    try:
        container.redis.ping()
    except RedisError:
        click.echo(
            "Redis is not reachable at "
            f"{container.settings.redis_url}; the dialer needs it. Start it with: redis-server --daemonize yes",
            err=True,
        )
    click.echo("next: campaigns and the dialer arrive with the telephony and dialer work (issues 3 and 4)")
