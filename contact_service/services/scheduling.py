"""The dispatcher's queueing duty: move due attempts of running campaigns into RQ, a couple of seconds of each
campaign's budget at a time and never past the cap on calls in progress. Workers take the budget's slots."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import Campaign, CallAttempt
from contact_service.adapters.rq_queue import CallQueue

QUEUE_AHEAD_SECONDS = 2
IN_FLIGHT = ("queued", "dialing", "placed")


def queue_due_attempts(session: Session, queue: CallQueue, now: dt.datetime, max_in_progress: int) -> int:
    """Queue due attempts; returns how many went into RQ. Commits before enqueueing, so a job never runs
    for an attempt the database does not show as queued."""
    in_flight = session.scalar(select(func.count()).select_from(CallAttempt).where(CallAttempt.state.in_(IN_FLIGHT)))
    room = max_in_progress - (in_flight or 0)
    if room <= 0:
        return 0
    campaigns = session.execute(
        select(Campaign.id, Campaign.calls_per_second).where(Campaign.status == "running").order_by(Campaign.id)
    ).all()
    postgres = session.get_bind().dialect.name == "postgresql"
    total = 0
    for campaign_id, calls_per_second in campaigns:
        queued = session.scalar(select(func.count()).select_from(CallAttempt).where(
            CallAttempt.campaign_id == campaign_id, CallAttempt.state == "queued")) or 0
        want = min(room, calls_per_second * QUEUE_AHEAD_SECONDS - queued)
        if want <= 0:
            continue
        due = (
            select(CallAttempt.id)
            .where(CallAttempt.state == "planned", CallAttempt.campaign_id == campaign_id, CallAttempt.due_at <= now)
            .order_by(CallAttempt.due_at, CallAttempt.id)
            .limit(want)
        )
        if postgres:
            due = due.with_for_update(skip_locked=True)
        ids = session.scalars(
            update(CallAttempt).where(CallAttempt.id.in_(due.scalar_subquery()), CallAttempt.state == "planned")
            .values(state="queued", queued_at=now).returning(CallAttempt.id)
        ).all()
        session.commit()
        if ids:
            queue.enqueue_dials(ids)
            total += len(ids)
            room -= len(ids)
        if room <= 0:
            break
    return total
