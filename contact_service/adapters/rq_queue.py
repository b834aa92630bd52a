"""The dial queue on RQ. Redis holds only the queue: every job is re-creatable from the database."""

from __future__ import annotations

from collections.abc import Iterable

from redis import Redis
from rq import Queue

DIAL_QUEUE = "dial"
DIAL_FUNCTION = "contact_service.jobs.dial"
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
                DIAL_FUNCTION,
                args=(attempt_id,),
                job_id=dial_job_id(attempt_id),
                timeout=JOB_TIMEOUT_SECONDS,
                result_ttl=0,
                failure_ttl=7 * 24 * 3600,
            )
            for attempt_id in attempt_ids
        ]
        if jobs:
            self.queue.enqueue_many(jobs)
        return len(jobs)

    def live(self, attempt_ids: Iterable[int]) -> set[int]:
        """The attempts whose dial job is still waiting on the queue (one round trip).

        A job's status alone cannot tell: a worker SIGKILLed between popping a job and claiming its attempt
        leaves the job "queued" or "started" in Redis, on no list, forever. A job that is really running has
        claimed its attempt in the database within milliseconds, so a queued attempt whose job is not on the
        list is lost; enqueueing it again is safe even if that guess is wrong, because only the job that
        wins the database claim dials.
        """
        waiting = {raw.decode() if isinstance(raw, bytes) else raw for raw in self._redis.lrange(self.queue.key, 0, -1)}
        return {attempt_id for attempt_id in attempt_ids if dial_job_id(attempt_id) in waiting}

    def depth(self) -> int:
        """Jobs waiting in the dial queue."""
        return len(self.queue)

    def clear(self) -> None:
        """Drop every job waiting in the dial queue (a demo's leftovers; the database still holds every attempt)."""
        self.queue.empty()  # type: ignore[no-untyped-call]  # rq leaves Queue.empty unannotated
