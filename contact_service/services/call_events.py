"""Recording what the provider tells us about calls, and settling each attempt from its whole event log."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, CallEvent, PhoneNumber
from contact_service.domain.call_outcome import (
    MACHINE_ANSWERS,
    CallFacts,
    answered_by,
    classify,
    furthest_status,
)


@dataclass(frozen=True)
class ProviderEvent:
    """A provider callback, parsed by the entry point (strings trimmed, numbers as int or None)."""

    kind: str  # status | amd | gather
    call_sid: str | None
    call_status: str | None = None
    answered_by: str | None = None
    digits: str | None = None
    sequence_number: int | None = None
    duration_seconds: int | None = None
    error_code: int | None = None
    sip_code: int | None = None
    provider_timestamp: dt.datetime | None = None
    idempotency_token: str | None = None

    def dedup_key(self) -> str:
        """Identity of the callback: a retried or duplicated delivery has the same key."""
        sid = self.call_sid or "-"
        if self.kind == "status":
            marker = self.sequence_number if self.sequence_number is not None else self.call_status
            return f"status:{sid}:{marker}"
        if self.kind == "amd":
            return f"amd:{sid}"
        # Key presses may legitimately repeat; only a delivery token can tell a retry from a second press.
        return f"{self.kind}:{sid}:{self.idempotency_token or uuid.uuid4().hex}"


@dataclass(frozen=True)
class RecordResult:
    """What recording one callback changed."""

    duplicate: bool
    attempt_id: int | None = None
    ended_now: bool = False  # this callback settled the attempt
    outcome: str | None = None
    redirect_to_voicemail: bool = False  # a machine answered and no voicemail was left yet


def record_provider_event(session: Session, attempt_id: int | None, event: ProviderEvent, now: dt.datetime) -> RecordResult:
    """Append the callback to the event log once, then settle the attempt from all its events. Commits."""
    attempt = _find_attempt(session, attempt_id, event.call_sid)
    inserted = _insert_event(
        session,
        dedup_key=event.dedup_key(),
        attempt_id=attempt.id if attempt else None,
        call_sid=event.call_sid,
        kind=event.kind,
        call_status=event.call_status,
        answered_by=event.answered_by,
        digits=event.digits,
        sequence_number=event.sequence_number,
        duration_seconds=event.duration_seconds,
        error_code=event.error_code,
        sip_code=event.sip_code,
        provider_timestamp=event.provider_timestamp,
        received_at=now,
    )
    if not inserted:
        session.rollback()
        return RecordResult(duplicate=True, attempt_id=attempt.id if attempt else None)
    if attempt is None:
        session.commit()
        return RecordResult(duplicate=False)
    result = _settle(session, attempt.id, event, now)
    session.commit()
    return result


def record_served(session: Session, attempt_id: int | None, call_sid: str | None, detail: str, now: dt.datetime) -> None:
    """Log what we answered a voice or gather request with (which message, or that we connected). Commits."""
    _insert_event(
        session,
        dedup_key=f"voice:{call_sid or '-'}:{uuid.uuid4().hex}",
        attempt_id=attempt_id,
        call_sid=call_sid,
        kind="voice",
        detail=detail,
        received_at=now,
    )
    session.commit()


def attempt_facts(session: Session, attempt_id: int) -> list[CallFacts]:
    """Every logged event of an attempt, reduced for classification."""
    rows = session.execute(
        select(
            CallEvent.kind,
            CallEvent.call_status,
            CallEvent.answered_by,
            CallEvent.digits,
            CallEvent.detail,
            CallEvent.error_code,
            CallEvent.sip_code,
        ).where(CallEvent.attempt_id == attempt_id)
    ).all()
    return [CallFacts(*row) for row in rows]


def _find_attempt(session: Session, attempt_id: int | None, call_sid: str | None) -> CallAttempt | None:
    attempt = session.get(CallAttempt, attempt_id) if attempt_id is not None else None
    if attempt is None and call_sid:
        attempt = session.scalar(select(CallAttempt).where(CallAttempt.call_sid == call_sid))
    return attempt


def _insert_event(session: Session, **values: object) -> bool:
    """INSERT ... ON CONFLICT (dedup_key) DO NOTHING; True if the row is new."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CallEvent).values(**values).on_conflict_do_nothing(index_elements=["dedup_key"])
    return session.execute(statement.returning(CallEvent.id)).first() is not None


def _settle(session: Session, attempt_id: int, event: ProviderEvent, now: dt.datetime) -> RecordResult:
    # Serialize concurrent callbacks of one call; each recomputes from every event committed before it.
    attempt = session.execute(
        select(CallAttempt)
        .where(CallAttempt.id == attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    facts = attempt_facts(session, attempt.id)
    if attempt.call_sid is None and event.call_sid:
        # The provider has the call although we never recorded its SID (a worker died after asking).
        attempt.call_sid = event.call_sid
    if attempt.state == "dialing" and event.call_sid:
        attempt.state = "placed"
        attempt.placed_at = attempt.placed_at or now
    attempt.provider_status = furthest_status(attempt.provider_status, event.call_status)
    attempt.answered_by = answered_by(facts) or attempt.answered_by
    if event.kind == "status" and event.duration_seconds is not None:
        attempt.duration_seconds = event.duration_seconds
    was_ended = attempt.state == "ended"
    classification = classify(facts)
    voicemail_left = any(fact.kind == "voice" and fact.detail == "voicemail" for fact in facts)
    redirect = (
        event.kind == "amd"
        and event.answered_by in MACHINE_ANSWERS
        and event.answered_by != "machine_start"
        and classification is None
        and not voicemail_left
    )
    if classification is not None:
        attempt.state = "ended"
        attempt.ended_at = attempt.ended_at or now
        attempt.outcome = classification.outcome.value
        attempt.error_code = classification.error_code or attempt.error_code
        attempt.sip_code = classification.sip_code or attempt.sip_code
        if classification.bad_number:
            _mark_phone_bad(session, attempt.phone_number_id, classification, now)
    return RecordResult(
        duplicate=False,
        attempt_id=attempt.id,
        ended_now=classification is not None and not was_ended,
        outcome=attempt.outcome,
        redirect_to_voicemail=redirect,
    )


def _mark_phone_bad(session: Session, phone_number_id: int, classification, now: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    reason = f"call failed (SIP {classification.sip_code}, error {classification.error_code})"
    if classification.outcome.value == "failed" and classification.sip_code is None and classification.error_code is None:
        reason = "answered by a fax machine"
    session.execute(
        update(PhoneNumber)
        .where(PhoneNumber.id == phone_number_id, PhoneNumber.status == "active")
        .values(status="bad", bad_reason=reason[:200], marked_bad_at=now)
    )
