"""The dispatcher's queueing duty: move due attempts of running campaigns into RQ, a couple of seconds of each
campaign's budget at a time and never past the cap on calls in progress. Workers take the budget's slots."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, Campaign
from contact_service.adapters.rq_queue import CallQueue
from contact_service.domain.states import IN_FLIGHT, AttemptState, CampaignStatus

QUEUE_AHEAD_SECONDS = 2


def queue_due_attempts(session: Session, queue: CallQueue, now: dt.datetime, max_in_progress: int) -> int:
    """Queue due attempts; returns how many went into RQ. Commits before enqueueing, so a job never runs
    for an attempt the database does not show as queued."""
    in_flight = session.scalar(select(func.count()).select_from(CallAttempt).where(CallAttempt.state.in_(IN_FLIGHT)))
    room = max_in_progress - (in_flight or 0)
    if room <= 0:
        return 0
    campaigns = session.execute(
        select(Campaign.id, Campaign.calls_per_second)
        .where(Campaign.status == CampaignStatus.RUNNING)
        .order_by(Campaign.id)
    ).all()
    total = 0
    for campaign_id, calls_per_second in campaigns:
        queued = (
            session.scalar(
                select(func.count())
                .select_from(CallAttempt)
                .where(CallAttempt.campaign_id == campaign_id, CallAttempt.state == AttemptState.QUEUED)
            )
            or 0
        )
        want = min(room, calls_per_second * QUEUE_AHEAD_SECONDS - queued)
        if want <= 0:
            continue
        # Two statements, not UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE): PostgreSQL may run that
        # subquery once per candidate row (a nested-loop semi-join), and a LIMIT rescanned that way limits
        # nothing: the whole campaign was queued in one round, past the cap on calls in progress.
        due = session.scalars(
            select(CallAttempt.id)
            .where(
                CallAttempt.state == AttemptState.PLANNED,
                CallAttempt.campaign_id == campaign_id,
                CallAttempt.due_at <= now,
            )
            .order_by(CallAttempt.due_at, CallAttempt.id)
            .limit(want)
            # Another dispatcher's rows are skipped, not waited for (SQLite has no row locks and renders
            # nothing here: one writer at a time already).
            .with_for_update(skip_locked=True)
        ).all()
        ids = (
            session.scalars(
                update(CallAttempt)
                .where(CallAttempt.id.in_(due), CallAttempt.state == AttemptState.PLANNED)
                .values(state=AttemptState.QUEUED, queued_at=now)
                .returning(CallAttempt.id)
            ).all()
            if due
            else []
        )
        session.commit()
        if ids:
            queue.enqueue_dials(ids)
            total += len(ids)
            room -= len(ids)
        if room <= 0:
            break
    return total
