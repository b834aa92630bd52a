"""Responses: a taxpayer called the official line, paid, asked for an agreement or offer, disputed, or was
reached by a representative. A response stops the case's automated calls at once and keeps it off the
call lists the escalation sweep would otherwise put it on.

Everything here works in the caller's transaction: it flushes, never commits, and writes no audit record (the
use case that called it writes the one record of its action, with what `Recorded` says changed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case as sql_case
from sqlalchemy import exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallListEntry, CaseResponse, InboundCallback
from contact_service.adapters.db.models import CallAttempt, CampaignCase, Case, PhoneNumber
from contact_service.domain.access import Actor
from contact_service.domain.errors import Invalid, NotFound
from contact_service.domain.escalation import ResponseKind
from contact_service.domain.phone import normalize_caller
from contact_service.domain.states import NOT_YET_DIALLED, AttemptState, CallbackMatch, CampaignCaseState, EntryStatus

NOTE_LIMIT = 500
# A little clock skew between the recording client and us is tolerated; a response far ahead is a mistake.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Recorded:
    """What recording responses changed: the new responses, and the call-list entries waiting on those cases
    that were closed because a response makes a call needless."""

    response_ids: tuple[int, ...]
    closed_entry_ids: tuple[int, ...]


@dataclass(frozen=True)
class InboundResult:
    """What an inbound callback report matched: matched (one case), ambiguous (several, all marked and
    listed for review), unmatched or invalid_number (logged only). `duplicate` when the report was seen before
    (then nothing changed)."""

    callback_id: int
    status: CallbackMatch
    case_ids: tuple[int, ...]
    duplicate: bool = False
    recorded: Recorded = Recorded((), ())


def parse_kind(kind: ResponseKind | str) -> ResponseKind:
    """The response kind named by `kind`; Invalid("kind") if there is none of that name."""
    try:
        return ResponseKind(kind)
    except ValueError:
        raise Invalid("kind", f"must be one of {', '.join(k.value for k in ResponseKind)}") from None


def check_note(note: str | None) -> None:
    """Invalid("note") when a note is longer than a response keeps."""
    if note is not None and len(note) > NOTE_LIMIT:
        raise Invalid("note", f"at most {NOTE_LIMIT} characters")


def record_inbound_callback(
    session: Session, caller: str, called_at: dt.datetime, call_id: str | None, actor: Actor, now: dt.datetime
) -> InboundResult:
    """Log a report that someone called the official line and match the caller to open cases. Flushes.

    A report sent twice (same call id, or same caller and time) is stored once and changes nothing."""
    e164 = normalize_caller(caller)
    dedup_key = f"call:{call_id}" if call_id else f"caller:{e164 or caller.strip()}@{called_at.isoformat()}"
    seen = session.scalar(select(InboundCallback).where(InboundCallback.dedup_key == dedup_key))
    if seen is not None:
        return _result_of(session, seen)
    case_ids: list[int] = []
    if e164 is not None:
        case_ids = list(
            session.scalars(
                select(Case.id)
                .join(PhoneNumber, PhoneNumber.taxpayer_id == Case.taxpayer_id)
                .where(PhoneNumber.e164 == e164, Case.balance_cents > 0)
                .distinct()
                .order_by(Case.id)
            )
        )
    status = _match_of(e164, case_ids)
    try:
        with session.begin_nested():
            callback_id = session.execute(
                insert(InboundCallback)
                .values(
                    dedup_key=dedup_key[:200],
                    caller_raw=caller.strip()[:64],
                    caller_e164=e164,
                    called_at=called_at,
                    received_at=now,
                    match_status=status.value,
                    cases_matched=len(case_ids),
                )
                .returning(InboundCallback.id)
            ).scalar_one()
    except IntegrityError:  # the same report, arriving concurrently: the other request records it
        seen = session.scalar(select(InboundCallback).where(InboundCallback.dedup_key == dedup_key))
        if seen is None:
            raise
        return _result_of(session, seen)
    recorded = Recorded((), ())
    if case_ids:
        recorded = _record(
            session,
            case_ids,
            ResponseKind.CALLBACK,
            called_at,
            actor,
            now,
            inbound_callback_id=callback_id,
            needs_review=len(case_ids) > 1,
            note=None,
        )
    return InboundResult(callback_id, status, tuple(case_ids), recorded=recorded)


def _match_of(e164: str | None, case_ids: list[int]) -> CallbackMatch:
    if e164 is None:
        return CallbackMatch.INVALID_NUMBER
    if not case_ids:
        return CallbackMatch.UNMATCHED
    return CallbackMatch.MATCHED if len(case_ids) == 1 else CallbackMatch.AMBIGUOUS


def _result_of(session: Session, callback: InboundCallback) -> InboundResult:
    case_ids = session.scalars(
        select(CaseResponse.case_id)
        .where(CaseResponse.inbound_callback_id == callback.id)
        .order_by(CaseResponse.case_id)
    )
    return InboundResult(callback.id, CallbackMatch(callback.match_status), tuple(case_ids), duplicate=True)


def record_response(
    session: Session,
    case_id: int,
    kind: ResponseKind | str,
    responded_at: dt.datetime | None,
    actor: Actor,
    now: dt.datetime,
    note: str | None = None,
) -> Recorded:
    """Record a response on one case (by an operator, a representative or a system). Flushes.

    NotFound when there is no such case; Invalid naming the field for a bad kind, note or time."""
    if not session.scalar(select(exists().where(Case.id == case_id))):
        raise NotFound("case", case_id)
    response_kind = parse_kind(kind)
    check_note(note)
    responded_at = responded_at or now
    if responded_at > now + FUTURE_TOLERANCE:
        raise Invalid("responded_at", "is in the future")
    return _record(session, [case_id], response_kind, responded_at, actor, now, None, False, note)


def record_in_transaction(
    session: Session, case_id: int, kind: ResponseKind, actor: Actor, now: dt.datetime, note: str | None = None
) -> int:
    """Record a response inside the caller's transaction (a representative's disposition); returns its id.
    Flushes; the caller's own audit record covers it."""
    [response_id] = _record(session, [case_id], kind, now, actor, now, None, False, note).response_ids
    return response_id


def _record(
    session: Session,
    case_ids: list[int],
    kind: ResponseKind,
    responded_at: dt.datetime,
    actor: Actor,
    now: dt.datetime,
    inbound_callback_id: int | None,
    needs_review: bool,
    note: str | None,
) -> Recorded:
    """Store the responses and stop automated calls to the cases, in the caller's transaction."""
    ids = tuple(
        session.scalars(
            insert(CaseResponse).returning(CaseResponse.id),
            [
                {
                    "case_id": case_id,
                    "kind": kind.value,
                    "responded_at": responded_at,
                    "recorded_at": now,
                    "recorded_by": actor.name,
                    "inbound_callback_id": inbound_callback_id,
                    "needs_review": needs_review,
                    "note": note,
                }
                for case_id in case_ids
            ],
        )
    )
    session.execute(
        update(Case)
        .where(Case.id.in_(case_ids))
        .values(
            last_response_at=sql_case((Case.last_response_at > responded_at, Case.last_response_at), else_=responded_at)
        )
    )
    # Calls not yet placed are cancelled now; one a dial job already claimed is stopped by its check again.
    session.execute(
        update(CallAttempt)
        .where(CallAttempt.case_id.in_(case_ids), CallAttempt.state.in_([s.value for s in NOT_YET_DIALLED]))
        .values(state=AttemptState.CANCELLED.value, queued_at=None)
    )
    session.execute(
        update(CampaignCase)
        .where(CampaignCase.case_id.in_(case_ids), CampaignCase.state == CampaignCaseState.ACTIVE.value)
        .values(state=CampaignCaseState.RESPONDED.value, closed_at=now)
    )
    # A case waiting on a call list needs no call now; one a representative holds is theirs to close.
    closed = session.scalars(
        update(CallListEntry)
        .where(CallListEntry.case_id.in_(case_ids), CallListEntry.status == EntryStatus.OPEN.value)
        .values(status=EntryStatus.CLOSED.value, closed_at=now)
        .returning(CallListEntry.id)
    ).all()
    session.flush()
    return Recorded(ids, tuple(sorted(closed)))
