"""Campaigns: create, pause, resume, cancel, and completion. Launch and preview: campaign_launch.

These functions only flush; the use case that calls them (use_cases/campaigns.py) audits and commits.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, CallScript, Campaign, CampaignCase
from contact_service.config import Settings
from contact_service.domain.call_outcome import Outcome
from contact_service.domain.cases import NoticeStage, TaxpayerType
from contact_service.domain.contact_policy import RetryPolicy
from contact_service.domain.errors import Conflict, Invalid, InvalidCombination, NotFound
from contact_service.domain.states import (
    NOT_YET_DIALLED,
    UNFINISHED,
    AttemptState,
    CampaignCaseState,
    CampaignStatus,
)
from contact_service.domain.us_states import is_known_state
from contact_service.services.campaign_launch import CaseSelection

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,99}$")
RETRYABLE_OUTCOMES = (Outcome.BUSY, Outcome.NO_ANSWER, Outcome.FAILED, Outcome.CANCELED, Outcome.VOICEMAIL_LEFT)
MAX_CALLS_PER_SECOND = 1000


@dataclass(frozen=True)
class CampaignSpec:
    """What an operator asks for when creating a campaign."""

    name: str
    selection: CaseSelection = field(default_factory=CaseSelection)
    human_script: str | None = None  # a registered script's name; None: the default script
    voicemail_script: str | None = None
    calls_per_second: int | None = None
    max_attempts: int | None = None
    retry_minutes: dict[str, int | None] | None = None  # outcome -> minutes before the next try (None: stop)


def create_campaign(
    session: Session, spec: CampaignSpec, created_by: str, defaults: Settings, now: dt.datetime
) -> Campaign:
    """Validate and add a draft campaign (flushed, so it has its id); `defaults` give the pace and attempts."""
    if not NAME_PATTERN.match(spec.name or ""):
        raise Invalid("name", "letters, digits, spaces and . _ : - (at most 100 characters)")
    if session.scalar(select(Campaign.id).where(Campaign.name == spec.name)) is not None:
        raise Conflict(f"name: a campaign named {spec.name!r} already exists", field="name")
    cps = spec.calls_per_second if spec.calls_per_second is not None else defaults.campaign_calls_per_second
    if not 1 <= cps <= min(MAX_CALLS_PER_SECOND, defaults.account_calls_per_second):
        raise Invalid("calls_per_second", f"must be between 1 and the account's {defaults.account_calls_per_second}")
    attempts = spec.max_attempts if spec.max_attempts is not None else defaults.campaign_max_attempts
    if not 1 <= attempts <= 10:
        raise Invalid("max_attempts", "must be between 1 and 10")
    retry = _retry_minutes(spec.retry_minutes)
    _check_selection(spec.selection)
    campaign = Campaign(
        name=spec.name,
        status=CampaignStatus.DRAFT,
        selection=spec.selection.to_json(),
        human_script_id=_script_id(session, spec.human_script, "human"),
        voicemail_script_id=_script_id(session, spec.voicemail_script, "voicemail"),
        calls_per_second=cps,
        max_attempts=attempts,
        retry_minutes=json.dumps(retry, sort_keys=True),
        created_by=created_by[:100],
        created_at=now,
    )
    session.add(campaign)
    session.flush()
    return campaign


def retry_policy(campaign: Campaign) -> RetryPolicy:
    """The campaign's attempts policy as the domain reads it."""
    minutes = json.loads(campaign.retry_minutes or "{}")
    defaults = RetryPolicy()
    delays = dict(defaults.delays)
    for outcome, value in minutes.items():
        delays[Outcome(outcome)] = None if value is None else dt.timedelta(minutes=value)
    return RetryPolicy(max_attempts=campaign.max_attempts, delays=delays)


def find_campaign(session: Session, reference: str | int) -> Campaign:
    """A campaign by id (an int), or by id or name (a string, as an operator types it); NotFound if none."""
    text_reference = str(reference)
    campaign = session.get(Campaign, int(text_reference)) if text_reference.isdigit() else None
    if campaign is None and isinstance(reference, str):
        campaign = session.scalar(select(Campaign).where(Campaign.name == reference))
    if campaign is None:
        raise NotFound("campaign", reference)
    return campaign


def pause(session: Session, campaign_id: int, now: dt.datetime) -> Campaign:
    """Stop placing calls: queued attempts go back to planned at once; a job that already claimed one checks
    again right before calling, so nothing is placed a moment after this commits."""
    campaign = _transition(session, campaign_id, {CampaignStatus.RUNNING}, CampaignStatus.PAUSED, paused_at=now)
    session.execute(
        update(CallAttempt)
        .where(CallAttempt.campaign_id == campaign_id, CallAttempt.state == AttemptState.QUEUED)
        .values(state=AttemptState.PLANNED, queued_at=None)
    )
    return campaign


def resume(session: Session, campaign_id: int, now: dt.datetime) -> Campaign:
    """Let the dispatcher queue the campaign's due attempts again."""
    return _transition(session, campaign_id, {CampaignStatus.PAUSED}, CampaignStatus.RUNNING)


def cancel(session: Session, campaign_id: int, now: dt.datetime) -> Campaign:
    """End the campaign: every call not yet placed is cancelled; calls already ringing finish."""
    campaign = _transition(
        session,
        campaign_id,
        {CampaignStatus.DRAFT, CampaignStatus.RUNNING, CampaignStatus.PAUSED},
        CampaignStatus.CANCELLED,
        cancelled_at=now,
    )
    session.execute(
        update(CallAttempt)
        .where(CallAttempt.campaign_id == campaign_id, CallAttempt.state.in_(NOT_YET_DIALLED))
        .values(state=AttemptState.CANCELLED, queued_at=None)
    )
    session.execute(
        update(CampaignCase)
        .where(CampaignCase.campaign_id == campaign_id, CampaignCase.state == CampaignCaseState.ACTIVE)
        .values(state=CampaignCaseState.CANCELLED, closed_at=now)
    )
    return campaign


def complete_finished(session: Session, now: dt.datetime) -> list[int]:
    """Mark running campaigns with no attempt left to place or finish as completed. The caller commits (the
    rows stay locked until then)."""
    finished = session.scalars(
        select(Campaign.id)
        .where(
            Campaign.status == CampaignStatus.RUNNING,
            ~select(CallAttempt.id)
            .where(CallAttempt.campaign_id == Campaign.id, CallAttempt.state.in_(UNFINISHED))
            .exists(),
        )
        .order_by(Campaign.id)
        .with_for_update(skip_locked=True)  # the campaign row first, as cancel does
    ).all()
    if finished:
        session.execute(
            update(CampaignCase)
            .where(CampaignCase.campaign_id.in_(finished), CampaignCase.state == CampaignCaseState.ACTIVE)
            .values(state=CampaignCaseState.EXHAUSTED, closed_at=now)
        )
        session.execute(
            update(Campaign)
            .where(Campaign.id.in_(finished), Campaign.status == CampaignStatus.RUNNING)
            .values(status=CampaignStatus.COMPLETED, completed_at=now)
        )
    session.flush()
    return list(finished)


def _transition(
    session: Session,
    campaign_id: int,
    allowed: set[CampaignStatus],
    to: CampaignStatus,
    **values: dt.datetime,
) -> Campaign:
    campaign = session.get(Campaign, campaign_id, with_for_update=True, populate_existing=True)
    if campaign is None:
        raise NotFound("campaign", campaign_id)
    if campaign.status not in allowed:
        raise Conflict(f"campaign {campaign.name!r} is {campaign.status}; cannot become {to}")
    campaign.status = to
    for key, value in values.items():
        setattr(campaign, key, value)
    session.flush()
    return campaign


def _script_id(session: Session, name: str | None, kind: str) -> int | None:
    if not name:
        return None
    script = session.scalar(select(CallScript).where(CallScript.name == name))
    if script is None:
        raise Invalid(f"{kind}_script", f"no registered script named {name!r}")
    if script.kind != kind:
        raise Invalid(f"{kind}_script", f"{name!r} is a {script.kind} script")
    return script.id


def _retry_minutes(values: dict[str, int | None] | None) -> dict[str, int | None]:
    result: dict[str, int | None] = {}
    allowed = {outcome.value for outcome in RETRYABLE_OUTCOMES}
    for outcome, minutes in (values or {}).items():
        if outcome not in allowed:
            raise Invalid("retry_minutes", f"{outcome!r} is not one of {', '.join(sorted(allowed))}")
        if minutes is not None and not (isinstance(minutes, int) and 10 <= minutes <= 60 * 24 * 14):
            raise Invalid(f"retry_minutes.{outcome}", "minutes between 10 and 20160, or null to stop")
        result[outcome] = minutes
    return result


def _check_selection(selection: CaseSelection) -> None:
    for value in selection.taxpayer_types:
        if value not in {kind.value for kind in TaxpayerType}:
            raise Invalid("taxpayer_types", f"{value!r} is not individual, business or estate")
    for value in selection.notice_stages:
        if value not in {stage.value for stage in NoticeStage}:
            raise Invalid("notice_stages", f"{value!r} is not a notice stage")
    for value in selection.states:
        if not is_known_state(value):
            raise Invalid("states", f"{value!r} is not a state code")
    low, high = selection.balance_min_cents, selection.balance_max_cents
    for name, amount in (("balance_min_cents", low), ("balance_max_cents", high)):
        if amount is not None and amount < 0:
            raise Invalid(name, "amounts must not be negative")
    if low is not None and high is not None and low > high:
        raise InvalidCombination(
            ("balance_min_cents", "balance_max_cents"), "balance band", "the minimum is above the maximum"
        )
