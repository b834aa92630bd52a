"""Case endpoints: the case, its contact history, recording, correcting and withdrawing a response,
enforcement recommendations, and the review queue of inbound callbacks whose number matched several cases.

Views are built from the read side (`contact_service.read.cases`), which decides with the token's actor what
it may see (a representative: only the cases on her lists, or that she holds; any other case is 404). Actions
go through their use cases. A refusal (no such case, a bad field) is a typed error the API's handler renders."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from flask import g
from pydantic import AwareDatetime, Field

from contact_service.domain.access import Permission
from contact_service.domain.escalation import ResponseKind
from contact_service.read import cases as read_cases
from contact_service.read import enforcement as read_enforcement
from contact_service.read.pages import PageRequest
from contact_service.use_cases import cases as case_actions
from contact_service.web.api import operation
from contact_service.web.api.fields import Note, Page, PageQuery, Text
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
    """A response on the case. A withdrawn one (`withdrawn_at`) no longer counts. `needs_review` is true only
    on responses recorded before reviews were required, from a number that matched several cases."""

    id: int
    case_id: int
    kind: str
    responded_at: dt.datetime
    recorded_by: str
    needs_review: bool
    note: str | None
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None


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


class CandidateView(Schema):
    """A case the caller's number matched."""

    case_id: int
    case_number: str


class PendingCallbackView(Schema):
    """A report that someone called the official line from a number that matched several open cases. It
    recorded no response and stopped no call; a supervisor resolves it to one case, several or none."""

    id: int
    caller: str
    called_at: dt.datetime
    received_at: dt.datetime
    candidates: list[CandidateView]


class ReviewPage(Schema):
    """Inbound callbacks waiting for a supervisor's resolution, oldest first."""

    items: list[PendingCallbackView]
    page: Page


Reason = Annotated[Text, Field(min_length=1, max_length=500)]


class Resolution(Schema):
    """Which of the matched cases the caller was about: one, several, or none (an empty list)."""

    case_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(max_length=100)


class ResolutionView(Schema):
    """What the resolution recorded: a callback response on each case named, the entries that closed."""

    callback_id: int
    case_ids: list[int]
    candidates: list[int]
    response_ids: list[int]
    entries_closed: list[int]


class ResponseCorrection(Schema):
    """The time the response really happened (with a UTC offset), and why it is corrected."""

    responded_at: AwareDatetime
    reason: Reason


class ResponseWithdrawal(Schema):
    """Why the response should not count."""

    reason: Reason


@operation("GET", "/cases/{case_id}", summary="A case", tag=TAG, permission=Permission.READ, response=CaseView)
def get_case(case_id: int) -> CaseView:
    c = container()
    with c.sessions() as session:
        return CaseView.model_validate(
            read_cases.summary(session, case_id, g.actor, c.clock.now()), from_attributes=True
        )


@operation(
    "GET",
    "/cases/{case_id}/history",
    summary="A case's whole contact history",
    tag=TAG,
    permission=Permission.READ,
    response=HistoryView,
)
def get_history(case_id: int) -> HistoryView:
    c = container()
    with c.sessions() as session:
        return HistoryView.model_validate(
            read_cases.history(session, case_id, g.actor, c.clock.now()), from_attributes=True
        )


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
    c = container()
    recorded = case_actions.record_response(
        c.unit_of_work(), g.actor, case_id, body.kind, body.responded_at, body.note, skew=_skew()
    )
    return ResponseView.model_validate(recorded, from_attributes=True)


@operation(
    "POST",
    "/responses/{response_id}/correct",
    summary="Correct when a response happened (supervisors; audited)",
    tag=TAG,
    permission=Permission.REVIEW_RESPONSES,
    body=ResponseCorrection,
    response=ResponseView,
    errors=(409,),
)
def correct_response(response_id: int, body: ResponseCorrection) -> ResponseView:
    corrected = case_actions.correct_response(
        container().unit_of_work(), g.actor, response_id, body.responded_at, body.reason, skew=_skew()
    )
    return ResponseView.model_validate(corrected, from_attributes=True)


@operation(
    "POST",
    "/responses/{response_id}/withdraw",
    summary="Withdraw a response: it no longer counts (supervisors; audited)",
    tag=TAG,
    permission=Permission.REVIEW_RESPONSES,
    body=ResponseWithdrawal,
    response=ResponseView,
    errors=(409,),
)
def withdraw_response(response_id: int, body: ResponseWithdrawal) -> ResponseView:
    withdrawn = case_actions.withdraw_response(container().unit_of_work(), g.actor, response_id, body.reason)
    return ResponseView.model_validate(withdrawn, from_attributes=True)


def _skew() -> dt.timedelta:
    return dt.timedelta(seconds=container().settings.external_time_skew_seconds)


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
        advice = read_enforcement.advice(session, case_id, c.enforcement_thresholds, g.actor, c.clock.now())
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
    summary="Inbound callbacks to review: the caller's number matched several open cases",
    tag=TAG,
    permission=Permission.READ,
    query=PageQuery,
    response=ReviewPage,
)
def responses_to_review(query: PageQuery) -> ReviewPage:
    with container().sessions() as session:
        page = read_cases.callbacks_to_review(session, g.actor, PageRequest(query.limit, query.offset))
    return ReviewPage(
        items=[PendingCallbackView.model_validate(r, from_attributes=True) for r in page.items],
        page=Page(total=page.total, limit=page.limit, offset=page.offset),
    )


@operation(
    "POST",
    "/inbound-callbacks/{callback_id}/resolve",
    summary="Resolve a callback that matched several cases: record it on one, several or none (supervisors)",
    tag=TAG,
    permission=Permission.REVIEW_RESPONSES,
    body=Resolution,
    response=ResolutionView,
    errors=(409,),
)
def resolve_inbound_callback(callback_id: int, body: Resolution) -> ResolutionView:
    resolved = case_actions.resolve_inbound_callback(container().unit_of_work(), g.actor, callback_id, body.case_ids)
    return ResolutionView(
        callback_id=resolved.callback_id,
        case_ids=list(resolved.case_ids),
        candidates=list(resolved.candidates),
        response_ids=list(resolved.recorded.response_ids),
        entries_closed=list(resolved.recorded.closed_entry_ids),
    )
