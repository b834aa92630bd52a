"""After a call ends: plan the campaign's next attempt on the case, or close the case's automated phase.

Runs inside the settling transaction (call_settlement passes its ended attempts here before committing), so an
ended attempt can never be left without its follow-up by a crash in between.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, Campaign, CampaignCase, Case, PhoneNumber, Taxpayer
from contact_service.domain.call_outcome import Outcome
from contact_service.domain.contact_policy import ContactPolicy, retry_delay
from contact_service.domain.phone import decode_zones, possible_time_zones
from contact_service.domain.states import AttemptState, CampaignCaseState, CampaignStatus, PhoneStatus
from contact_service.services.call_settlement import EndedAttempt
from contact_service.services.campaigns import retry_policy

CLOSED_STATE = {Outcome.REACHED: CampaignCaseState.REACHED, Outcome.VOICEMAIL_LEFT: CampaignCaseState.VOICEMAIL_LEFT}


def plan_follow_ups(session: Session, ended: list[EndedAttempt], policy: ContactPolicy, now: dt.datetime) -> int:
    """Plan next attempts (or close cases) for attempts that just ended; returns how many were planned."""
    by_id = {item.attempt_id: item for item in ended}
    if not by_id:
        return 0
    # Lock order shared with cancel and completion: the campaign row before its campaign_cases rows.
    # Cancelling takes it exclusively, so it never interleaves with this and the status read below is final.
    campaign_ids = session.scalars(
        select(CallAttempt.campaign_id).where(CallAttempt.id.in_(list(by_id))).distinct()
    ).all()
    session.execute(
        select(Campaign.id).where(Campaign.id.in_(campaign_ids)).order_by(Campaign.id).with_for_update(read=True)
    )
    rows = session.execute(
        select(CallAttempt, Campaign, Taxpayer.id, Taxpayer.state)
        .join(Campaign, Campaign.id == CallAttempt.campaign_id)
        .join(Case, Case.id == CallAttempt.case_id)
        .join(Taxpayer, Taxpayer.id == Case.taxpayer_id)
        .where(CallAttempt.id.in_(list(by_id)))
        .order_by(CallAttempt.campaign_id, CallAttempt.case_id)
        .execution_options(populate_existing=True)
    ).all()
    planned = 0
    for attempt, campaign, taxpayer_id, state in rows:
        item = by_id[attempt.id]
        outcome = item.outcome
        where = (CampaignCase.campaign_id == campaign.id, CampaignCase.case_id == attempt.case_id)
        session.execute(
            update(CampaignCase).where(*where).values(attempts_made=attempt.attempt_number, last_outcome=outcome.value)
        )
        delay = retry_delay(outcome, attempt.attempt_number, item.bad_number, retry_policy(campaign))
        phone = session.scalar(
            select(PhoneNumber).where(PhoneNumber.taxpayer_id == taxpayer_id, PhoneNumber.is_primary)
        )
        if campaign.status not in (CampaignStatus.RUNNING, CampaignStatus.PAUSED):
            delay = None
        if session.scalar(select(CampaignCase.state).where(*where)) != CampaignCaseState.ACTIVE:
            delay = None  # the case responded (or was closed) while this call was under way
        if delay is None or phone is None or phone.status != PhoneStatus.ACTIVE:
            closed = (
                CampaignCaseState.BAD_NUMBER
                if item.bad_number or phone is None or phone.status != PhoneStatus.ACTIVE
                else CLOSED_STATE.get(outcome, CampaignCaseState.EXHAUSTED)
            )
            session.execute(
                update(CampaignCase)
                .where(*where, CampaignCase.state == CampaignCaseState.ACTIVE)
                .values(state=closed, closed_at=now)
            )
            continue
        earliest = (attempt.ended_at or now) + delay
        zones = possible_time_zones(decode_zones(phone.zones), state)
        due = (policy.window.next_opening(earliest, zones) if zones else None) or earliest
        exists_already = session.scalar(
            select(CallAttempt.id).where(
                CallAttempt.campaign_id == campaign.id,
                CallAttempt.case_id == attempt.case_id,
                CallAttempt.attempt_number == attempt.attempt_number + 1,
            )
        )
        if exists_already is None:
            session.add(
                CallAttempt(
                    campaign_id=campaign.id,
                    attempt_number=attempt.attempt_number + 1,
                    case_id=attempt.case_id,
                    phone_number_id=phone.id,
                    to_e164=phone.e164,
                    human_script_id=campaign.human_script_id,
                    voicemail_script_id=campaign.voicemail_script_id,
                    state=AttemptState.PLANNED,
                    due_at=due,
                    created_at=now,
                )
            )
            planned += 1
    session.flush()
    return planned
