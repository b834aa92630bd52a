"""The dispatcher queues a couple of seconds of a campaign's budget at a time, never past the cap on calls in
progress (found by the leader-kill fault test: on PostgreSQL one round queued the whole campaign, because a
LIMIT inside `id IN (SELECT ... FOR UPDATE SKIP LOCKED)` is rescanned per row and limits nothing)."""

from __future__ import annotations

import pytest
from redis import Redis
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.engine import session_factory
from contact_service.adapters.db.models import CallAttempt
from contact_service.adapters.rq_queue import CallQueue
from contact_service.clock import FixedClock
from contact_service.domain.contact_policy import ContactPolicy
from contact_service.services import campaign_launch, campaigns
from contact_service.services.campaign_launch import CaseSelection
from contact_service.services.campaigns import CampaignSpec
from contact_service.services.scheduling import QUEUE_AHEAD_SECONDS, queue_due_attempts
from tests.factories import make_case
from tests.integration.test_dialing import NOON_NY, SETTINGS


def running_campaign(engine: Engine, cases: int, calls_per_second: int) -> None:
    clock = FixedClock(NOON_NY)
    with Session(engine, expire_on_commit=False) as session:
        for index in range(cases):
            make_case(session, case_number=f"QB-{index:03d}", phone=f"(212) 555-1{index:03d}")
        session.commit()
        selection = CaseSelection(case_numbers=tuple(f"QB-{index:03d}" for index in range(cases)))
        spec = CampaignSpec(name="bounds", selection=selection, calls_per_second=calls_per_second)
        campaign = campaigns.create_campaign(session, spec, "t", SETTINGS, clock.now())
        campaign_launch.launch(session, campaign.id, ContactPolicy(), clock.now())
        session.commit()


def queued(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).where(CallAttempt.state == "queued")) or 0


@pytest.mark.parametrize(("max_in_progress", "expected"), [(500, 5 * QUEUE_AHEAD_SECONDS), (4, 4)])
def test_one_round_queues_two_seconds_of_budget_within_the_cap(
    engine: Engine, redis_client: Redis, max_in_progress: int, expected: int
) -> None:
    running_campaign(engine, cases=30, calls_per_second=5)
    queue = CallQueue(redis_client)
    with session_factory(engine)() as session:
        assert queue_due_attempts(session, queue, NOON_NY, max_in_progress) == expected
    assert queued(engine) == expected == queue.depth()
    with session_factory(engine)() as session:  # the budget is queued: the next round adds nothing
        assert queue_due_attempts(session, queue, NOON_NY, max_in_progress) == 0
