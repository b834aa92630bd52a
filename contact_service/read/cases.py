"""A case as a representative sees it: who, how much, holds, its whole contact history, and the inbound
callbacks waiting for a supervisor's review. Plain data only; the API's views and the CLI's tables are built
from it.

Every read of a case takes the acting `Actor`: what she may see is decided by the one access policy
(`domain.access.may_see_case`: a representative sees only the cases on the lists assigned to her, or that she
holds). A case she may not see is NotFound, exactly like a case that does not exist.

The history is a case's own rows (a few dozen at most), read whole. Listings across cases (callbacks to
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
from contact_service.adapters.db.escalation_models import CaseResponse, InboundCallback, InboundCallbackMatch
from contact_service.adapters.db.models import CallAttempt, Campaign, Case, CaseHold, PhoneNumber, Taxpayer
from contact_service.domain.access import Actor, sees_every_case
from contact_service.domain.cases import Hold
from contact_service.domain.errors import Forbidden, NotFound
from contact_service.domain.states import CallbackMatch
from contact_service.read.call_lists import EntryRow, entries_of_case
from contact_service.read.pages import Page, PageRequest
from contact_service.services.case_visibility import check_case_visible

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
    withdrawn_at: dt.datetime | None = None  # a withdrawn response no longer counts
    withdrawn_by: str | None = None


@dataclass(frozen=True)
class CandidateRow:
    """A case an inbound callback's number matched."""

    case_id: int
    case_number: str


@dataclass(frozen=True)
class PendingCallbackRow:
    """An inbound callback whose number matched several open cases: it recorded nothing and waits for a
    supervisor to say which of them (one, several or none) the caller was about."""

    id: int
    caller: str  # the number as E.164 (the report's own text if it was not a usable number)
    called_at: dt.datetime
    received_at: dt.datetime
    candidates: tuple[CandidateRow, ...]


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


def visible_case_id(session: Session, reference: int | str, actor: Actor, now: dt.datetime) -> int:
    """The id of the case with this id or case number that `actor` may see; NotFound if there is none (or she
    may not see it: the same answer)."""
    case_id = case_id_of(session, reference)
    check_case_visible(session, actor, case_id, now)
    return case_id


def find_case(session: Session, reference: int | str, actor: Actor, now: dt.datetime) -> CaseSummary:
    """The case with this id or case number, as it is now, if `actor` may see it; NotFound otherwise."""
    return _summary(session, visible_case_id(session, reference, actor, now))


def active_holds(session: Session, case_id: int) -> frozenset[Hold]:
    """The holds in force on a case."""
    return frozenset(
        Hold(h)
        for h in session.scalars(
            select(CaseHold.hold).where(CaseHold.case_id == case_id, CaseHold.released_at.is_(None))
        )
    )


def summary(session: Session, case_id: int, actor: Actor, now: dt.datetime) -> CaseSummary:
    """The facts of the case `case_id`, if `actor` may see it; NotFound if there is none or she may not."""
    check_case_visible(session, actor, case_id, now)
    return _summary(session, case_id)


def _summary(session: Session, case_id: int) -> CaseSummary:
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


def history(session: Session, reference: int | str, actor: Actor, now: dt.datetime) -> CaseHistory:
    """Every automated call, response, call-list entry and audited action on the case, oldest first (NotFound
    if `actor` may not see the case)."""
    case = find_case(session, reference, actor, now)
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
        withdrawn_at=response.withdrawn_at,
        withdrawn_by=response.withdrawn_by,
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


def callbacks_to_review(session: Session, actor: Actor, page: PageRequest | None = None) -> Page[PendingCallbackRow]:
    """Inbound callbacks waiting for a supervisor (their number matched several open cases), oldest first, each
    with the cases it matched. Forbidden to a representative: the queue names cases beyond her lists."""
    if not sees_every_case(actor):
        raise Forbidden("the review queue names cases beyond a representative's lists", "read")
    page = page or PageRequest()
    pending = (InboundCallback.match_status == CallbackMatch.AMBIGUOUS.value) & InboundCallback.resolved_at.is_(None)
    total = session.scalar(select(func.count()).select_from(InboundCallback).where(pending)) or 0
    callbacks = list(
        session.scalars(
            select(InboundCallback).where(pending).order_by(InboundCallback.id).limit(page.limit).offset(page.offset)
        )
    )
    found = candidates_of(session, [c.id for c in callbacks])
    return Page(
        items=[
            PendingCallbackRow(
                id=c.id,
                caller=c.caller_e164 or c.caller_raw,
                called_at=c.called_at,
                received_at=c.received_at,
                candidates=found.get(c.id, ()),
            )
            for c in callbacks
        ],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


def candidates_of(session: Session, callback_ids: list[int]) -> dict[int, tuple[CandidateRow, ...]]:
    """The cases each of these inbound callbacks matched when it arrived, by case id."""
    if not callback_ids:
        return {}
    rows = session.execute(
        select(InboundCallbackMatch.inbound_callback_id, Case.id, Case.case_number)
        .join(Case, Case.id == InboundCallbackMatch.case_id)
        .where(InboundCallbackMatch.inbound_callback_id.in_(callback_ids))
        .order_by(InboundCallbackMatch.inbound_callback_id, Case.id)
    ).all()
    found: dict[int, list[CandidateRow]] = {}
    for callback_id, case_id, case_number in rows:
        found.setdefault(callback_id, []).append(CandidateRow(case_id, case_number))
    return {callback_id: tuple(candidates) for callback_id, candidates in found.items()}


def responses_by_kind(
    session: Session, since: dt.datetime | None = None, needs_review: bool | None = None
) -> dict[str, int]:
    """How many responses of each kind were recorded and still count (since `since`; only those needing review,
    or not)."""
    where: list[ColumnElement[bool]] = [CaseResponse.withdrawn_at.is_(None)]
    if since is not None:
        where.append(CaseResponse.recorded_at >= since)
    if needs_review is not None:
        where.append(CaseResponse.needs_review.is_(needs_review))
    rows = session.execute(
        select(CaseResponse.kind, func.count()).where(*where).group_by(CaseResponse.kind).order_by(CaseResponse.kind)
    ).all()
    return {kind: int(count) for kind, count in rows}
