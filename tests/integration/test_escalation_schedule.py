"""The escalation sweep on a schedule: RQ's cron scheduler enqueues it, a worker in burst mode runs it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallListEntry
from tests.conftest import DEFAULT_NOW
from tests.factories import end_in_campaign, make_campaign, make_case
from workers.rq_worker import run_worker
from workers.scheduler import build_scheduler


def test_the_scheduled_sweep_lists_cases_once_however_often_it_runs(api_container, pg_engine) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine) as session:
        campaign = make_campaign(session, "ended", launched_at=DEFAULT_NOW - dt.timedelta(days=20))
        for number in range(3):
            end_in_campaign(
                session,
                campaign,
                make_case(session, case_number=f"SCHED-{number}"),
                "exhausted",
                closed_at=DEFAULT_NOW - dt.timedelta(days=1),
            )
        session.commit()
    scheduler = build_scheduler(api_container)
    assert [job.name for job in scheduler.enqueue_jobs()] == ["escalation-sweep"]
    assert run_worker(api_container, ["default"], burst=True) is True
    with Session(pg_engine) as session:
        assert session.scalar(select(func.count()).select_from(CallListEntry)) == 3
    # A second scheduler (or a restart) enqueues it again: nothing is listed twice.
    build_scheduler(api_container).enqueue_jobs()
    run_worker(api_container, ["default"], burst=True)
    with Session(pg_engine) as session:
        assert session.scalar(select(func.count()).select_from(CallListEntry)) == 3
