"""`contact-service worker`: an RQ worker process."""

from __future__ import annotations

import click

from contact_service.cli import Context, cli, pass_context, require_redis


@cli.command()
@click.option("--queue", "queues", multiple=True, help="Queue to work (repeatable); default: all of them.")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@pass_context
def worker(context: Context, queues: tuple[str, ...], burst: bool) -> None:
    """Run an RQ worker that executes the service's jobs. Exits 2 if Redis or the database do not answer at
    start; later outages are waited out (RQ retries Redis with a growing pause)."""
    from workers.rq_worker import DEFAULT_QUEUES, run_worker

    container = context.container  # checks the database and its schema
    require_redis(container)
    run_worker(container, queues or DEFAULT_QUEUES, burst=burst)
