"""Campaigns as screens and tables show them: rows, pages, and where a campaign stands.

The counts by state and outcome are grouped queries over one campaign's attempts and cases today; they are
shaped (plain mappings of name to count) so that a dashboard can later read them from rollups instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from contact_service.adapters.db.models import CallAttempt, Campaign, CampaignCase, Case, PhoneNumber, Taxpayer
from contact_service.domain.contact_policy import ContactPolicy
from contact_service.domain.errors import NotFound
from contact_service.domain.phone import decode_zones, possible_time_zones
from contact_service.domain.states import AttemptState, CampaignCaseState, CampaignStatus
from contact_service.read.pages import Page, PageRequest

# Cases in these states have not finished their automated phase (or never began it).
_NOT_DONE = (CampaignCaseState.ACTIVE, CampaignCaseState.SKIPPED)


@dataclass(frozen=True)
class CampaignRow:
    """One campaign: its pace, its lifecycle, and the counts its launch fixed."""

    id: int
    name: str
    status: CampaignStatus
    calls_per_second: int
    max_attempts: int
    created_by: str
    created_at: dt.datetime
    launched_at: dt.datetime | None
    paused_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    completed_at: dt.datetime | None
    cases_selected: int
    cases_planned: int
    cases_skipped: int


@dataclass(frozen=True)
class CampaignProgress:
    """Where a campaign stands: attempts by state and outcome, cases by how they ended, skips by reason."""

    campaign: CampaignRow
    attempts_by_state: Mapping[str, int]
    attempts_by_outcome: Mapping[str, int]
    cases_by_state: Mapping[str, int]
    skipped_by_reason: Mapping[str, int]

    @property
    def cases_done(self) -> int:
        """Planned cases whose automated phase is over."""
        return sum(count for state, count in self.cases_by_state.items() if state not in _NOT_DONE)

    @property
    def progress(self) -> float:
        """Share of planned cases whose automated phase is over (1.0 when done)."""
        planned = self.campaign.cases_planned
        return 1.0 if not planned else min(1.0, self.cases_done / planned)


# Why a planned attempt that is not due yet waits, in the order a report lists them: the calling window is
# closed now in one of the taxpayer's zones (for one of three reasons), the case reached its cap across
# campaigns, the campaign's pause after an unanswered call, or the dialer put it back (the provider asked to
# retry later).
WAIT_REASONS = ("weekend", "federal_holiday", "outside_calling_hours", "frequency_cap", "retry_delay", "deferred")


@dataclass(frozen=True)
class Waiting:
    """Planned attempts that wait for one reason: how many, and when the first of them is due."""

    count: int
    next_due_at: dt.datetime


@dataclass(frozen=True)
class NextDue:
    """When a campaign's planned attempts are due, and why those not due yet wait."""

    planned: int  # attempts planned and not yet queued
    due_now: int  # of those, due already (they wait for the campaign's calls-per-second budget)
    next_due_at: dt.datetime | None  # the earliest due time of a planned attempt
    waiting: Mapping[str, Waiting]  # reason (WAIT_REASONS) -> the attempts that wait for it


def row_of(campaign: Campaign) -> CampaignRow:
    """The plain row of a loaded campaign."""
    return CampaignRow(
        id=campaign.id,
        name=campaign.name,
        status=CampaignStatus(campaign.status),
        calls_per_second=campaign.calls_per_second,
        max_attempts=campaign.max_attempts,
        created_by=campaign.created_by,
        created_at=campaign.created_at,
        launched_at=campaign.launched_at,
        paused_at=campaign.paused_at,
        cancelled_at=campaign.cancelled_at,
        completed_at=campaign.completed_at,
        cases_selected=campaign.cases_selected,
        cases_planned=campaign.cases_planned,
        cases_skipped=campaign.cases_skipped,
    )


def list_campaigns(
    session: Session, status: CampaignStatus | None = None, page: PageRequest | None = None
) -> Page[CampaignRow]:
    """A page of campaigns, newest first, optionally only those in `status`."""
    page = page or PageRequest()
    where = [Campaign.status == status] if status else []
    total = session.scalar(select(func.count()).select_from(Campaign).where(*where)) or 0
    rows = session.scalars(
        select(Campaign).where(*where).order_by(Campaign.id.desc()).limit(page.limit).offset(page.offset)
    )
    return Page(items=[row_of(c) for c in rows], total=total, limit=page.limit, offset=page.offset)


def find_campaign(session: Session, reference: int | str) -> CampaignRow:
    """A campaign by id (an int), or by id or name (a string), as it is now; NotFound if there is none."""
    return row_of(_load(session, reference))


def campaign_progress(session: Session, reference: int | str) -> CampaignProgress:
    """Where the campaign (by id or name) stands, counted set-based."""
    campaign = _load(session, reference)
    return CampaignProgress(
        campaign=row_of(campaign),
        attempts_by_state=_grouped(session, CallAttempt.state, CallAttempt.campaign_id == campaign.id),
        attempts_by_outcome=_grouped(
            session, CallAttempt.outcome, CallAttempt.campaign_id == campaign.id, CallAttempt.outcome.is_not(None)
        ),
        cases_by_state=_grouped(session, CampaignCase.state, CampaignCase.campaign_id == campaign.id),
        skipped_by_reason=_grouped(
            session,
            CampaignCase.skip_reason,
            CampaignCase.campaign_id == campaign.id,
            CampaignCase.state == CampaignCaseState.SKIPPED,
        ),
    )


def next_due(session: Session, reference: int | str, now: dt.datetime, policy: ContactPolicy) -> NextDue:
    """When the campaign's (by id or name) planned attempts are due and why they wait, counted set-based: one
    aggregate, and one grouped query whose groups (zones, state, cap, retry) the calling window classifies."""
    campaign_id = _load(session, reference).id
    planned = (CallAttempt.campaign_id == campaign_id, CallAttempt.state == AttemptState.PLANNED)
    total, earliest, due_now = session.execute(
        select(func.count(), func.min(CallAttempt.due_at), func.sum(case((CallAttempt.due_at <= now, 1), else_=0)))
        .select_from(CallAttempt)
        .where(*planned)
    ).one()
    earlier = aliased(CallAttempt)

    def calls_since(since: dt.datetime) -> Any:
        # The case's automated attempts in the cap's span, in every campaign (design 2.3).
        return (
            select(func.count())
            .where(earlier.case_id == CallAttempt.case_id, earlier.dialing_at > since, earlier.id != CallAttempt.id)
            .correlate(CallAttempt)
            .scalar_subquery()
        )

    capped = or_(
        calls_since(now - dt.timedelta(days=1)) >= policy.daily_cap,
        calls_since(now - dt.timedelta(days=7)) >= policy.weekly_cap,
    )
    attempts = (
        select(
            PhoneNumber.zones.label("zones"),
            Taxpayer.state.label("state"),
            case((capped, 1), else_=0).label("capped"),
            case((CallAttempt.attempt_number > 1, 1), else_=0).label("retry"),
            CallAttempt.due_at.label("due_at"),
        )
        .join(PhoneNumber, PhoneNumber.id == CallAttempt.phone_number_id)
        .join(Case, Case.id == CallAttempt.case_id)
        .join(Taxpayer, Taxpayer.id == Case.taxpayer_id)
        .where(*planned, CallAttempt.due_at > now)
        .subquery()
    )
    groups = session.execute(
        select(
            attempts.c.zones,
            attempts.c.state,
            attempts.c.capped,
            attempts.c.retry,
            func.count(),
            func.min(attempts.c.due_at),
        ).group_by(attempts.c.zones, attempts.c.state, attempts.c.capped, attempts.c.retry)
    ).all()
    counts: dict[str, int] = {}
    firsts: dict[str, dt.datetime] = {}
    for zones, state, is_capped, is_retry, count, first_due in groups:
        possible = possible_time_zones(decode_zones(zones), state)
        reason = (policy.window.closed_because(now, possible) if possible else None) or (
            "frequency_cap" if is_capped else "retry_delay" if is_retry else "deferred"
        )
        counts[reason] = counts.get(reason, 0) + int(count)
        firsts[reason] = min(firsts.get(reason, first_due), first_due)
    return NextDue(
        planned=int(total or 0),
        due_now=int(due_now or 0),
        next_due_at=earliest,
        waiting={reason: Waiting(counts[reason], firsts[reason]) for reason in WAIT_REASONS if reason in counts},
    )


def _load(session: Session, reference: int | str) -> Campaign:
    text_reference = str(reference)
    found = None
    if text_reference.isdigit():
        found = session.get(Campaign, int(text_reference), populate_existing=True)
    if found is None and isinstance(reference, str):
        found = session.scalar(
            select(Campaign).where(Campaign.name == text_reference).execution_options(populate_existing=True)
        )
    if found is None:
        raise NotFound("campaign", reference)
    return found


def _grouped(session: Session, column: InstrumentedAttribute[Any], *where: Any) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).where(*where).group_by(column)).all()
    return {key or "": int(count) for key, count in rows}
