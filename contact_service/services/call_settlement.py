"""Settling call attempts from the event log, in batches: the furthest status, what answered, the outcome.

Every pass takes attempts with unsettled events (locked with SKIP LOCKED, so settlers can run side by
side), re-reads each one's whole event history, classifies it with the pure domain rules (order-independent,
so reordered and late callbacks never move a call backwards) and writes the results set-based. Events are
marked settled by id, exactly those that were read; a crash before commit leaves them for the next pass.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, CallEvent, PhoneNumber
from contact_service.domain.call_outcome import (
    CallFacts,
    Classification,
    Outcome,
    answered_by,
    classify,
    furthest_status,
)
from contact_service.domain.states import AttemptState, PhoneStatus

DEFAULT_BATCH = 500
EventRow = Row[*tuple[Any, ...]]  # the columns of CallEvent that settling reads


@dataclass(frozen=True)
class EndedAttempt:
    """An attempt whose call ended in this pass."""

    attempt_id: int
    case_id: int
    outcome: Outcome
    bad_number: bool


@dataclass(frozen=True)
class SettleResult:
    """What one settling pass did."""

    attempts: int
    events: int
    ended: list[EndedAttempt]


OnEnded = Callable[[Session, list[EndedAttempt], dt.datetime], object]


def settle_pending(
    session: Session, now: dt.datetime, batch: int = DEFAULT_BATCH, on_ended: OnEnded | None = None
) -> SettleResult:
    """Fold unsettled events into their attempts (at most `batch` attempts). Commits.

    `on_ended` runs inside the same transaction with the attempts that ended in this pass (follow-ups).
    """
    pending_ids = session.scalars(
        select(CallEvent.attempt_id)
        .where(CallEvent.settled_at.is_(None), CallEvent.attempt_id.is_not(None))
        .distinct()
        .limit(batch)
    ).all()
    if not pending_ids:
        return SettleResult(0, 0, [])
    # Attempts another settler holds are skipped (SQLite has no row locks and renders nothing here).
    query = (
        select(CallAttempt)
        .where(CallAttempt.id.in_(pending_ids))
        .execution_options(populate_existing=True)
        .with_for_update(skip_locked=True)
    )
    attempts = {attempt.id: attempt for attempt in session.scalars(query)}
    if not attempts:
        session.rollback()
        return SettleResult(0, 0, [])
    rows = session.execute(
        select(
            CallEvent.id,
            CallEvent.attempt_id,
            CallEvent.kind,
            CallEvent.call_status,
            CallEvent.answered_by,
            CallEvent.digits,
            CallEvent.detail,
            CallEvent.error_code,
            CallEvent.sip_code,
            CallEvent.duration_seconds,
            CallEvent.call_sid,
            CallEvent.settled_at,
        )
        .where(CallEvent.attempt_id.in_(list(attempts)))
        .order_by(CallEvent.id)
    ).all()
    history: dict[int, list[EventRow]] = defaultdict(list)
    for row in rows:
        history[row.attempt_id].append(row)
    ended: list[EndedAttempt] = []
    bad_phones: dict[int, Classification] = {}
    for attempt_id, attempt in attempts.items():
        was_ended = attempt.state == AttemptState.ENDED
        classification = _fold(attempt, history[attempt_id], now)
        if classification is not None and not was_ended:
            ended.append(EndedAttempt(attempt_id, attempt.case_id, classification.outcome, classification.bad_number))
        if classification is not None and classification.bad_number:
            bad_phones[attempt.phone_number_id] = classification
    unsettled = [row.id for row in rows if row.settled_at is None]
    if unsettled:
        session.execute(
            update(CallEvent).where(CallEvent.id.in_(unsettled), CallEvent.settled_at.is_(None)).values(settled_at=now)
        )
    for phone_id, classification in bad_phones.items():
        session.execute(
            update(PhoneNumber)
            .where(PhoneNumber.id == phone_id, PhoneNumber.status == PhoneStatus.ACTIVE)
            .values(status=PhoneStatus.BAD, bad_reason=_bad_reason(classification), marked_bad_at=now)
        )
    if on_ended is not None and ended:
        session.flush()
        on_ended(session, ended, now)
    session.commit()
    return SettleResult(len(attempts), len(unsettled), ended)


def settle_all(session: Session, now: dt.datetime, on_ended: OnEnded | None = None) -> SettleResult:
    """Settle until nothing is pending (tests, and catching up after downtime)."""
    attempts = events = 0
    ended: list[EndedAttempt] = []
    while True:
        result = settle_pending(session, now, on_ended=on_ended)
        if result.attempts == 0:
            return SettleResult(attempts, events, ended)
        attempts, events = attempts + result.attempts, events + result.events
        ended.extend(result.ended)


def _fold(attempt: CallAttempt, events: Sequence[EventRow], now: dt.datetime) -> Classification | None:
    """Bring one attempt up to date with its whole event history."""
    facts = [
        CallFacts(e.kind, e.call_status, e.answered_by, e.digits, e.detail, e.error_code, e.sip_code) for e in events
    ]
    provider_events = [e for e in events if e.kind in ("status", "amd", "gather")]
    sid = next((e.call_sid for e in provider_events if e.call_sid), None)
    if attempt.call_sid is None and sid:
        # The provider has the call although we never recorded its SID (a dialer died after asking).
        attempt.call_sid = sid
    if attempt.state == AttemptState.DIALING and provider_events:
        attempt.state = AttemptState.PLACED
        attempt.placed_at = attempt.placed_at or now
    for event in events:
        if event.kind == "status":
            attempt.provider_status = furthest_status(attempt.provider_status, event.call_status)
            if event.duration_seconds is not None and event.call_status == "completed":
                attempt.duration_seconds = event.duration_seconds
    attempt.answered_by = answered_by(facts) or attempt.answered_by
    classification = classify(facts)
    if classification is None:
        return None
    if attempt.state != AttemptState.ENDED:
        attempt.state = AttemptState.ENDED
        attempt.ended_at = now
    attempt.outcome = classification.outcome.value
    attempt.error_code = classification.error_code or attempt.error_code
    attempt.sip_code = classification.sip_code or attempt.sip_code
    return classification


def _bad_reason(classification: Classification) -> str:
    if classification.sip_code is None and classification.error_code is None:
        return "answered by a fax machine"
    return f"call failed (SIP {classification.sip_code}, error {classification.error_code})"
