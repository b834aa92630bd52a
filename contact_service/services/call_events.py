"""Recording what the provider tells us about calls: one durable, idempotent insert per callback.

The event log is the source of truth for calls. A callback is appended once (a retried or duplicated
delivery has the same dedup key and changes nothing) and the webhook answers at once; the settler
(call_settlement) folds new events into their attempts in batches. Only answering-machine detection needs
an immediate decision (send the machine to voicemail), and that is one cheap query.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, exists, select
from sqlalchemy.exc import SQLAlchemyError

from contact_service.adapters.db.event_log import EventLog, EventLogUnavailable
from contact_service.adapters.db.models import CallAttempt, CallEvent
from contact_service.domain.call_outcome import FINAL_STATUSES, is_machine_verdict


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


def record_callback(log: EventLog, attempt_id: int | None, event: ProviderEvent, now: dt.datetime) -> bool:
    """Append the callback to the event log unless it is already there; True if it is new. One statement."""
    return log.append(
        {
            "dedup_key": event.dedup_key(),
            "attempt_id": attempt_id,
            "call_sid": event.call_sid,
            "kind": event.kind,
            "call_status": event.call_status,
            "answered_by": event.answered_by,
            "digits": event.digits,
            "sequence_number": event.sequence_number,
            "duration_seconds": event.duration_seconds,
            "error_code": event.error_code,
            "sip_code": event.sip_code,
            "provider_timestamp": event.provider_timestamp,
            "received_at": now,
        }
    )


def record_and_route(
    log: EventLog, engine: Engine, attempt_id: int | None, event: ProviderEvent, now: dt.datetime
) -> bool:
    """Append a status or AMD callback; True when it is a machine's verdict on a live call that has not heard
    the voicemail yet, so the call should be sent there now. Raises EventLogUnavailable if the database is down."""
    try:
        new = record_callback(log, attempt_id, event, now)
        if not (new and event.kind == "amd" and attempt_id is not None and is_machine_verdict(event.answered_by)):
            return False
        with engine.connect() as connection:
            return machine_awaits_voicemail(connection, attempt_id)
    except SQLAlchemyError as exc:
        raise EventLogUnavailable(str(exc)) from exc


def record_served(log: EventLog, attempt_id: int | None, call_sid: str | None, detail: str, now: dt.datetime) -> None:
    """Log what we answered a voice or gather request with (which message, or that we connected)."""
    log.append(
        {
            "dedup_key": f"voice:{call_sid or '-'}:{uuid.uuid4().hex}",
            "attempt_id": attempt_id,
            "call_sid": call_sid,
            "kind": "voice",
            "detail": detail,
            "received_at": now,
        }
    )


def machine_awaits_voicemail(connection: Connection, attempt_id: int) -> bool:
    """True while the attempt's call is still live and no voicemail has been played on it."""
    events = CallEvent.__table__.c
    known = exists().where(CallAttempt.__table__.c.id == attempt_id)
    ended_or_left = exists().where(
        events.attempt_id == attempt_id,
        (events.call_status.in_(FINAL_STATUSES)) | ((events.kind == "voice") & (events.detail == "voicemail")),
    )
    return bool(connection.scalar(select(known & ~ended_or_left)))
