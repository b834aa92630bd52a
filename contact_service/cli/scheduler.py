"""`contact-service scheduler`: enqueue periodic jobs (the escalation sweep) for the workers."""

from __future__ import annotations

from contact_service.cli import Context, cli, pass_context


@cli.command()
@pass_context
def scheduler(context: Context) -> None:
    """Enqueue the escalation sweep every CONTACT_ESCALATION_EVERY_SECONDS; workers run it."""
    from workers.scheduler import run_scheduler

    run_scheduler(context.container)
