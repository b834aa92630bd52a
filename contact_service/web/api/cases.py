"""Case endpoints: the case, its contact history, recording a response, enforcement recommendations.

Views are built from the read side (`contact_service.read.cases`); the one action goes through its use case.
A refusal (no such case, a bad field) is a typed error the API's handler renders."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from flask import g
from pydantic import AwareDatetime

from contact_service.domain.access import Permission
from contact_service.domain.escalation import ResponseKind
from contact_service.read import cases as read_cases
from contact_service.read import enforcement as read_enforcement
from contact_service.read.pages import PageRequest
from contact_service.use_cases import cases as case_actions
from contact_service.web.api import operation
from contact_service.web.api.fields import Note, Page, PageQuery
from contact_service.web.api.operations import Schema
from contact_service.web.context import container

TAG = "cases"
if TYPE_CHECKING:
    ResponseKindName = str
else:  # the document lists the kinds, from the one enum
    ResponseKindName = Literal[tuple(k.value for k in ResponseKind)]


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


@operation("GET", "/cases/{case_id}", summary="A case", tag=TAG, permission=Permission.READ, response=CaseView)
def get_case(case_id: int) -> CaseView:
    with container().sessions() as session:
        return CaseView.model_validate(read_cases.summary(session, case_id), from_attributes=True)


@operation(
    "GET",
    "/cases/{case_id}/history",
    summary="A case's whole contact history",
    tag=TAG,
    permission=Permission.READ,
    response=HistoryView,
)
def get_history(case_id: int) -> HistoryView:
    with container().sessions() as session:
        return HistoryView.model_validate(read_cases.history(session, case_id), from_attributes=True)


@operation(
    "POST",
    "/cases/{case_id}/responses",
    summary="Record a response (stops automated calls at once)",
    tag=TAG,
    permission=Permission.RECORD_RESPONSES,
    body=ResponseCreate,
    response=ResponseView,
    status=201,
)
def record_response(case_id: int, body: ResponseCreate) -> ResponseView:
    recorded = case_actions.record_response(
        container().unit_of_work(), g.actor, case_id, body.kind, body.responded_at, body.note
    )
    return ResponseView.model_validate(recorded, from_attributes=True)


@operation(
    "GET",
    "/cases/{case_id}/enforcement",
    summary="Enforcement recommendations (never executed)",
    tag=TAG,
    permission=Permission.READ,
    response=EnforcementView,
)
def get_enforcement(case_id: int) -> EnforcementView:
    c = container()
    with c.sessions() as session:
        advice = read_enforcement.advice(session, case_id, c.enforcement_thresholds, c.clock.now().date())
    return EnforcementView(
        case_id=advice.case_id,
        as_of=advice.as_of,
        recommendations=[
            RecommendationView(action=r.action.value, qualifies=r.qualifies, reasons=list(r.reasons))
            for r in advice.recommendations
        ],
    )


@operation(
    "GET",
    "/responses/review",
    summary="Responses to review: one caller number matched several cases",
    tag=TAG,
    permission=Permission.READ,
    query=PageQuery,
    response=ReviewPage,
)
def responses_to_review(query: PageQuery) -> ReviewPage:
    with container().sessions() as session:
        page = read_cases.responses_needing_review(session, PageRequest(query.limit, query.offset))
    return ReviewPage(
        items=[ResponseView.model_validate(r, from_attributes=True) for r in page.items],
        page=Page(total=page.total, limit=page.limit, offset=page.offset),
    )
