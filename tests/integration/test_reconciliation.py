"""Jobs lost from Redis are found from the database and queued again; waiting jobs are left alone."""

from __future__ import annotations

import datetime as dt

from redis import Redis
from sqlalchemy import Engine

from contact_service.adapters.db.engine import session_factory
from contact_service.adapters.rq_queue import CallQueue, dial_job_id
from contact_service.clock import FixedClock
from contact_service.services.reconciliation import requeue_lost_jobs
from tests.integration.test_dialing import NOON_NY, queued_attempt

LATER = NOON_NY + dt.timedelta(seconds=30)


def waiting_job_ids(queue: CallQueue) -> list[str]:
    return queue.queue.get_job_ids()


def test_a_job_popped_by_a_worker_that_died_before_claiming_is_queued_again(
    pg_engine: Engine, redis_client: Redis
) -> None:
    clock = FixedClock(NOON_NY)
    _, popped = queued_attempt(pg_engine, clock, phone="(212) 555-0701")
    _, waiting = queued_attempt(pg_engine, clock, phone="(212) 555-0702")
    queue = CallQueue(redis_client)
    queue.enqueue_dials([popped, waiting])
    # What a worker SIGKILLed right after dequeueing leaves behind: the job hash says "queued" (or
    # "started"), but the id is on no list and the attempt was never claimed.
    redis_client.lrem(queue.queue.key, 0, dial_job_id(popped))
    redis_client.hset(f"rq:job:{dial_job_id(popped)}", "status", "started")
    with session_factory(pg_engine)() as session:
        assert requeue_lost_jobs(session, queue, older_than=LATER) == 1
    assert sorted(waiting_job_ids(queue)) == sorted([dial_job_id(popped), dial_job_id(waiting)])
    with session_factory(pg_engine)() as session:  # nothing is lost any more: a second pass does nothing
        assert requeue_lost_jobs(session, queue, older_than=LATER) == 0


def test_after_a_redis_flush_every_queued_attempt_is_queued_again_once_the_grace_has_passed(
    pg_engine: Engine, redis_client: Redis
) -> None:
    clock = FixedClock(NOON_NY)
    attempts = [queued_attempt(pg_engine, clock, phone=f"(212) 555-071{n}")[1] for n in range(3)]
    queue = CallQueue(redis_client)
    queue.enqueue_dials(attempts)
    redis_client.flushdb()
    with session_factory(pg_engine)() as session:
        # Within the grace (the dispatcher may be enqueueing it right now) nothing is touched.
        assert requeue_lost_jobs(session, queue, older_than=NOON_NY - dt.timedelta(seconds=1)) == 0
        assert requeue_lost_jobs(session, queue, older_than=LATER) == 3
    assert sorted(waiting_job_ids(queue)) == sorted(dial_job_id(a) for a in attempts)
