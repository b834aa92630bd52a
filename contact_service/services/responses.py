"""Responses: a taxpayer called the official line, paid, asked for an agreement or offer, disputed, or was
reached by a representative. A response stops the case's automated calls at once and keeps it off the
call lists the escalation sweep would otherwise put it on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case as sql_case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallListEntry, CaseResponse, InboundCallback
from contact_service.adapters.db.models import CallAttempt, CampaignCase, Case, PhoneNumber
from contact_service.domain.access import SYSTEM, Actor
from contact_service.domain.escalation import ResponseKind
from contact_service.domain.phone import normalize_caller
from contact_service.services import audit

NOTE_LIMIT = 500


class ResponseError(ValueError):
    """A response could not be recorded; the message names the field at fault."""


@dataclass(frozen=True)
class InboundResult:
    """What an inbound callback report matched: matched (one case), ambiguous (several, all marked and
    listed for review), unmatched or invalid_number (logged only). `duplicate` when the report was seen before."""

    callback_id: int
    status: str
    case_ids: tuple[int, ...]
    duplicate: bool = False


def record_inbound_callback(session: Session, caller: str, called_at: dt.datetime, call_id: str | None,
                            now: dt.datetime) -> InboundResult:
    """Log a report that someone called the official line and match the caller to open cases. Commits.

    A report sent twice (same call id, or same caller and time) is stored once and changes nothing."""
    e164 = normalize_caller(caller)
    dedup_key = f"call:{call_id}" if call_id else f"caller:{e164 or caller.strip()}@{called_at.isoformat()}"
    seen = session.scalar(select(InboundCallback).where(InboundCallback.dedup_key == dedup_key))
    if seen is not None:
        return _result_of(session, seen, duplicate=True)
    case_ids: list[int] = []
    if e164 is not None:
        case_ids = list(session.scalars(
            select(Case.id).join(PhoneNumber, PhoneNumber.taxpayer_id == Case.taxpayer_id)
            .where(PhoneNumber.e164 == e164, Case.balance_cents > 0).distinct().order_by(Case.id)
        ))
    status = ("invalid_number" if e164 is None else "unmatched" if not case_ids
              else "matched" if len(case_ids) == 1 else "ambiguous")
    try:
        with session.begin_nested():
            callback_id = session.execute(insert(InboundCallback).values(
                dedup_key=dedup_key[:200], caller_raw=caller.strip()[:64], caller_e164=e164, called_at=called_at,
                received_at=now, match_status=status, cases_matched=len(case_ids),
            ).returning(InboundCallback.id)).scalar_one()
    except IntegrityError:  # the same report, arriving concurrently: the other request records it
        session.rollback()
        seen = session.scalar(select(InboundCallback).where(InboundCallback.dedup_key == dedup_key))
        return _result_of(session, seen, duplicate=True)
    if case_ids:
        _record(session, case_ids, ResponseKind.CALLBACK, called_at, SYSTEM, now,
                inbound_callback_id=callback_id, needs_review=len(case_ids) > 1, note=None)
    session.commit()
    return InboundResult(callback_id, status, tuple(case_ids))


def _result_of(session: Session, callback: InboundCallback, duplicate: bool) -> InboundResult:
    case_ids = session.scalars(select(CaseResponse.case_id).where(CaseResponse.inbound_callback_id == callback.id)
                               .order_by(CaseResponse.case_id))
    return InboundResult(callback.id, callback.match_status, tuple(case_ids), duplicate)


def record_response(session: Session, case_id: int, kind: ResponseKind | str, responded_at: dt.datetime | None,
                    actor: Actor, now: dt.datetime, note: str | None = None) -> int:
    """Record a response on one case (by an operator, a representative or a system); returns its id. Commits."""
    try:
        kind = ResponseKind(kind)
    except ValueError:
        raise ResponseError(f"kind: must be one of {', '.join(k.value for k in ResponseKind)}") from None
    if session.get(Case, case_id) is None:
        raise LookupError(f"no case {case_id}")
    if note is not None and len(note) > NOTE_LIMIT:
        raise ResponseError(f"note: at most {NOTE_LIMIT} characters")
    responded_at = responded_at or now
    if responded_at > now + dt.timedelta(minutes=5):
        raise ResponseError("responded_at: is in the future")
    [response_id] = _record(session, [case_id], kind, responded_at, actor, now, None, False, note)
    session.commit()
    return response_id


def record_in_transaction(session: Session, case_id: int, kind: ResponseKind, actor: Actor, now: dt.datetime,
                          note: str | None = None) -> int:
    """Record a response inside the caller's transaction (a representative's disposition). Does not commit."""
    [response_id] = _record(session, [case_id], kind, now, actor, now, None, False, note)
    return response_id


def _record(session: Session, case_ids: list[int], kind: ResponseKind, responded_at: dt.datetime, actor: Actor,
            now: dt.datetime, inbound_callback_id: int | None, needs_review: bool, note: str | None) -> list[int]:
    """Store the responses and stop automated calls to the cases, in the caller's transaction."""
    ids = list(session.scalars(insert(CaseResponse).returning(CaseResponse.id), [
        {"case_id": case_id, "kind": kind.value, "responded_at": responded_at, "recorded_at": now,
         "recorded_by": actor.name, "inbound_callback_id": inbound_callback_id, "needs_review": needs_review,
         "note": note}
        for case_id in case_ids
    ]))
    session.execute(update(Case).where(Case.id.in_(case_ids)).values(
        last_response_at=sql_case((Case.last_response_at > responded_at, Case.last_response_at), else_=responded_at)
    ))
    # Calls not yet placed are cancelled now; one a dial job already claimed is stopped by its check again.
    session.execute(update(CallAttempt).where(CallAttempt.case_id.in_(case_ids),
                                              CallAttempt.state.in_(("planned", "queued")))
                    .values(state="cancelled", queued_at=None))
    session.execute(update(CampaignCase).where(CampaignCase.case_id.in_(case_ids), CampaignCase.state == "active")
                    .values(state="responded", closed_at=now))
    # A case waiting on a call list needs no call now; one a representative holds is theirs to close.
    closed = session.execute(update(CallListEntry).where(CallListEntry.case_id.in_(case_ids),
                                                          CallListEntry.status == "open")
                             .values(status="closed", closed_at=now).returning(CallListEntry.id, CallListEntry.case_id)).all()
    audit.record_many(session, actor, "entry_closed_by_response", "call_list_entry", [tuple(row) for row in closed], now)
    audit.record_many(session, actor, "response_recorded", "case_response", list(zip(ids, case_ids)), now,
                      kind=kind.value, responded_at=responded_at, needs_review=needs_review)
    return ids


def needing_review(session: Session, limit: int, offset: int) -> tuple[list[CaseResponse], int]:
    """Responses from a caller number that matched several cases, newest first, and how many there are."""
    where = CaseResponse.needs_review.is_(True)
    total = session.scalar(select(func.count()).select_from(CaseResponse).where(where)) or 0
    rows = session.scalars(select(CaseResponse).where(where).order_by(CaseResponse.id.desc()).limit(limit).offset(offset))
    return list(rows), total
