"""A case as a representative sees it: who, how much, holds, its whole contact history, and the responses
waiting for review. Plain data only; the API's views and the CLI's tables are built from it.

The history is a case's own rows (a few dozen at most), read whole. Listings across cases (responses to
review) are paged and counted; the counts by kind are plain mappings so a dashboard can later read them from
rollups instead.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.access_models import AuditRecord
from contact_service.adapters.db.escalation_models import CaseResponse
from contact_service.adapters.db.models import CallAttempt, Campaign, Case, CaseHold, PhoneNumber, Taxpayer
from contact_service.domain.cases import Hold
from contact_service.domain.errors import NotFound
from contact_service.read.call_lists import EntryRow, entries_of_case
from contact_service.read.pages import Page, PageRequest

MAX_ID = 2**63 - 1  # ids are 64-bit; a longer run of digits can only be a case number


@dataclass(frozen=True)
class PhoneRow:
    """A number on record."""

    e164: str
    primary: bool
    status: str
    bad_reason: str | None


@dataclass(frozen=True)
class CaseSummary:
    """The case's facts. The TIN is never shown beyond its last four digits."""

    id: int
    case_number: str
    taxpayer_type: str
    name: str
    state: str
    tin_last4: str
    balance_cents: int
    notice_stage: str
    last_notice_on: dt.date
    assessed_on: dt.date
    csed_on: dt.date
    poa_on_file: bool
    holds: tuple[str, ...]
    phones: tuple[PhoneRow, ...]
    last_attempt_at: dt.datetime | None
    last_response_at: dt.datetime | None


@dataclass(frozen=True)
class AttemptRow:
    """One automated call on the case."""

    id: int
    campaign: str | None
    attempt_number: int
    to: str
    state: str
    outcome: str | None
    skip_reason: str | None
    dialing_at: dt.datetime | None
    ended_at: dt.datetime | None
    duration_seconds: int | None


@dataclass(frozen=True)
class ResponseRow:
    """A response on a case."""

    id: int
    case_id: int
    kind: str
    responded_at: dt.datetime
    recorded_by: str
    needs_review: bool
    note: str | None


@dataclass(frozen=True)
class AuditRow:
    """Who did what, when."""

    at: dt.datetime
    actor: str
    role: str
    action: str
    subject_type: str
    subject_id: int | None
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class CaseHistory:
    """Everything that happened on the case, oldest first."""

    case: CaseSummary
    attempts: tuple[AttemptRow, ...]
    responses: tuple[ResponseRow, ...]
    call_list_entries: tuple[EntryRow, ...]
    audit: tuple[AuditRow, ...]


def case_id_of(session: Session, reference: int | str) -> int:
    """The id of the case with this id or case number; NotFound if there is none."""
    text_reference = str(reference)
    found = None
    if text_reference.isdigit() and int(text_reference) <= MAX_ID:
        found = session.scalar(select(Case.id).where(Case.id == int(text_reference)))
    found = found or session.scalar(select(Case.id).where(Case.case_number == text_reference))
    if found is None:
        raise NotFound("case", reference)
    return found


def find_case(session: Session, reference: int | str) -> CaseSummary:
    """The case with this id or case number, as it is now; NotFound if there is none."""
    return summary(session, case_id_of(session, reference))


def active_holds(session: Session, case_id: int) -> frozenset[Hold]:
    """The holds in force on a case."""
    return frozenset(
        Hold(h)
        for h in session.scalars(
            select(CaseHold.hold).where(CaseHold.case_id == case_id, CaseHold.released_at.is_(None))
        )
    )


def summary(session: Session, case_id: int) -> CaseSummary:
    """The facts of the case `case_id`; NotFound if there is none."""
    found = session.execute(
        select(Case, Taxpayer).join(Taxpayer, Taxpayer.id == Case.taxpayer_id).where(Case.id == case_id)
    ).first()
    if found is None:
        raise NotFound("case", case_id)
    case, taxpayer = found
    phones = session.scalars(
        select(PhoneNumber)
        .where(PhoneNumber.taxpayer_id == case.taxpayer_id)
        .order_by(PhoneNumber.is_primary.desc(), PhoneNumber.id)
    )
    return CaseSummary(
        id=case.id,
        case_number=case.case_number,
        taxpayer_type=taxpayer.taxpayer_type,
        name=taxpayer.name,
        state=taxpayer.state,
        tin_last4=taxpayer.tin_last4,
        balance_cents=case.balance_cents,
        notice_stage=case.notice_stage,
        last_notice_on=case.last_notice_on,
        assessed_on=case.assessed_on,
        csed_on=case.csed_on,
        poa_on_file=case.poa_on_file,
        holds=tuple(sorted(h.value for h in active_holds(session, case.id))),
        phones=tuple(PhoneRow(p.e164, p.is_primary, p.status, p.bad_reason) for p in phones),
        last_attempt_at=case.last_attempt_at,
        last_response_at=case.last_response_at,
    )


def history(session: Session, reference: int | str) -> CaseHistory:
    """Every automated call, response, call-list entry and audited action on the case, oldest first."""
    case = find_case(session, reference)
    attempts = session.execute(
        select(CallAttempt, Campaign.name)
        .outerjoin(Campaign, Campaign.id == CallAttempt.campaign_id)
        .where(CallAttempt.case_id == case.id)
        .order_by(CallAttempt.id)
    ).all()
    found = session.scalars(select(CaseResponse).where(CaseResponse.case_id == case.id).order_by(CaseResponse.id))
    return CaseHistory(
        case=case,
        attempts=tuple(
            AttemptRow(
                id=a.id,
                campaign=name,
                attempt_number=a.attempt_number,
                to=a.to_e164,
                state=a.state,
                outcome=a.outcome,
                skip_reason=a.skip_reason,
                dialing_at=a.dialing_at,
                ended_at=a.ended_at,
                duration_seconds=a.duration_seconds,
            )
            for a, name in attempts
        ),
        responses=tuple(response_row_of(r) for r in found),
        call_list_entries=tuple(entries_of_case(session, case.id)),
        audit=audit_for_case(session, case.id),
    )


def response_row_of(response: CaseResponse) -> ResponseRow:
    """The plain row of a loaded response."""
    return ResponseRow(
        id=response.id,
        case_id=response.case_id,
        kind=response.kind,
        responded_at=response.responded_at,
        recorded_by=response.recorded_by,
        needs_review=response.needs_review,
        note=response.note,
    )


def response(session: Session, response_id: int) -> ResponseRow:
    """One response by id; NotFound if there is none."""
    found = session.get(CaseResponse, response_id)
    if found is None:
        raise NotFound("response", response_id)
    return response_row_of(found)


def audit_for_case(session: Session, case_id: int) -> tuple[AuditRow, ...]:
    """Every audit record about a case, oldest first."""
    records = session.scalars(select(AuditRecord).where(AuditRecord.case_id == case_id).order_by(AuditRecord.id))
    return tuple(
        AuditRow(
            at=r.at,
            actor=r.actor,
            role=r.role,
            action=r.action,
            subject_type=r.subject_type,
            subject_id=r.subject_id,
            detail=json.loads(r.detail),
        )
        for r in records
    )


def responses_needing_review(
    session: Session, page: PageRequest | None = None, kind: str | None = None
) -> Page[ResponseRow]:
    """Responses from a caller number that matched several cases (optionally of one `kind`), newest first."""
    page = page or PageRequest()
    where: list[ColumnElement[bool]] = [CaseResponse.needs_review.is_(True)]
    if kind is not None:
        where.append(CaseResponse.kind == kind)
    total = session.scalar(select(func.count()).select_from(CaseResponse).where(*where)) or 0
    rows = session.scalars(
        select(CaseResponse).where(*where).order_by(CaseResponse.id.desc()).limit(page.limit).offset(page.offset)
    )
    return Page(items=[response_row_of(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


def responses_by_kind(
    session: Session, since: dt.datetime | None = None, needs_review: bool | None = None
) -> dict[str, int]:
    """How many responses of each kind were recorded (since `since`; only those needing review, or not)."""
    where: list[ColumnElement[bool]] = []
    if since is not None:
        where.append(CaseResponse.recorded_at >= since)
    if needs_review is not None:
        where.append(CaseResponse.needs_review.is_(needs_review))
    rows = session.execute(
        select(CaseResponse.kind, func.count()).where(*where).group_by(CaseResponse.kind).order_by(CaseResponse.kind)
    ).all()
    return {kind: int(count) for kind, count in rows}
