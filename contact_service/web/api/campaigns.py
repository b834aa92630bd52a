"""Campaign endpoints: create, list, status, preview, launch, pause, resume, cancel."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from flask import g
from pydantic import Field

from contact_service.domain.access import Permission
from contact_service.domain.cases import NoticeStage, TaxpayerType
from contact_service.domain.states import CampaignStatus
from contact_service.read import campaigns as read_campaigns
from contact_service.read.campaigns import CampaignRow
from contact_service.read.pages import PageRequest
from contact_service.use_cases import campaigns as use_cases
from contact_service.use_cases.campaigns import CampaignSpec, CaseSelection, Preview
from contact_service.web.api import operation
from contact_service.web.api.fields import Page, PageQuery, ShortText
from contact_service.web.api.operations import Schema
from contact_service.web.context import container

TAG = "campaigns"
if TYPE_CHECKING:  # the type checker reads them as text; pydantic (and the OpenAPI document) as the enums' values
    RetryOutcome = str
    TaxpayerTypeName = str
    StageName = str
    CampaignStatusName = str
else:
    RetryOutcome = Literal["busy", "no_answer", "failed", "canceled", "voicemail_left"]
    TaxpayerTypeName = Literal[tuple(t.value for t in TaxpayerType)]
    StageName = Literal[tuple(s.value for s in NoticeStage)]
    CampaignStatusName = Literal[tuple(s.value for s in CampaignStatus)]


class SelectionBody(Schema):
    """Which cases: each filter narrows the selection; none selects every case."""

    taxpayer_types: list[TaxpayerTypeName] = Field(default_factory=list, max_length=3)
    notice_stages: list[StageName] = Field(default_factory=list, max_length=5)
    states: list[str] = Field(default_factory=list, max_length=60)
    balance_min_cents: int | None = Field(None, ge=0, le=10**15)
    balance_max_cents: int | None = Field(None, ge=0, le=10**15)
    case_numbers: list[ShortText] = Field(default_factory=list, max_length=10_000)


class CampaignCreate(Schema):
    """A new draft campaign."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,99}$")
    selection: SelectionBody = Field(default_factory=SelectionBody)
    human_script: ShortText | None = None
    voicemail_script: ShortText | None = None
    calls_per_second: int | None = Field(None, ge=1, le=1000)
    max_attempts: int | None = Field(None, ge=1, le=10)
    retry_minutes: dict[RetryOutcome, int | None] = Field(default_factory=dict)


class CampaignView(Schema):
    """A campaign and its lifecycle."""

    id: int
    name: str
    status: CampaignStatusName
    calls_per_second: int
    max_attempts: int
    created_by: str
    created_at: dt.datetime
    launched_at: dt.datetime | None
    completed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cases_selected: int
    cases_planned: int
    cases_skipped: int


class CampaignPage(Schema):
    """A page of campaigns, newest first."""

    items: list[CampaignView]
    page: Page


class CampaignsQuery(PageQuery):
    """Filter by status."""

    status: CampaignStatusName | None = None


class WaitingView(Schema):
    """Planned attempts that wait for one reason."""

    count: int
    next_due_at: dt.datetime


class NextDueView(Schema):
    """When the planned attempts are due, and why those not due yet wait (reasons: weekend, federal_holiday,
    outside_calling_hours, frequency_cap, retry_delay, deferred)."""

    planned: int
    due_now: int
    next_due_at: dt.datetime | None
    waiting: dict[str, WaitingView]


class CampaignStatusView(Schema):
    """Where a campaign stands."""

    campaign: CampaignView
    progress: float
    attempts_by_state: dict[str, int]
    attempts_by_outcome: dict[str, int]
    cases_by_state: dict[str, int]
    skipped_by_reason: dict[str, int]
    next_due: NextDueView


class PreviewView(Schema):
    """What launching does (or did): cases selected, planned, skipped by reason, delayed by the caps."""

    selected: int
    planned: int
    skipped: dict[str, int]
    delayed_by_frequency_cap: int


def _view(campaign: CampaignRow) -> CampaignView:
    return CampaignView.model_validate(campaign, from_attributes=True)


def _preview(result: Preview) -> PreviewView:
    return PreviewView(
        selected=result.selected,
        planned=result.planned,
        skipped=dict(result.skipped),
        delayed_by_frequency_cap=result.delayed_by_frequency_cap,
    )


@operation(
    "GET",
    "/campaigns",
    summary="List campaigns, newest first",
    tag=TAG,
    permission=Permission.READ,
    query=CampaignsQuery,
    response=CampaignPage,
)
def list_campaigns(query: CampaignsQuery) -> CampaignPage:
    status = CampaignStatus(query.status) if query.status else None
    with container().sessions() as session:
        found = read_campaigns.list_campaigns(session, status, PageRequest(query.limit, query.offset))
    return CampaignPage(
        items=[_view(c) for c in found.items], page=Page(total=found.total, limit=found.limit, offset=found.offset)
    )


@operation(
    "POST",
    "/campaigns",
    summary="Create a draft campaign",
    tag=TAG,
    permission=Permission.RUN_CAMPAIGNS,
    body=CampaignCreate,
    response=CampaignView,
    status=201,
    errors=(409,),
)
def create_campaign(body: CampaignCreate) -> CampaignView:
    c = container()
    selection = CaseSelection(
        taxpayer_types=tuple(body.selection.taxpayer_types),
        notice_stages=tuple(body.selection.notice_stages),
        states=tuple(s.upper() for s in body.selection.states),
        balance_min_cents=body.selection.balance_min_cents,
        balance_max_cents=body.selection.balance_max_cents,
        case_numbers=tuple(body.selection.case_numbers),
    )
    spec = CampaignSpec(
        name=body.name,
        selection=selection,
        human_script=body.human_script,
        voicemail_script=body.voicemail_script,
        calls_per_second=body.calls_per_second,
        max_attempts=body.max_attempts,
        retry_minutes=dict(body.retry_minutes) or None,
    )
    return _view(use_cases.create_campaign(c.unit_of_work(), g.actor, spec, defaults=c.settings))


@operation(
    "GET",
    "/campaigns/{campaign_id}",
    summary="A campaign's status and counts",
    tag=TAG,
    permission=Permission.READ,
    response=CampaignStatusView,
)
def campaign_status(campaign_id: int) -> CampaignStatusView:
    c = container()
    with c.sessions() as session:
        status = read_campaigns.campaign_progress(session, campaign_id)
        due = read_campaigns.next_due(session, campaign_id, c.clock.now(), c.contact_policy)
    return CampaignStatusView(
        campaign=_view(status.campaign),
        progress=round(status.progress, 4),
        attempts_by_state=dict(status.attempts_by_state),
        attempts_by_outcome=dict(status.attempts_by_outcome),
        cases_by_state=dict(status.cases_by_state),
        skipped_by_reason=dict(status.skipped_by_reason),
        next_due=NextDueView(
            planned=due.planned,
            due_now=due.due_now,
            next_due_at=due.next_due_at,
            waiting={
                reason: WaitingView(count=w.count, next_due_at=w.next_due_at) for reason, w in due.waiting.items()
            },
        ),
    )


@operation(
    "POST",
    "/campaigns/{campaign_id}/preview",
    summary="Count what launching would call and skip",
    tag=TAG,
    permission=Permission.READ,
    response=PreviewView,
)
def preview_campaign(campaign_id: int) -> PreviewView:
    c = container()
    return _preview(use_cases.preview_campaign(c.unit_of_work(), g.actor, campaign_id, policy=c.contact_policy).counts)


@operation(
    "POST",
    "/campaigns/{campaign_id}/launch",
    summary="Plan every eligible case's first call and start",
    tag=TAG,
    permission=Permission.RUN_CAMPAIGNS,
    response=PreviewView,
    errors=(409,),
)
def launch_campaign(campaign_id: int) -> PreviewView:
    c = container()
    return _preview(use_cases.launch_campaign(c.unit_of_work(), g.actor, campaign_id, policy=c.contact_policy).counts)


@operation(
    "POST",
    "/campaigns/{campaign_id}/pause",
    summary="Stop placing calls (calls under way finish)",
    tag=TAG,
    permission=Permission.RUN_CAMPAIGNS,
    response=CampaignView,
    errors=(409,),
)
def pause_campaign(campaign_id: int) -> CampaignView:
    return _view(use_cases.pause_campaign(container().unit_of_work(), g.actor, campaign_id))


@operation(
    "POST",
    "/campaigns/{campaign_id}/resume",
    summary="Start placing calls again",
    tag=TAG,
    permission=Permission.RUN_CAMPAIGNS,
    response=CampaignView,
    errors=(409,),
)
def resume_campaign(campaign_id: int) -> CampaignView:
    return _view(use_cases.resume_campaign(container().unit_of_work(), g.actor, campaign_id))


@operation(
    "POST",
    "/campaigns/{campaign_id}/cancel",
    summary="End the campaign; calls not yet placed are cancelled",
    tag=TAG,
    permission=Permission.RUN_CAMPAIGNS,
    response=CampaignView,
    errors=(409,),
)
def cancel_campaign(campaign_id: int) -> CampaignView:
    return _view(use_cases.cancel_campaign(container().unit_of_work(), g.actor, campaign_id))
