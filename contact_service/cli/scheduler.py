"""`contact-service scheduler`: enqueue periodic jobs (the escalation sweep) for the workers."""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from contact_service.adapters.db.migrate import first_line
from contact_service.cli import Context, cli, masked_url, pass_context, require_redis

log = logging.getLogger("workers.scheduler")
# Pauses between tries while Redis is away: from the first to the longest (doubling).
RETRY_PAUSES_SECONDS = (1.0, 30.0)


@cli.command()
@pass_context
def scheduler(context: Context) -> None:
    """Enqueue the escalation sweep every CONTACT_ESCALATION_EVERY_SECONDS; workers run it. Exits 2 if Redis
    or the database do not answer at start; if Redis goes away later, it waits (saying so once a minute) and
    starts again when Redis answers."""
    from rq.exceptions import SchedulerNotFound, StopRequested

    from workers.dispatcher import Complaints
    from workers.scheduler import run_scheduler

    container = context.container  # checks the database and its schema
    require_redis(container)
    complaints = Complaints(log)
    problem = f"Redis unreachable at {masked_url(container.settings.redis_url)}"
    pause = RETRY_PAUSES_SECONDS[0]
    try:
        while True:
            try:
                container.redis.ping()
            except RedisError as exc:
                complaints.failed(problem, f"the scheduler starts again when it answers ({first_line(exc)})")
                time.sleep(pause)
                pause = min(pause * 2, RETRY_PAUSES_SECONDS[1])
                continue
            complaints.recovered(problem)
            pause = RETRY_PAUSES_SECONDS[0]
            try:
                run_scheduler(container)
                return  # stopped by SIGINT or SIGTERM
            except (RedisError, SchedulerNotFound) as exc:
                # RQ's scheduler gives up on the first Redis error (and a restarted Redis no longer knows it).
                complaints.failed(problem, f"the scheduler starts again when it answers ({first_line(exc)})")
                time.sleep(pause)  # never a tight loop, even if Redis answers PING but refuses the rest
                pause = min(pause * 2, RETRY_PAUSES_SECONDS[1])
    except (StopRequested, KeyboardInterrupt):
        # RQ's signal handlers stay installed between tries: a stop while waiting ends here.
        log.info("scheduler stopped")
