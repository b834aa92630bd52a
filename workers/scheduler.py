"""The scheduler process: RQ's cron scheduler enqueues periodic jobs; the workers run them.

The escalation sweep is idempotent, so two schedulers running side by side (or a sweep enqueued twice after
a restart) list nothing twice.
"""

from __future__ import annotations

from rq.cron import CronScheduler

from contact_service import jobs
from contact_service.bootstrap import Container

SCHEDULED_QUEUE = "default"


def build_scheduler(container: Container) -> CronScheduler:
    """A cron scheduler with the service's periodic jobs registered."""
    scheduler = CronScheduler(connection=container.redis, logging_level=container.settings.log_level, name="")
    every = container.settings.escalation_every_seconds
    scheduler.register(
        jobs.escalate, SCHEDULED_QUEUE, interval=every, job_timeout=max(600, every), name="escalation-sweep"
    )
    return scheduler


def run_scheduler(container: Container) -> None:
    """Enqueue the periodic jobs until stopped (SIGINT/SIGTERM)."""
    build_scheduler(container).start()  # type: ignore[no-untyped-call]  # rq leaves CronScheduler.start unannotated
