"""Campaigns as screens and tables show them: rows, pages, and where a campaign stands.

The counts by state and outcome are grouped queries over one campaign's attempts and cases today; they are
shaped (plain mappings of name to count) so that a dashboard can later read them from rollups instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from contact_service.adapters.db.models import CallAttempt, Campaign, CampaignCase
from contact_service.domain.errors import NotFound
from contact_service.domain.states import CampaignCaseState, CampaignStatus
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
