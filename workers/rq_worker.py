"""Start an RQ worker on the service's queues.

A SimpleWorker runs jobs in its own process instead of forking one per job: a dial job is a few milliseconds
of work, and forking would cost more than the job. A worker killed mid-job loses nothing: the database says
what each attempt was doing, and the dispatcher's reconciler picks it up.

RQ logs at WARNING (its own INFO is three lines per job; at DEBUG the service's level, masked like every
record): the worker says itself when it starts and stops, and the dispatcher sums up the calls each minute.
A job that fails because the database is away is said once a minute while it lasts (the dispatcher queues
its attempt again when the database answers), not as a traceback per job.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

from rq import Queue, SimpleWorker
from rq.job import Job

from contact_service import jobs
from contact_service.adapters.log_setup import configure_logging, library_level
from contact_service.adapters.rq_queue import DIAL_QUEUE
from contact_service.bootstrap import Container
from workers.dispatcher import Complaints, database_unreachable

DEFAULT_QUEUES = (DIAL_QUEUE, "default")
log = logging.getLogger(__name__)
DATABASE_AWAY = "database unreachable"


class ServiceWorker(SimpleWorker):
    """RQ's SimpleWorker, with an outage of the database said once a minute instead of once per job."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.complaints = Complaints(log)

    def handle_exception(self, job: Job, *exc_info: Any) -> None:
        """Log a job's failure (RQ's traceback), unless the database being away explains it."""
        error = exc_info[1] if len(exc_info) > 1 else None
        if database_unreachable(error):
            cause = getattr(error, "orig", None) or error
            said = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
            self.complaints.failed(
                DATABASE_AWAY, f"job {job.id} failed ({said}); its attempt is queued again when it answers"
            )
            return
        super().handle_exception(job, *exc_info)

    def handle_job_success(self, *args: Any, **kwargs: Any) -> None:
        """RQ's bookkeeping of a job done; a job done means the database answers."""
        super().handle_job_success(*args, **kwargs)
        self.complaints.recovered(DATABASE_AWAY)


def run_worker(container: Container, queues: Sequence[str] = DEFAULT_QUEUES, burst: bool = False) -> bool:
    """Work the queues until stopped (or, with `burst`, until they are empty). True if any job ran."""
    level = container.settings.log_level
    configure_logging(level)
    jobs.use_container(container)
    connection = container.redis
    worker = ServiceWorker([Queue(name, connection=connection) for name in queues], connection=connection)
    log.info("worker %s (pid %d) started on the queues %s", worker.name, os.getpid(), ", ".join(queues))
    # RQ sets its own loggers to the level it is given: the libraries' level, not the service's.
    worked = worker.work(burst=burst, logging_level=library_level(level))
    log.info("worker %s stopped", worker.name)
    return worked
