"""The dial queue on RQ. Redis holds only the queue: every job is re-creatable from the database."""

from __future__ import annotations

from collections.abc import Iterable

from redis import Redis
from rq import Queue
from rq.job import Job

DIAL_QUEUE = "dial"
DIAL_FUNCTION = "contact_service.jobs.dial"
LIVE_STATUSES = {b"queued", b"started", b"deferred", b"scheduled", b"created"}
JOB_TIMEOUT_SECONDS = 120


def dial_job_id(attempt_id: int) -> str:
    """One job id per attempt: enqueueing twice cannot make two different jobs for it."""
    return f"dial-{attempt_id}"


class CallQueue:
    """Enqueues dial jobs and tells which attempts still have a live job."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self.queue = Queue(DIAL_QUEUE, connection=redis)

    def enqueue_dials(self, attempt_ids: Iterable[int]) -> int:
        """Put a dial job for each attempt on the queue (one round trip); returns how many."""
        jobs = [
            Queue.prepare_data(
                DIAL_FUNCTION, args=(attempt_id,), job_id=dial_job_id(attempt_id), timeout=JOB_TIMEOUT_SECONDS,
                result_ttl=0, failure_ttl=7 * 24 * 3600,
            )
            for attempt_id in attempt_ids
        ]
        if jobs:
            self.queue.enqueue_many(jobs)
        return len(jobs)

    def live(self, attempt_ids: Iterable[int]) -> set[int]:
        """The attempts whose dial job is still waiting or running (one pipelined round trip)."""
        ids = list(attempt_ids)
        pipeline = self._redis.pipeline(transaction=False)
        for attempt_id in ids:
            pipeline.hget(Job.key_for(dial_job_id(attempt_id)), "status")
        return {attempt_id for attempt_id, status in zip(ids, pipeline.execute(), strict=True) if status in LIVE_STATUSES}

    def depth(self) -> int:
        """Jobs waiting in the dial queue."""
        return len(self.queue)
