"""A case as a representative sees it: who, how much, holds, and its whole contact history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallList, CallListEntry, CaseResponse
from contact_service.adapters.db.models import CallAttempt, Campaign, Case, CaseHold, PhoneNumber, Taxpayer
from contact_service.domain.cases import Hold
from contact_service.services import audit


def find_case(session: Session, reference: str | int) -> Case:
    """A case by id or case number; LookupError if there is none."""
    text_reference = str(reference)
    case = session.get(Case, int(text_reference)) if text_reference.isdigit() else None
    case = case or session.scalar(select(Case).where(Case.case_number == text_reference))
    if case is None:
        raise LookupError(f"no case {reference!r}")
    return case


def active_holds(session: Session, case_id: int) -> frozenset[Hold]:
    """The holds in force on a case."""
    return frozenset(Hold(h) for h in session.scalars(
        select(CaseHold.hold).where(CaseHold.case_id == case_id, CaseHold.released_at.is_(None))))


def summary(session: Session, case: Case) -> dict[str, Any]:
    """The case's facts. The TIN is never shown beyond its last four digits."""
    taxpayer = session.get(Taxpayer, case.taxpayer_id)
    phones = session.scalars(select(PhoneNumber).where(PhoneNumber.taxpayer_id == case.taxpayer_id)
                             .order_by(PhoneNumber.is_primary.desc(), PhoneNumber.id))
    return {
        "id": case.id, "case_number": case.case_number, "taxpayer_type": taxpayer.taxpayer_type,
        "name": taxpayer.name, "state": taxpayer.state, "tin_last4": taxpayer.tin_last4,
        "balance_cents": case.balance_cents, "notice_stage": case.notice_stage,
        "last_notice_on": case.last_notice_on, "assessed_on": case.assessed_on, "csed_on": case.csed_on,
        "poa_on_file": case.poa_on_file, "holds": sorted(h.value for h in active_holds(session, case.id)),
        "phones": [{"e164": p.e164, "primary": p.is_primary, "status": p.status, "bad_reason": p.bad_reason}
                   for p in phones],
        "last_attempt_at": case.last_attempt_at, "last_response_at": case.last_response_at,
    }


def contact_history(session: Session, case_id: int) -> dict[str, Any]:
    """Every automated call, response, call-list entry and audited action on the case, oldest first."""
    attempts = session.execute(
        select(CallAttempt, Campaign.name).outerjoin(Campaign, Campaign.id == CallAttempt.campaign_id)
        .where(CallAttempt.case_id == case_id).order_by(CallAttempt.id)
    ).all()
    found = session.scalars(select(CaseResponse).where(CaseResponse.case_id == case_id).order_by(CaseResponse.id))
    listed = session.execute(
        select(CallListEntry, CallList.segment).join(CallList, CallList.id == CallListEntry.call_list_id)
        .where(CallListEntry.case_id == case_id).order_by(CallListEntry.id)
    ).all()
    return {
        "attempts": [
            {"id": a.id, "campaign": name, "attempt_number": a.attempt_number, "to": a.to_e164, "state": a.state,
             "outcome": a.outcome, "skip_reason": a.skip_reason, "dialing_at": a.dialing_at, "ended_at": a.ended_at,
             "duration_seconds": a.duration_seconds}
            for a, name in attempts
        ],
        "responses": [
            {"id": r.id, "kind": r.kind, "responded_at": r.responded_at, "recorded_by": r.recorded_by,
             "needs_review": r.needs_review, "note": r.note}
            for r in found
        ],
        "call_list_entries": [entry_view(e, segment) for e, segment in listed],
        "audit": audit.for_case(session, case_id),
    }


def entry_view(entry: CallListEntry, segment: str) -> dict[str, Any]:
    """One call-list entry as the API shows it."""
    return {
        "id": entry.id, "call_list": segment, "case_id": entry.case_id, "reason": entry.reason,
        "status": entry.status, "balance_cents": entry.balance_cents, "csed_on": entry.csed_on,
        "last_contact_at": entry.last_contact_at, "ever_reached": entry.ever_reached, "listed_at": entry.listed_at,
        "available_at": entry.available_at, "callback_at": entry.callback_at, "claimed_by": entry.claimed_by,
        "claim_expires_at": entry.claim_expires_at, "disposition": entry.disposition, "closed_at": entry.closed_at,
    }
