"""Campaign actions: create, preview, launch, pause, resume, cancel. Each authorizes, acts, writes one audit
record and commits once; each returns plain data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from contact_service.adapters.db.models import Campaign
from contact_service.config import Settings
from contact_service.domain.access import Actor, Permission, authorize
from contact_service.domain.contact_policy import ContactPolicy
from contact_service.read import campaigns as read_campaigns
from contact_service.read.campaigns import CampaignRow
from contact_service.services import audit, campaign_launch, campaigns
from contact_service.services.campaign_launch import CaseSelection, Preview
from contact_service.services.campaigns import CampaignSpec
from contact_service.services.unit_of_work import UnitOfWork

__all__ = [
    "CampaignCounts",
    "CampaignSpec",
    "CaseSelection",
    "Preview",
    "cancel_campaign",
    "create_campaign",
    "launch_campaign",
    "pause_campaign",
    "preview_campaign",
    "resume_campaign",
]


@dataclass(frozen=True)
class CampaignCounts:
    """A campaign and what launching it would do (preview) or did (launch)."""

    campaign: CampaignRow
    counts: Preview


def create_campaign(uow: UnitOfWork, actor: Actor, spec: CampaignSpec, *, defaults: Settings) -> CampaignRow:
    """Store a draft campaign over a selection of cases; `defaults` give the pace and attempts it leaves out."""
    authorize(actor, Permission.RUN_CAMPAIGNS)
    with uow:
        campaign = campaigns.create_campaign(uow.session, spec, actor.name, defaults, uow.now)
        audit.record(uow.session, actor, "campaign_created", "campaign", campaign.id, uow.now, name=campaign.name)
        uow.commit()
        return read_campaigns.row_of(campaign)


def preview_campaign(
    uow: UnitOfWork, actor: Actor, campaign_ref: int | str, *, policy: ContactPolicy
) -> CampaignCounts:
    """Count what launching would call, skip (by reason) and delay (caps); changes nothing but the audit trail,
    which records that the actor looked."""
    authorize(actor, Permission.READ)
    with uow:
        campaign = campaigns.find_campaign(uow.session, campaign_ref)
        selection = CaseSelection.from_json(campaign.selection)
        counts = campaign_launch.preview(uow.session, selection, policy, uow.now)
        audit.record(
            uow.session,
            actor,
            "campaign_previewed",
            "campaign",
            campaign.id,
            uow.now,
            selected=counts.selected,
            planned=counts.planned,
        )
        uow.commit()
        return CampaignCounts(read_campaigns.row_of(campaign), counts)


def launch_campaign(uow: UnitOfWork, actor: Actor, campaign_ref: int | str, *, policy: ContactPolicy) -> CampaignCounts:
    """Plan the first call of every eligible case and start the (draft) campaign."""
    authorize(actor, Permission.RUN_CAMPAIGNS)
    with uow:
        campaign_id = campaigns.find_campaign(uow.session, campaign_ref).id
        counts = campaign_launch.launch(uow.session, campaign_id, policy, uow.now)
        audit.record(
            uow.session,
            actor,
            "campaign_launched",
            "campaign",
            campaign_id,
            uow.now,
            selected=counts.selected,
            planned=counts.planned,
        )
        row = read_campaigns.find_campaign(uow.session, campaign_id)
        uow.commit()
        return CampaignCounts(row, counts)


def pause_campaign(uow: UnitOfWork, actor: Actor, campaign_ref: int | str) -> CampaignRow:
    """Stop placing calls; calls already ringing finish."""
    return _change_status(uow, actor, campaign_ref, campaigns.pause, "campaign_paused")


def resume_campaign(uow: UnitOfWork, actor: Actor, campaign_ref: int | str) -> CampaignRow:
    """Let a paused campaign place its due calls again."""
    return _change_status(uow, actor, campaign_ref, campaigns.resume, "campaign_resumed")


def cancel_campaign(uow: UnitOfWork, actor: Actor, campaign_ref: int | str) -> CampaignRow:
    """End the campaign: every call not yet placed is cancelled; calls already ringing finish."""
    return _change_status(uow, actor, campaign_ref, campaigns.cancel, "campaign_cancelled")


def _change_status(
    uow: UnitOfWork,
    actor: Actor,
    campaign_ref: int | str,
    change: Callable[[Session, int, dt.datetime], Campaign],
    action: str,
) -> CampaignRow:
    """The shape every status change shares: authorize, change, one audit record, one commit."""
    authorize(actor, Permission.RUN_CAMPAIGNS)
    with uow:
        campaign = change(uow.session, campaigns.find_campaign(uow.session, campaign_ref).id, uow.now)
        audit.record(uow.session, actor, action, "campaign", campaign.id, uow.now)
        uow.commit()
        return read_campaigns.row_of(campaign)
