"""The dial job: place one planned call, or learn why not, without ever dialling an attempt twice.

1. Claim (one transaction): the case row is written first, so claims for one case serialize even across
   campaigns; the contact policy is applied to the case as it is now (holds, representative, number, zones,
   and the caps over the case's attempts in every campaign); then a compare-and-set moves the attempt from
   queued to dialing with a claim token. Only the job that wins the compare-and-set may dial.
2. Check again: the campaign still running, no hold arrived, the claim still ours.
3. Wait for a slot in the calls-per-second budgets (the campaign's and the account's, shared in Redis), and
   after a wait of more than RECHECK_AFTER_WAIT_SECONDS check again. Pause, cancel and a new hold
   therefore stop every call not yet placed within a fraction of a second.
4. Ask the provider. A refusal is logged as the call's final event; an unreachable provider either puts the
   attempt back (the request never left) or leaves it dialing for the reconciler to look up (it might have).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.event_log import EventLog
from contact_service.adapters.db.models import (
    CallAttempt,
    Campaign,
    CampaignCase,
    Case,
    CaseHold,
    PhoneNumber,
    Taxpayer,
)
from contact_service.adapters.redis_rate_limiter import RateLimiter
from contact_service.clock import Clock
from contact_service.domain.cases import NoticeStage
from contact_service.domain.contact_policy import WEEK, Action, CaseFacts, ContactPolicy, SkipReason, decide
from contact_service.domain.phone import decode_zones, possible_time_zones
from contact_service.domain.states import AttemptState, CampaignCaseState, CampaignStatus, PhoneStatus
from contact_service.services.telephony import CallRejected, CallRequest, ProviderUnavailable, Telephony
from contact_service.services.webhook_urls import WebhookUrls

log = logging.getLogger(__name__)
RECHECK_AFTER_WAIT_SECONDS = 0.2


class DialResult(StrEnum):
    """What one dial job did."""

    PLACED = "placed"
    NOT_QUEUED = "not_queued"  # someone else has it, or it was already done
    DEFERRED = "deferred"  # outside the window or over a cap: planned again for the next allowed moment
    SKIPPED = "skipped"  # the policy forbids calling this case now (a hold arrived, the number went bad...)
    RELEASED = "released"  # paused, cancelled, or no budget slot in time: put back without dialling
    REJECTED = "rejected"  # the provider refused the call (logged as its final event)
    RETRY_LATER = "retry_later"  # the provider could not be reached; the request never left
    UNCERTAIN = "uncertain"  # the provider may have the call; the reconciler will look it up


@dataclass(frozen=True)
class DialContext:
    """Everything a dial job needs, wired by the bootstrap."""

    sessions: Callable[[], Session]
    telephony: Telephony
    limiter: RateLimiter
    event_log: EventLog
    urls: WebhookUrls
    clock: Clock
    policy: ContactPolicy
    caller_id: str
    ring_timeout_seconds: int
    time_limit_seconds: int
    account_calls_per_second: int
    budget_wait_seconds: float = 5.0
    provider_retry_seconds: float = 30.0


@dataclass(frozen=True)
class _Claim:
    token: str
    campaign_id: int
    calls_per_second: int
    to: str


def dial_attempt(ctx: DialContext, attempt_id: int) -> DialResult:
    """Place the call of one queued attempt, if the policy allows it now."""
    claim = _claim(ctx, attempt_id)
    if isinstance(claim, DialResult):
        return claim
    stopped = _check_again(ctx, attempt_id, claim.token)
    if stopped is not None:
        return stopped
    # The slot is taken last, so that nothing variable (a database round trip) sits between the moment the
    # budget counts the call and the moment the provider receives it: the provider must see the budget too.
    budgets = [(f"campaign:{claim.campaign_id}", claim.calls_per_second), ("account", ctx.account_calls_per_second)]
    waiting_since = time.monotonic()
    if not ctx.limiter.acquire(budgets, timeout=ctx.budget_wait_seconds):
        _release(ctx, attempt_id, claim.token, AttemptState.PLANNED, due_at=ctx.clock.now())
        return DialResult.RELEASED
    if time.monotonic() - waiting_since > RECHECK_AFTER_WAIT_SECONDS:
        # A pause, cancel or hold that arrived during a long wait still stops the call (the slot is lost).
        stopped = _check_again(ctx, attempt_id, claim.token)
        if stopped is not None:
            return stopped
    urls = ctx.urls
    request = CallRequest(
        to=claim.to,
        from_=ctx.caller_id,
        voice_url=urls.voice(attempt_id),
        status_callback_url=urls.status(attempt_id),
        amd_callback_url=urls.amd(attempt_id),
        ring_timeout_seconds=ctx.ring_timeout_seconds,
        time_limit_seconds=ctx.time_limit_seconds,
    )
    try:
        call = ctx.telephony.place_call(request)
    except CallRejected as refused:
        ctx.event_log.append(
            {
                "dedup_key": f"rejected:{attempt_id}",
                "attempt_id": attempt_id,
                "kind": "status",
                "call_status": "failed",
                "error_code": refused.code,
                "received_at": ctx.clock.now(),
            }
        )
        log.info("attempt %s: the provider refused the call (%s)", attempt_id, refused)
        return DialResult.REJECTED
    except ProviderUnavailable as trouble:
        if trouble.maybe_placed:
            log.warning("attempt %s: the provider may have the call (%s); left for the reconciler", attempt_id, trouble)
            return DialResult.UNCERTAIN
        _release(
            ctx,
            attempt_id,
            claim.token,
            AttemptState.PLANNED,
            due_at=ctx.clock.now() + ctx.clock.simulated(ctx.provider_retry_seconds),
        )
        log.warning("attempt %s: provider unreachable (%s); planned again", attempt_id, trouble)
        return DialResult.RETRY_LATER
    now = ctx.clock.now()
    with ctx.sessions() as session:
        attempt = session.get(CallAttempt, attempt_id, with_for_update=True, populate_existing=True)
        if attempt is not None:
            attempt.call_sid = attempt.call_sid or call.sid
            attempt.placed_at = attempt.placed_at or now
            if attempt.state == AttemptState.DIALING:
                attempt.state = AttemptState.PLACED
        session.commit()
    return DialResult.PLACED


def _claim(ctx: DialContext, attempt_id: int) -> _Claim | DialResult:
    now = ctx.clock.now()
    with ctx.sessions() as session:
        row = session.execute(
            select(CallAttempt, Campaign.id, Campaign.status, Campaign.calls_per_second)
            .join(Campaign, Campaign.id == CallAttempt.campaign_id)
            .where(CallAttempt.id == attempt_id)
        ).first()
        if row is None or row[0].state != AttemptState.QUEUED:
            return DialResult.NOT_QUEUED
        attempt, campaign_id, status, calls_per_second = row
        if status != CampaignStatus.RUNNING:
            back = AttemptState.PLANNED if status == CampaignStatus.PAUSED else AttemptState.CANCELLED
            session.execute(
                update(CallAttempt)
                .where(CallAttempt.id == attempt_id, CallAttempt.state == AttemptState.QUEUED)
                .values(state=back, queued_at=None)
            )
            session.commit()
            return DialResult.RELEASED
        # Written first: the row lock makes claims for one case wait for each other (caps across campaigns).
        session.execute(update(Case).where(Case.id == attempt.case_id).values(last_attempt_at=Case.last_attempt_at))
        facts = _case_facts(session, attempt)
        history = [
            moment
            for moment in session.scalars(
                select(CallAttempt.dialing_at).where(
                    CallAttempt.case_id == attempt.case_id,
                    CallAttempt.dialing_at.is_not(None),
                    CallAttempt.dialing_at > now - WEEK,
                    CallAttempt.id != attempt_id,
                )
            )
            if moment is not None
        ]
        decision = decide(facts, history, now, ctx.policy)
        if decision.action is Action.SKIP:
            _skip(session, attempt, decision.reason, now)
            session.commit()
            return DialResult.SKIPPED
        if decision.action is Action.DEFER:
            session.execute(
                update(CallAttempt)
                .where(CallAttempt.id == attempt_id, CallAttempt.state == AttemptState.QUEUED)
                .values(state=AttemptState.PLANNED, due_at=decision.until, queued_at=None)
            )
            session.commit()
            return DialResult.DEFERRED
        token = uuid.uuid4().hex
        won = session.scalar(
            update(CallAttempt)
            .where(CallAttempt.id == attempt_id, CallAttempt.state == AttemptState.QUEUED)
            .values(state=AttemptState.DIALING, dialing_at=now, dial_claim=token)
            .returning(CallAttempt.id)
        )
        if won is None:
            session.rollback()
            return DialResult.NOT_QUEUED
        session.execute(update(Case).where(Case.id == attempt.case_id).values(last_attempt_at=now))
        session.commit()
        return _Claim(token, campaign_id, calls_per_second, attempt.to_e164)


def _case_facts(session: Session, attempt: CallAttempt) -> CaseFacts:
    case, state, phone_status, phone_primary, zones_text = session.execute(
        select(Case, Taxpayer.state, PhoneNumber.status, PhoneNumber.is_primary, PhoneNumber.zones)
        .join(Taxpayer, Taxpayer.id == Case.taxpayer_id)
        .join(PhoneNumber, PhoneNumber.id == attempt.phone_number_id)
        .where(Case.id == attempt.case_id)
    ).one()
    held = session.scalar(select(exists().where(and_(CaseHold.case_id == case.id, CaseHold.released_at.is_(None)))))
    return CaseFacts(
        has_active_hold=bool(held),
        poa_on_file=case.poa_on_file,
        notice_stage=NoticeStage(case.notice_stage),
        last_notice_on=case.last_notice_on,
        balance_cents=case.balance_cents,
        phone_callable=phone_status == PhoneStatus.ACTIVE and bool(phone_primary),
        zones=possible_time_zones(decode_zones(zones_text), state),
    )


def _skip(session: Session, attempt: CallAttempt, reason: SkipReason | None, now: dt.datetime) -> None:
    session.execute(
        update(CallAttempt)
        .where(CallAttempt.id == attempt.id, CallAttempt.state.in_((AttemptState.QUEUED, AttemptState.DIALING)))
        .values(
            state=AttemptState.SKIPPED,
            skip_reason=reason.value if reason else None,
            queued_at=None,
            dialing_at=None,
            dial_claim=None,
        )
    )
    session.execute(
        update(CampaignCase)
        .where(
            CampaignCase.campaign_id == attempt.campaign_id,
            CampaignCase.case_id == attempt.case_id,
            CampaignCase.state == CampaignCaseState.ACTIVE,
        )
        .values(state=CampaignCaseState.SKIPPED, skip_reason=reason.value if reason else None, closed_at=now)
    )


def _check_again(ctx: DialContext, attempt_id: int, token: str) -> DialResult | None:
    """None if the call may go ahead this instant; else the attempt is put back and the reason returned."""
    with ctx.sessions() as session:
        row = session.execute(
            select(
                CallAttempt,
                Campaign.status,
                exists().where(and_(CaseHold.case_id == CallAttempt.case_id, CaseHold.released_at.is_(None))),
                Case.last_response_at >= Campaign.launched_at,
            )
            .join(Campaign, Campaign.id == CallAttempt.campaign_id)
            .join(Case, Case.id == CallAttempt.case_id)
            .where(CallAttempt.id == attempt_id)
        ).first()
        if row is None or row[0].state != AttemptState.DIALING or row[0].dial_claim != token:
            return DialResult.NOT_QUEUED
        attempt, status, held, responded = row
        if held or responded:
            _skip(session, attempt, SkipReason.HOLD if held else SkipReason.RESPONDED, ctx.clock.now())
            session.commit()
            return DialResult.SKIPPED
        if status == CampaignStatus.RUNNING:
            return None
    _release(
        ctx, attempt_id, token, AttemptState.PLANNED if status == CampaignStatus.PAUSED else AttemptState.CANCELLED
    )
    return DialResult.RELEASED


def _release(
    ctx: DialContext, attempt_id: int, token: str, state: AttemptState, due_at: dt.datetime | None = None
) -> None:
    """Put a claimed attempt back without dialling: it never counted as an attempt."""
    values: dict[str, object] = {"state": state, "dialing_at": None, "dial_claim": None, "queued_at": None}
    if due_at is not None:
        values["due_at"] = due_at
    with ctx.sessions() as session:
        session.execute(
            update(CallAttempt)
            .where(
                CallAttempt.id == attempt_id,
                CallAttempt.state == AttemptState.DIALING,
                CallAttempt.dial_claim == token,
            )
            .values(**values)
        )
        session.commit()
