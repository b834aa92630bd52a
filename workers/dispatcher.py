"""The dispatcher process: the loops that keep calls moving.

Every round: settle call attempts from the event log (planning follow-ups in the same transaction), queue
due attempts into RQ, and complete finished campaigns. Every few seconds: reconcile (jobs lost from Redis,
attempts left dialing by dead workers, calls whose final callback never came). Settling is safe with several
dispatchers side by side; queueing and reconciling run in the one that holds the leader lease in Redis.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable

from redis.exceptions import RedisError

from contact_service.bootstrap import Container
from contact_service.services import campaigns, reconciliation, scheduling
from contact_service.services.call_settlement import settle_pending
from contact_service.services.follow_ups import plan_follow_ups

log = logging.getLogger(__name__)
IDLE_PAUSE_SECONDS = 0.1
RECONCILE_EVERY_SECONDS = 2.0
LOST_JOB_GRACE_SECONDS = 5.0
SILENT_CALL_GRACE_SECONDS = 120.0
LEADER_KEY = "contact_service:dispatcher:leader"
LEADER_TTL_MS = 5000

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""


class Dispatcher:
    """Runs each duty in turn; a duty that fails is logged and retried on the next round."""

    def __init__(self, container: Container, reconcile_after_seconds: float | None = None) -> None:
        self._container = container
        self._identity = uuid.uuid4().hex
        self._renew = container.redis.register_script(_RENEW)
        self._next_reconcile = 0.0
        self._reconcile_after = reconcile_after_seconds or container.settings.reconcile_after_seconds

    def run_once(self) -> int:
        """One round of every duty; returns how much work was done (0 when idle)."""
        done = self._duty("settling", self._settle)
        if self._is_leader():
            done += self._duty("queueing", self._queue)
            if time.monotonic() >= self._next_reconcile:
                self._next_reconcile = time.monotonic() + RECONCILE_EVERY_SECONDS
                done += self._duty("reconciling", self._reconcile)
        self._duty("completing campaigns", self._complete)
        return done

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Loop until `stop` is set, pausing briefly whenever a round found nothing to do."""
        stop = stop or threading.Event()
        log.info("dispatcher started")
        while not stop.is_set():
            if self.run_once() == 0:
                stop.wait(IDLE_PAUSE_SECONDS)
        log.info("dispatcher stopped")

    def _settle(self) -> int:
        container = self._container
        policy = container.contact_policy
        with container.sessions() as session:
            return settle_pending(
                session,
                container.clock.now(),
                on_ended=lambda s, ended, now: plan_follow_ups(s, ended, policy, now),
            ).attempts

    def _reconcile(self) -> int:
        container = self._container
        clock, now = container.clock, container.clock.now()
        with container.sessions() as session:
            requeued = reconciliation.requeue_lost_jobs(
                session, container.call_queue, now - clock.simulated(LOST_JOB_GRACE_SECONDS)
            )
            adopted, redial = reconciliation.resolve_stuck_dialing(
                session, container.telephony, container.call_queue, now - clock.simulated(self._reconcile_after), now
            )
            finished = reconciliation.finish_silent_calls(
                session,
                container.telephony,
                container.event_log,
                now - clock.simulated(SILENT_CALL_GRACE_SECONDS) - _call_length(container),
                now,
            )
        return requeued + adopted + redial + finished

    def _queue(self) -> int:
        container = self._container
        with container.sessions() as session:
            return scheduling.queue_due_attempts(
                session, container.call_queue, container.clock.now(), container.settings.max_calls_in_progress
            )

    def _complete(self) -> int:
        with self._container.sessions() as session:
            completed = campaigns.complete_finished(session, self._container.clock.now())
            session.commit()
            return len(completed)

    def _is_leader(self) -> bool:
        try:
            return bool(self._renew(keys=[LEADER_KEY], args=[self._identity, LEADER_TTL_MS]))
        except RedisError as exc:
            log.warning("Redis unavailable (%s): not queueing this round", exc)
            return False

    @staticmethod
    def _duty(name: str, work: Callable[[], int]) -> int:
        try:
            return work()
        except Exception:
            log.exception("%s failed; retrying next round", name)
            return 0


def _call_length(container: Container) -> dt.timedelta:
    return dt.timedelta(seconds=container.settings.ring_timeout_seconds + container.settings.automated_call_seconds)


def run_in_thread(
    container: Container, reconcile_after_seconds: float | None = None
) -> tuple[threading.Thread, threading.Event]:
    """Start a dispatcher in a daemon thread (tests, demo); set the returned event to stop it."""
    stop = threading.Event()
    dispatcher = Dispatcher(container, reconcile_after_seconds=reconcile_after_seconds)
    thread = threading.Thread(target=dispatcher.run_forever, args=(stop,), name="dispatcher", daemon=True)
    thread.start()
    return thread, stop
