"""Campaigns: create, pause, resume, cancel, status, and completion. Launch and preview: campaign_launch."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, CallScript, Campaign, CampaignCase
from contact_service.domain.call_outcome import Outcome
from contact_service.domain.contact_policy import RetryPolicy
from contact_service.services.campaign_launch import CampaignStateError, CaseSelection

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,99}$")
RETRYABLE_OUTCOMES = (Outcome.BUSY, Outcome.NO_ANSWER, Outcome.FAILED, Outcome.CANCELED, Outcome.VOICEMAIL_LEFT)
MAX_CALLS_PER_SECOND = 1000


class CampaignError(ValueError):
    """A campaign request was refused; the message names the field at fault."""


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


def create_campaign(session: Session, spec: CampaignSpec, created_by: str, defaults, now: dt.datetime) -> Campaign:  # type: ignore[no-untyped-def]
    """Validate and store a draft campaign. Commits. `defaults` are the settings (calls per second, attempts)."""
    if not NAME_PATTERN.match(spec.name or ""):
        raise CampaignError("name: letters, digits, spaces and . _ : - (at most 100 characters)")
    if session.scalar(select(Campaign.id).where(Campaign.name == spec.name)) is not None:
        raise CampaignError(f"name: a campaign named {spec.name!r} already exists")
    cps = spec.calls_per_second if spec.calls_per_second is not None else defaults.campaign_calls_per_second
    if not 1 <= cps <= min(MAX_CALLS_PER_SECOND, defaults.account_calls_per_second):
        raise CampaignError(
            f"calls_per_second: must be between 1 and the account's {defaults.account_calls_per_second}"
        )
    attempts = spec.max_attempts if spec.max_attempts is not None else defaults.campaign_max_attempts
    if not 1 <= attempts <= 10:
        raise CampaignError("max_attempts: must be between 1 and 10")
    retry = _retry_minutes(spec.retry_minutes)
    _check_selection(spec.selection)
    campaign = Campaign(
        name=spec.name,
        status="draft",
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
    session.commit()
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
    """A campaign by id or by name; LookupError if there is none."""
    text_reference = str(reference)
    campaign = session.get(Campaign, int(text_reference)) if text_reference.isdigit() else None
    campaign = campaign or session.scalar(select(Campaign).where(Campaign.name == text_reference))
    if campaign is None:
        raise LookupError(f"no campaign {reference!r}")
    return campaign


def pause(session: Session, campaign_id: int, now: dt.datetime) -> Campaign:
    """Stop placing calls: queued attempts go back to planned at once; a job that already claimed one checks
    again right before calling, so nothing is placed a moment after this commits. Commits."""
    campaign = _transition(session, campaign_id, {"running"}, "paused", paused_at=now)
    session.execute(
        update(CallAttempt).where(CallAttempt.campaign_id == campaign_id, CallAttempt.state == "queued")
        .values(state="planned", queued_at=None)
    )
    session.commit()
    return campaign


def resume(session: Session, campaign_id: int, now: dt.datetime) -> Campaign:
    """Let the dispatcher queue the campaign's due attempts again. Commits."""
    campaign = _transition(session, campaign_id, {"paused"}, "running")
    session.commit()
    return campaign


def cancel(session: Session, campaign_id: int, now: dt.datetime) -> Campaign:
    """End the campaign: every call not yet placed is cancelled; calls already ringing finish. Commits."""
    campaign = _transition(session, campaign_id, {"draft", "running", "paused"}, "cancelled", cancelled_at=now)
    session.execute(
        update(CallAttempt).where(CallAttempt.campaign_id == campaign_id, CallAttempt.state.in_(("planned", "queued")))
        .values(state="cancelled", queued_at=None)
    )
    session.execute(
        update(CampaignCase).where(CampaignCase.campaign_id == campaign_id, CampaignCase.state == "active")
        .values(state="cancelled", closed_at=now)
    )
    session.commit()
    return campaign


def complete_finished(session: Session, now: dt.datetime) -> list[int]:
    """Mark running campaigns with no attempt left to place or finish as completed. Commits."""
    finished = session.scalars(
        select(Campaign.id).where(
            Campaign.status == "running",
            ~select(CallAttempt.id).where(
                CallAttempt.campaign_id == Campaign.id,
                CallAttempt.state.in_(("planned", "queued", "dialing", "placed")),
            ).exists(),
        ).order_by(Campaign.id).with_for_update(skip_locked=True)  # the campaign row first, as cancel does
    ).all()
    if finished:
        session.execute(
            update(CampaignCase).where(CampaignCase.campaign_id.in_(finished), CampaignCase.state == "active")
            .values(state="exhausted", closed_at=now)
        )
        session.execute(
            update(Campaign).where(Campaign.id.in_(finished), Campaign.status == "running")
            .values(status="completed", completed_at=now)
        )
    session.commit()
    return list(finished)


@dataclass
class CampaignStatus:
    """Where a campaign stands: attempts by state and outcome, cases by how they ended, skip reasons."""

    campaign: Campaign
    attempts_by_state: dict[str, int]
    attempts_by_outcome: dict[str, int]
    cases_by_state: dict[str, int]
    skipped_by_reason: dict[str, int]

    @property
    def cases_done(self) -> int:
        """Planned cases whose automated phase is over."""
        return sum(count for state, count in self.cases_by_state.items() if state not in ("active", "skipped"))

    @property
    def progress(self) -> float:
        """Share of planned cases whose automated phase is over (1.0 when done)."""
        planned = self.campaign.cases_planned
        return 1.0 if not planned else min(1.0, self.cases_done / planned)


def campaign_status(session: Session, campaign_id: int) -> CampaignStatus:
    """Counts of one campaign, set-based."""
    campaign = session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None:
        raise LookupError(f"no campaign {campaign_id}")

    def grouped(sql: str) -> dict[str, int]:
        return {key or "": int(count) for key, count in session.execute(text(sql), {"id": campaign_id}).all()}

    return CampaignStatus(
        campaign=campaign,
        attempts_by_state=grouped("SELECT state, COUNT(*) FROM call_attempts WHERE campaign_id = :id GROUP BY state"),
        attempts_by_outcome=grouped(
            "SELECT outcome, COUNT(*) FROM call_attempts WHERE campaign_id = :id AND outcome IS NOT NULL GROUP BY outcome"
        ),
        cases_by_state=grouped("SELECT state, COUNT(*) FROM campaign_cases WHERE campaign_id = :id GROUP BY state"),
        skipped_by_reason=grouped(
            "SELECT skip_reason, COUNT(*) FROM campaign_cases WHERE campaign_id = :id AND state = 'skipped' "
            "GROUP BY skip_reason"
        ),
    )


def _transition(session: Session, campaign_id: int, allowed: set[str], to: str, **values) -> Campaign:  # type: ignore[no-untyped-def]
    campaign = session.get(Campaign, campaign_id, with_for_update=True, populate_existing=True)
    if campaign is None:
        raise LookupError(f"no campaign {campaign_id}")
    if campaign.status not in allowed:
        raise CampaignStateError(f"campaign {campaign.name!r} is {campaign.status}; cannot become {to}")
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
        raise CampaignError(f"{kind}_script: no registered script named {name!r}")
    if script.kind != kind:
        raise CampaignError(f"{kind}_script: {name!r} is a {script.kind} script")
    return script.id


def _retry_minutes(values: dict[str, int | None] | None) -> dict[str, int | None]:
    result: dict[str, int | None] = {}
    allowed = {outcome.value for outcome in RETRYABLE_OUTCOMES}
    for outcome, minutes in (values or {}).items():
        if outcome not in allowed:
            raise CampaignError(f"retry_minutes: {outcome!r} is not one of {', '.join(sorted(allowed))}")
        if minutes is not None and not (isinstance(minutes, int) and 10 <= minutes <= 60 * 24 * 14):
            raise CampaignError(f"retry_minutes.{outcome}: minutes between 10 and 20160, or null to stop")
        result[outcome] = minutes
    return result


def _check_selection(selection: CaseSelection) -> None:
    from contact_service.domain.cases import NoticeStage, TaxpayerType
    from contact_service.domain.us_states import is_known_state

    for value in selection.taxpayer_types:
        if value not in {kind.value for kind in TaxpayerType}:
            raise CampaignError(f"taxpayer_types: {value!r} is not individual, business or estate")
    for value in selection.notice_stages:
        if value not in {stage.value for stage in NoticeStage}:
            raise CampaignError(f"notice_stages: {value!r} is not a notice stage")
    for value in selection.states:
        if not is_known_state(value):
            raise CampaignError(f"states: {value!r} is not a state code")
    low, high = selection.balance_min_cents, selection.balance_max_cents
    if (low is not None and low < 0) or (high is not None and high < 0):
        raise CampaignError("balance band: amounts must not be negative")
    if low is not None and high is not None and low > high:
        raise CampaignError("balance band: the minimum is above the maximum")
