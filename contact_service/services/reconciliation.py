"""Putting things right after faults. Redis is not the source of truth and workers may die at any moment.

- Queued attempts whose job is gone from Redis (a restart or flush) are enqueued again.
- An attempt left "dialing" by a worker that died is looked up at the provider before anything is dialled
  again: if the provider has a call to that number since the attempt began, it is adopted; if not, the
  request never reached the provider and the attempt is queued again. Nobody else dials a number while one
  of its attempts is dialing, so a call found is this attempt's.
- A placed call whose final callback never came (a callback refused while the database was away) is fetched
  from the provider, and its final status and what answered it go into the event log as the callbacks would
  have.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.event_log import EventLog
from contact_service.adapters.db.models import CallAttempt
from contact_service.adapters.rq_queue import CallQueue
from contact_service.domain.call_outcome import FINAL_STATUSES
from contact_service.domain.states import AttemptState
from contact_service.services.telephony import ProviderUnavailable, Telephony

log = logging.getLogger(__name__)
LOOKBACK = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class ReconcileResult:
    """What a reconciling pass put right."""

    requeued: int = 0
    adopted: int = 0
    redialable: int = 0
    finished: int = 0


def requeue_lost_jobs(session: Session, queue: CallQueue, older_than: dt.datetime) -> int:
    """Enqueue again every queued attempt (queued before `older_than`) that has no live job in Redis."""
    queued = session.scalars(
        select(CallAttempt.id).where(CallAttempt.state == AttemptState.QUEUED, CallAttempt.queued_at <= older_than)
    ).all()
    lost = sorted(set(queued) - queue.live(queued)) if queued else []
    if lost:
        queue.enqueue_dials(lost)
        log.warning("re-enqueued %d queued attempts whose jobs were missing from Redis", len(lost))
    return len(lost)


def resolve_stuck_dialing(
    session: Session, telephony: Telephony, queue: CallQueue, older_than: dt.datetime, now: dt.datetime
) -> tuple[int, int]:
    """Attempts left dialing (no SID) since before `older_than`: adopt the provider's call, or queue again."""
    stuck = session.scalars(
        select(CallAttempt).where(
            CallAttempt.state == AttemptState.DIALING,
            CallAttempt.call_sid.is_(None),
            CallAttempt.dialing_at <= older_than,
        )
    ).all()
    adopted = requeued = 0
    for attempt in stuck:
        began = attempt.dialing_at or older_than  # never None here: the query compared it
        try:
            calls = telephony.find_calls(attempt.to_e164, began - LOOKBACK)
        except ProviderUnavailable as exc:
            log.warning("cannot reconcile attempt %s yet: %s", attempt.id, exc)
            continue
        known = (
            set(
                session.scalars(
                    select(CallAttempt.call_sid).where(CallAttempt.call_sid.in_([call.sid for call in calls]))
                )
            )
            if calls
            else set()
        )
        unclaimed = [call for call in calls if call.sid not in known]
        if unclaimed:
            attempt.call_sid, attempt.state = unclaimed[0].sid, AttemptState.PLACED
            attempt.placed_at = attempt.placed_at or now
            adopted += 1
            log.warning("attempt %s: adopted call %s placed by a worker that died", attempt.id, unclaimed[0].sid)
        else:
            session.execute(
                update(CallAttempt)
                .where(
                    CallAttempt.id == attempt.id,
                    CallAttempt.state == AttemptState.DIALING,
                    CallAttempt.call_sid.is_(None),
                )
                .values(state=AttemptState.QUEUED, queued_at=now, dialing_at=None, dial_claim=None)
            )
            requeued += 1
            log.warning("attempt %s: never reached the provider before its worker died; queued again", attempt.id)
        session.commit()
        if not unclaimed:
            queue.enqueue_dials([attempt.id])
    return adopted, requeued


def finish_silent_calls(
    session: Session, telephony: Telephony, log_: EventLog, older_than: dt.datetime, now: dt.datetime, limit: int = 100
) -> int:
    """Placed calls with no final status since before `older_than`: ask the provider how they ended."""
    silent = session.execute(
        select(CallAttempt.id, CallAttempt.call_sid)
        .where(
            CallAttempt.state.in_((AttemptState.PLACED, AttemptState.DIALING)),
            CallAttempt.call_sid.is_not(None),
            CallAttempt.placed_at <= older_than,
        )
        .limit(limit)
    ).all()
    finished = 0
    for attempt_id, sid in silent:
        if sid is None:  # excluded by the query; the column is nullable for attempts not yet placed
            continue
        try:
            call = telephony.fetch_call(sid)
        except ProviderUnavailable:
            continue
        status = call.status if call else "failed"
        if status in FINAL_STATUSES:
            if call is None:
                log.warning("attempt %s: the provider has no call %s; recorded as failed", attempt_id, sid)
            else:
                log.info(
                    "attempt %s: no final callback came for call %s; the provider says %s", attempt_id, sid, status
                )
            log_.append(
                {
                    "dedup_key": f"status:{sid}:reconciled",
                    "attempt_id": attempt_id,
                    "call_sid": sid,
                    "kind": "status",
                    "call_status": status,
                    # A machine's call must not count as a person reached because its AMD callback was lost.
                    "answered_by": call.answered_by if call else None,
                    "received_at": now,
                }
            )
            finished += 1
    return finished
