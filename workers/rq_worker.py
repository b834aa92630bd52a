"""Start an RQ worker on the service's queues.

A SimpleWorker runs jobs in its own process instead of forking one per job: a dial job is a few milliseconds
of work, and forking would cost more than the job. A worker killed mid-job loses nothing: the database says
what each attempt was doing, and the dispatcher's reconciler picks it up.
"""

from __future__ import annotations

from collections.abc import Sequence

from rq import Queue, SimpleWorker

from contact_service import jobs
from contact_service.adapters.rq_queue import DIAL_QUEUE
from contact_service.bootstrap import Container

DEFAULT_QUEUES = (DIAL_QUEUE, "default")


def run_worker(container: Container, queues: Sequence[str] = DEFAULT_QUEUES, burst: bool = False) -> bool:
    """Work the queues until stopped (or, with `burst`, until they are empty). True if any job ran."""
    jobs.use_container(container)
    connection = container.redis
    worker = SimpleWorker([Queue(name, connection=connection) for name in queues], connection=connection)
    return worker.work(burst=burst, logging_level=container.settings.log_level)
