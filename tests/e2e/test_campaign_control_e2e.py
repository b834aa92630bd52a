"""Campaign control and the contact rules, end to end on the whole deployment (see campaign_harness)."""

from __future__ import annotations

import datetime as dt
import itertools
import time

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, Case, CaseHold
from contact_service.domain.states import CampaignStatus
from contact_service.read import campaigns as read_campaigns
from contact_service.use_cases import campaigns as campaign_actions
from contact_service.use_cases.campaigns import CaseSelection
from tests.e2e.campaign_harness import MONDAY_MORNING, OPERATOR, deployment
from tests.e2e.test_campaign_e2e import assert_every_dial_inside_the_window_and_caps
from tests.factories import make_case


def make_cases(engine: Engine, prefix: str, count: int, area: str = "212", state: str = "NY") -> list[str]:
    numbers = []
    with Session(engine) as session:
        for index in range(count):
            number = f"+1{area}555{index + 100:04d}"
            make_case(session, case_number=f"{prefix}-{index}", phone=number, state=state)
            numbers.append(number)
        session.commit()
    return numbers


def planned_attempts_once_settled(engine: Engine, case_number: str, timeout: float = 10) -> list[dt.datetime]:
    """Due times of the case's planned attempts, once none is mid-way through the queue (a due attempt is
    queued, then deferred back to planned by the dial job that finds the cap reached)."""
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as session:
            states = session.execute(
                select(CallAttempt.state, CallAttempt.due_at)
                .join(Case, Case.id == CallAttempt.case_id)
                .where(Case.case_number == case_number)
            ).all()
        if not any(state in ("queued", "dialing") for state, _ in states) or time.monotonic() > deadline:
            return [due for state, due in states if state == "planned"]
        time.sleep(0.1)


def calls_created(system) -> int:  # type: ignore[no-untyped-def]
    return len(system.simulator.calls())


def test_pause_resume_and_cancel_take_effect_within_a_second(pg_engine: Engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    make_cases(pg_engine, "PRC", 40)
    with deployment(pg_engine) as system:
        campaign = system.create_and_launch("pause resume cancel", calls_per_second=3)
        deadline = time.monotonic() + 60
        while calls_created(system) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        campaign_actions.pause_campaign(system.container.unit_of_work(), OPERATOR, campaign.id)
        time.sleep(1.0)
        after_pause = calls_created(system)
        time.sleep(3.0)
        assert calls_created(system) == after_pause, "calls were placed more than a second after the pause"
        campaign_actions.resume_campaign(system.container.unit_of_work(), OPERATOR, campaign.id)
        deadline = time.monotonic() + 60
        while calls_created(system) < after_pause + 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert calls_created(system) >= after_pause + 6, "resume did not restart calling"
        campaign_actions.cancel_campaign(system.container.unit_of_work(), OPERATOR, campaign.id)
        time.sleep(1.0)
        after_cancel = calls_created(system)
        time.sleep(3.0)
        assert calls_created(system) == after_cancel, "calls were placed more than a second after the cancel"
        assert after_cancel < 40
        system.simulator.wait_until_idle(20)
    with Session(pg_engine) as session:
        states = dict(
            session.execute(
                select(CallAttempt.state, CallAttempt.id).where(CallAttempt.campaign_id == campaign.id)
            ).all()
        )
        leftover = session.scalars(
            select(CallAttempt.state).where(
                CallAttempt.campaign_id == campaign.id, CallAttempt.state.in_(("planned", "queued", "dialing"))
            )
        ).all()
        cancelled = session.scalars(
            select(CallAttempt.id).where(CallAttempt.campaign_id == campaign.id, CallAttempt.state == "cancelled")
        ).all()
    assert leftover == [] and len(cancelled) == 40 - after_cancel, states


def test_a_hold_added_mid_campaign_stops_the_next_call(pg_engine: Engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    (held, other) = make_cases(pg_engine, "HOLD", 2)
    with deployment(pg_engine) as system:
        system.configure_numbers({held: ["busy", "human"], other: ["busy", "human"]})
        campaign = system.create_and_launch("hold mid campaign")
        deadline = time.monotonic() + 30
        while len([c for c in system.simulator.calls() if c["status"] == "busy"]) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        with Session(pg_engine) as session:
            case_id = session.scalar(select(Case.id).where(Case.case_number == "HOLD-0"))
            session.add(CaseHold(case_id=case_id, hold="bankruptcy", source="operator", placed_at=system.clock.now()))
            session.commit()
        system.wait_for(campaign.id, "completed", timeout=120)
        calls = {number: len(system.simulator.calls(to=number)) for number in (held, other)}
    assert calls == {held: 1, other: 2}
    with Session(pg_engine) as session:
        second = session.execute(
            select(CallAttempt.state, CallAttempt.skip_reason)
            .join(Case, Case.id == CallAttempt.case_id)
            .where(Case.case_number == "HOLD-0", CallAttempt.attempt_number == 2)
        ).one()
    assert tuple(second) == ("skipped", "hold")


def test_caps_hold_across_two_overlapping_campaigns(pg_engine: Engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    (number,) = make_cases(pg_engine, "CAP", 1)
    # Four simulated hours a second: a simulated week in 42 real seconds.
    with deployment(pg_engine, speed=14400) as system:
        system.configure_numbers({number: ["busy"]})
        first = system.create_and_launch("caps one", selection=CaseSelection(case_numbers=("CAP-0",)), max_attempts=3)
        second = system.create_and_launch("caps two", selection=CaseSelection(case_numbers=("CAP-0",)), max_attempts=3)
        # Wait until the three calls the caps allow in a week have happened, then a little more.
        deadline = time.monotonic() + 90
        while len(system.simulator.calls(to=number)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(5)  # ~20 more simulated hours: long enough for a cap violation to show
        waiting = planned_attempts_once_settled(pg_engine, "CAP-0")
        for campaign in (first, second):
            with system.container.sessions() as session:
                running = read_campaigns.find_campaign(session, campaign.id).status == CampaignStatus.RUNNING
            if running:
                campaign_actions.cancel_campaign(system.container.unit_of_work(), OPERATOR, campaign.id)
        system.simulator.wait_until_idle(20)
    with Session(pg_engine) as session:
        dialled = session.scalars(
            select(CallAttempt)
            .join(Case, Case.id == CallAttempt.case_id)
            .where(Case.case_number == "CAP-0", CallAttempt.dialing_at.is_not(None))
            .order_by(CallAttempt.dialing_at)
        ).all()
    moments = [attempt.dialing_at for attempt in dialled]
    assert len(moments) == 3 == len(system.simulator.calls(to=number)), moments
    # The cap counted every campaign's attempts: the next one waits for the first to leave the 7-day window.
    assert waiting and all(due >= moments[0] + dt.timedelta(days=7) for due in waiting), (moments, waiting)
    assert all(b - a >= dt.timedelta(days=1) for a, b in itertools.pairwise(moments)), moments
    assert_every_dial_inside_the_window_and_caps(pg_engine, list(dialled))


def test_the_window_of_every_zone_in_two_zone_states_and_out_of_zone_numbers(pg_engine: Engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "TX": ("+12145550501", "TX"),
        "FL": ("+13055550502", "FL"),
        "NY-in-CA": ("+12125550503", "CA"),
        "AK": ("+19075550504", "AK"),
        "HI": ("+18085550505", "HI"),
        "GU": ("+16715550506", "GU"),
    }
    with Session(pg_engine) as session:
        for name, (number, state) in cases.items():
            make_case(session, case_number=f"W-{name}", phone=number, state=state)
        session.commit()
    # Start at 6:00 in New York, before any of these zones opens.
    start = MONDAY_MORNING - dt.timedelta(hours=3)
    with deployment(pg_engine, start=start) as system:
        campaign = system.create_and_launch("windows")
        system.wait_for(campaign.id, "completed", timeout=120)
    with Session(pg_engine) as session:
        dialled = dict(
            session.execute(
                select(Case.case_number, CallAttempt.dialing_at)
                .join(Case, Case.id == CallAttempt.case_id)
                .where(CallAttempt.campaign_id == campaign.id)
            ).all()
        )
        attempts = session.scalars(select(CallAttempt).where(CallAttempt.campaign_id == campaign.id)).all()
    # Never before 8:00 in the later zone of each two-zone place.
    assert dialled["W-TX"] >= dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)  # 8:00 Mountain (El Paso)
    assert dialled["W-FL"] >= dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)  # 8:00 Central (Pensacola)
    assert dialled["W-NY-in-CA"] >= dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)  # 8:00 Pacific
    assert dialled["W-AK"] >= dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC)  # 8:00 Hawaii-Aleutian (Adak)
    assert_every_dial_inside_the_window_and_caps(pg_engine, list(attempts))
