"""Case endpoints: the case, its contact history, recording a response, enforcement recommendations."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from flask import g
from pydantic import AwareDatetime

from contact_service.domain.access import Permission
from contact_service.domain.escalation import ResponseKind
from contact_service.services import case_history, enforcement_advice, responses
from contact_service.web.api import operation
from contact_service.web.api.fields import Note, Page, PageQuery
from contact_service.web.api.operations import ApiError, Schema, field_of
from contact_service.web.app import container

TAG = "cases"
ResponseKindName = Literal[tuple(k.value for k in ResponseKind)]  # type: ignore[valid-type]


class PhoneView(Schema):
    """A number on record."""

    e164: str
    primary: bool
    status: str
    bad_reason: str | None


class CaseView(Schema):
    """A case as a representative sees it (the TIN only by its last four digits)."""

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
    holds: list[str]
    phones: list[PhoneView]
    last_attempt_at: dt.datetime | None
    last_response_at: dt.datetime | None


class AttemptView(Schema):
    """One automated call."""

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


class ResponseView(Schema):
    """A response on the case."""

    id: int
    kind: str
    responded_at: dt.datetime
    recorded_by: str
    needs_review: bool
    note: str | None


class EntryView(Schema):
    """A case on a call list."""

    id: int
    call_list: str
    case_id: int
    reason: str
    status: str
    balance_cents: int
    csed_on: dt.date
    last_contact_at: dt.datetime | None
    ever_reached: bool
    listed_at: dt.datetime
    available_at: dt.datetime | None
    callback_at: dt.datetime | None
    claimed_by: str | None
    claim_expires_at: dt.datetime | None
    disposition: str | None
    closed_at: dt.datetime | None


class AuditView(Schema):
    """Who did what, when."""

    at: dt.datetime
    actor: str
    role: str
    action: str
    subject_type: str
    subject_id: int | None
    detail: dict[str, Any]


class HistoryView(Schema):
    """Everything that happened on the case, oldest first."""

    case: CaseView
    attempts: list[AttemptView]
    responses: list[ResponseView]
    call_list_entries: list[EntryView]
    audit: list[AuditView]


class ResponseCreate(Schema):
    """A response to record: what, when (default now), and an optional note."""

    kind: ResponseKindName
    responded_at: AwareDatetime | None = None
    note: Note | None = None


class RecommendationView(Schema):
    """Whether the case qualifies for one enforcement action, and why (or every reason why not)."""

    action: Literal["lien", "levy", "passport_certification"]
    qualifies: bool
    reasons: list[str]


class EnforcementView(Schema):
    """Recommendations only: nothing is ever executed by this service."""

    case_id: int
    as_of: dt.date
    recommendations: list[RecommendationView]


class ReviewPage(Schema):
    """Responses whose caller number matched several cases, newest first."""

    items: list[ResponseView]
    page: Page


def _case(session: Any, case_id: int) -> Any:
    try:
        return case_history.find_case(session, case_id)
    except LookupError:
        raise ApiError(404, f"no case {case_id}") from None


def _response_view(row: Any) -> ResponseView:
    return ResponseView(id=row.id, kind=row.kind, responded_at=row.responded_at, recorded_by=row.recorded_by,
                        needs_review=row.needs_review, note=row.note)


@operation("GET", "/cases/{case_id}", summary="A case", tag=TAG, permission=Permission.READ, response=CaseView)
def get_case(case_id: int) -> CaseView:
    with container().sessions() as session:
        return CaseView.model_validate(case_history.summary(session, _case(session, case_id)))


@operation("GET", "/cases/{case_id}/history", summary="A case's whole contact history", tag=TAG,
           permission=Permission.READ, response=HistoryView)
def get_history(case_id: int) -> HistoryView:
    with container().sessions() as session:
        case = _case(session, case_id)
        return HistoryView.model_validate({"case": case_history.summary(session, case),
                                           **case_history.contact_history(session, case.id)})


@operation("POST", "/cases/{case_id}/responses", summary="Record a response (stops automated calls at once)",
           tag=TAG, permission=Permission.RECORD_RESPONSES, body=ResponseCreate, response=ResponseView, status=201)
def record_response(case_id: int, body: ResponseCreate) -> ResponseView:
    c = container()
    with c.sessions() as session:
        _case(session, case_id)
        try:
            response_id = responses.record_response(session, case_id, body.kind, body.responded_at, g.actor,
                                                    c.clock.now(), body.note)
        except responses.ResponseError as exc:
            raise ApiError(400, str(exc), field_of(str(exc))) from None
        from contact_service.adapters.db.escalation_models import CaseResponse

        return _response_view(session.get(CaseResponse, response_id))


@operation("GET", "/cases/{case_id}/enforcement", summary="Enforcement recommendations (never executed)", tag=TAG,
           permission=Permission.READ, response=EnforcementView)
def get_enforcement(case_id: int) -> EnforcementView:
    c = container()
    today = c.clock.now().date()
    with c.sessions() as session:
        found = enforcement_advice.recommendations(session, _case(session, case_id), c.enforcement_thresholds, today)
    return EnforcementView(case_id=case_id, as_of=today, recommendations=[
        RecommendationView(action=r.action.value, qualifies=r.qualifies, reasons=list(r.reasons)) for r in found])


@operation("GET", "/responses/review", summary="Responses to review: one caller number matched several cases",
           tag=TAG, permission=Permission.READ, query=PageQuery, response=ReviewPage)
def responses_to_review(query: PageQuery) -> ReviewPage:
    with container().sessions() as session:
        rows, total = responses.needing_review(session, query.limit, query.offset)
        return ReviewPage(items=[_response_view(r) for r in rows],
                          page=Page(total=total, limit=query.limit, offset=query.offset))
