"""Start an RQ worker on the service's queues."""

from __future__ import annotations

from collections.abc import Sequence

from rq import Queue, Worker

from contact_service.bootstrap import Container

DEFAULT_QUEUES = ("default",)


def run_worker(container: Container, queues: Sequence[str] = DEFAULT_QUEUES, burst: bool = False) -> bool:
    """Work the queues until stopped (or, with `burst`, until they are empty). True if any job ran."""
    connection = container.redis
    worker = Worker([Queue(name, connection=connection) for name in queues], connection=connection)
    return worker.work(burst=burst, with_scheduler=True)
