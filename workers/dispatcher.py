"""The dispatcher process: the loops that keep calls moving.

Every round: settle call attempts from the event log (planning follow-ups in the same transaction), queue
due attempts into RQ, and complete finished campaigns. Every few seconds: reconcile (jobs lost from Redis,
attempts left dialing by dead workers, calls whose final callback never came). Settling is safe with several
dispatchers side by side; queueing and reconciling run in the one that holds the leader lease in Redis (its
value names the holder: host, process id and a random tag).

What it logs: its start and stop, taking and losing the lease, once a minute what it queued, settled and
reconciled, and a problem that recurs (the database or Redis away) once when it starts, once a minute while
it lasts and once when it ends, never every round.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError

from contact_service.adapters.db.event_log import EventLogUnavailable
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
SUMMARY_EVERY_SECONDS = 60.0
COMPLAIN_EVERY_SECONDS = 60.0
# Pauses between rounds while the database is away: from the first to the longest (doubling).
OUTAGE_PAUSES_SECONDS = (0.25, 2.0)

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""

# What the minute's summary counts, in the order it says them; the reconciler's only when it did something.
TALLIES = (
    ("queued", "attempts queued"),
    ("settled", "attempts settled"),
    ("ended", "calls ended"),
    ("completed", "campaigns completed"),
)
RECONCILER_TALLIES = (
    ("requeued", "lost jobs re-enqueued"),
    ("adopted", "calls of dead workers adopted"),
    ("redialled", "attempts of dead workers queued again"),
    ("finished", "calls finished from the provider's record"),
)


class Complaints:
    """Says a recurring problem once when it starts, once per interval while it lasts (with how many times
    it recurred), and once when it ends: one line a minute, not ten a second."""

    def __init__(self, logger: logging.Logger, every_seconds: float = COMPLAIN_EVERY_SECONDS) -> None:
        self._log = logger
        self._every = every_seconds
        self._open: dict[str, tuple[float, int]] = {}  # problem -> (last said at, times since)

    def failed(self, problem: str, detail: str, exc_info: bool = False) -> None:
        """`problem` happened (again); `detail` says what was seen this time (with `exc_info`, the first
        time also logs the traceback, at ERROR: a bug rather than an outage)."""
        now = time.monotonic()
        said_at, times = self._open.get(problem, (None, 0))
        if said_at is None:
            self._log.log(logging.ERROR if exc_info else logging.WARNING, "%s: %s", problem, detail, exc_info=exc_info)
            self._open[problem] = (now, 0)
        elif now - said_at >= self._every:
            self._log.warning("%s: still (%d times in the last %.0f s): %s", problem, times + 1, now - said_at, detail)
            self._open[problem] = (now, 0)
        else:
            self._open[problem] = (said_at, times + 1)

    def recovered(self, problem: str) -> None:
        """`problem` did not happen this time."""
        if self._open.pop(problem, None) is not None:
            self._log.info("%s: works again", problem)

    def failing(self) -> bool:
        """True while any problem is open."""
        return bool(self._open)


class Dispatcher:
    """Runs each duty in turn; a duty that fails is logged and retried on the next round."""

    def __init__(
        self,
        container: Container,
        reconcile_after_seconds: float | None = None,
        summary_every_seconds: float = SUMMARY_EVERY_SECONDS,
        silent_call_grace_seconds: float = SILENT_CALL_GRACE_SECONDS,
    ) -> None:
        self._container = container
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._renew = container.redis.register_script(_RENEW)
        self._next_reconcile = 0.0
        self._reconcile_after = reconcile_after_seconds or container.settings.reconcile_after_seconds
        # Real seconds a final callback may be late before the provider is asked how the call ended.
        self._silent_call_grace = silent_call_grace_seconds
        self._leading = False
        self._complaints = Complaints(log)
        self._database_away: str | None = None  # what the database said this round, when it was away
        self._tally: Counter[str] = Counter()
        self._summary_every = summary_every_seconds
        self._summary_since = time.monotonic()

    def run_once(self) -> int:
        """One round of every duty; returns how much work was done (0 when idle)."""
        self._database_away = None
        done = self._duty("settling", self._settle)
        if self._is_leader():
            done += self._duty("queueing", self._queue)
            if time.monotonic() >= self._next_reconcile:
                self._next_reconcile = time.monotonic() + RECONCILE_EVERY_SECONDS
                done += self._duty("reconciling", self._reconcile)
        self._duty("completing campaigns", self._complete)
        if self._database_away:
            where = self._container.engine.url.render_as_string(hide_password=True)
            self._complaints.failed(
                f"database unreachable at {where}", f"{self._database_away}; duties resume when it answers"
            )
        else:
            self._complaints.recovered(
                f"database unreachable at {self._container.engine.url.render_as_string(hide_password=True)}"
            )
        return done

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Loop until `stop` is set, pausing briefly whenever a round found nothing to do (longer, up to a
        couple of seconds, while the database is away)."""
        stop = stop or threading.Event()
        log.info("dispatcher %s started", self.identity)
        pause = OUTAGE_PAUSES_SECONDS[0]
        while not stop.is_set():
            done = self.run_once()
            if self._database_away:
                stop.wait(pause)
                pause = min(pause * 2, OUTAGE_PAUSES_SECONDS[1])
                continue
            pause = OUTAGE_PAUSES_SECONDS[0]
            if done == 0:
                stop.wait(IDLE_PAUSE_SECONDS)
            if time.monotonic() - self._summary_since >= self._summary_every:
                self._summarize()
        self._summarize()
        log.info("dispatcher %s stopped", self.identity)

    def _summarize(self) -> None:
        """One line: what this dispatcher did since the last summary."""
        elapsed = time.monotonic() - self._summary_since
        counts = ", ".join(f"{self._tally[key]} {label}" for key, label in TALLIES)
        reconciled = ", ".join(f"{self._tally[key]} {label}" for key, label in RECONCILER_TALLIES if self._tally[key])
        log.info(
            "in the last %.0f s: %s; reconciled: %s; %s",
            elapsed,
            counts,
            reconciled or "nothing",
            "the leader (queueing and reconciling)" if self._leading else "not the leader (settling only)",
        )
        self._tally.clear()
        self._summary_since = time.monotonic()

    def _settle(self) -> int:
        container = self._container
        policy = container.contact_policy
        with container.sessions() as session:
            result = settle_pending(
                session,
                container.clock.now(),
                on_ended=lambda s, ended, now: plan_follow_ups(s, ended, policy, now),
            )
        self._tally.update(settled=result.attempts, ended=len(result.ended))
        return result.attempts

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
                now - clock.simulated(self._silent_call_grace) - _call_length(container),
                now,
            )
        self._tally.update(requeued=requeued, adopted=adopted, redialled=redial, finished=finished)
        return requeued + adopted + redial + finished

    def _queue(self) -> int:
        container = self._container
        with container.sessions() as session:
            queued = scheduling.queue_due_attempts(
                session, container.call_queue, container.clock.now(), container.settings.max_calls_in_progress
            )
        self._tally.update(queued=queued)
        return queued

    def _complete(self) -> int:
        with self._container.sessions() as session:
            completed = campaigns.complete_finished(session, self._container.clock.now())
            session.commit()
        for campaign_id in completed:
            log.info("campaign %s completed", campaign_id)
        self._tally.update(completed=len(completed))
        return len(completed)

    def _is_leader(self) -> bool:
        try:
            leading = bool(self._renew(keys=[LEADER_KEY], args=[self.identity, LEADER_TTL_MS]))
        except RedisError as exc:
            self._complaints.failed("Redis unreachable", f"not queueing or reconciling ({exc})")
            leading = False
        else:
            self._complaints.recovered("Redis unreachable")
        if leading != self._leading:
            log.info(
                "dispatcher %s %s the leader lease",
                self.identity,
                "took" if leading else "no longer holds",
            )
            self._leading = leading
        return leading

    def _duty(self, name: str, work: Callable[[], int]) -> int:
        try:
            done = work()
        except Exception as exc:  # noqa: BLE001 - a duty's failure must not stop the others
            if database_unreachable(exc):
                # Said by run_once, once for the round (and once a minute while it lasts), not per duty and round.
                cause = getattr(exc, "orig", None) or exc
                self._database_away = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
                return 0
            self._complaints.failed(f"{name} failed", f"retrying next round ({type(exc).__name__})", exc_info=True)
            return 0
        self._complaints.recovered(f"{name} failed")
        return done


def database_unreachable(exc: BaseException | None) -> bool:
    """True for a database that is down or restarting (no connection, connection lost, shutting down), not
    for an error of a statement (a deadlock, a constraint)."""
    if isinstance(exc, EventLogUnavailable):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is None:  # psycopg raises connection failures without a SQLSTATE
        return type(exc.orig).__name__ in ("OperationalError", "InterfaceError")
    # 08: connection exception; 57P01-57P03: administrator shutdown, crash shutdown, cannot connect now.
    return sqlstate.startswith("08") or sqlstate in ("57P01", "57P02", "57P03")


def _call_length(container: Container) -> dt.timedelta:
    return dt.timedelta(seconds=container.settings.ring_timeout_seconds + container.settings.automated_call_seconds)


def run_in_thread(
    container: Container,
    reconcile_after_seconds: float | None = None,
    silent_call_grace_seconds: float = SILENT_CALL_GRACE_SECONDS,
) -> tuple[threading.Thread, threading.Event]:
    """Start a dispatcher in a daemon thread (tests, demo); set the returned event to stop it."""
    stop = threading.Event()
    dispatcher = Dispatcher(
        container, reconcile_after_seconds=reconcile_after_seconds, silent_call_grace_seconds=silent_call_grace_seconds
    )
    thread = threading.Thread(target=dispatcher.run_forever, args=(stop,), name="dispatcher", daemon=True)
    thread.start()
    return thread, stop
