"""A campaign end to end: launch -> calls through RQ workers -> outcomes -> retries -> completion.

Real PostgreSQL, Redis, RQ worker processes, the app's webhooks over HTTP and the simulator, on a simulated
clock at 3600x (an hour a second): a campaign spanning days of calling windows finishes in about a minute,
and every rule is read in simulated time, never loosened. (At this speed a simulated answering machine's
minute of patience is 17 real milliseconds, less than a real webhook round trip: voicemail is covered at
realistic speeds in test_telephony_e2e and, for what follows it, in test_follow_ups.)
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, CampaignCase, Case, PhoneNumber, Taxpayer
from contact_service.domain.calling_window import CallingWindow
from contact_service.domain.phone import parse_phone, possible_time_zones
from tests.e2e.campaign_harness import deployment
from tests.factories import make_case

WINDOW = CallingWindow()


def attempts_of(engine: Engine, campaign_id: int) -> list[CallAttempt]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(CallAttempt)
                .where(CallAttempt.campaign_id == campaign_id)
                .order_by(CallAttempt.case_id, CallAttempt.attempt_number)
            )
        )


def case_states(engine: Engine, campaign_id: int) -> dict[str, tuple]:  # type: ignore[type-arg]
    with Session(engine) as session:
        rows = session.execute(
            select(Case.case_number, CampaignCase.state, CampaignCase.skip_reason, CampaignCase.attempts_made)
            .join(Case, Case.id == CampaignCase.case_id)
            .where(CampaignCase.campaign_id == campaign_id)
        ).all()
    return {number: (state, reason, made) for number, state, reason, made in rows}


def assert_every_dial_inside_the_window_and_caps(engine: Engine, attempts: list[CallAttempt]) -> None:
    """Every dialled attempt started inside the window of every zone its taxpayer may be in, and no case was
    dialled twice within 24 hours."""
    with Session(engine) as session:
        zones_of = {
            case_id: possible_time_zones(parse_phone(number).zones, state)
            for case_id, number, state in session.execute(
                select(Case.id, PhoneNumber.e164, Taxpayer.state)
                .join(Taxpayer, Taxpayer.id == Case.taxpayer_id)
                .join(PhoneNumber, PhoneNumber.taxpayer_id == Taxpayer.id)
                .where(Case.id.in_({attempt.case_id for attempt in attempts}))
            )
        }
    by_case = defaultdict(list)
    for attempt in attempts:
        if attempt.dialing_at is not None:
            assert WINDOW.allows(attempt.dialing_at, zones_of[attempt.case_id]), (attempt.id, attempt.dialing_at)
            by_case[attempt.case_id].append(attempt.dialing_at)
    for moments in by_case.values():
        moments.sort()
        assert all(later - earlier >= dt.timedelta(days=1) for earlier, later in itertools.pairwise(moments)), moments


def test_launch_calls_outcomes_retries_and_completion(pg_engine: Engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    numbers = {name: f"+1212555{index:04d}" for index, name in enumerate("ABCDEFG", start=7001)}
    with Session(pg_engine) as session:
        for name, number in numbers.items():
            make_case(
                session,
                case_number=f"E2E-{name}",
                phone=number,
                state="NY",
                hold="bankruptcy" if name == "F" else None,
                poa_on_file=name == "G",
            )
        session.commit()
    with deployment(pg_engine) as system:
        system.configure_numbers(
            {
                numbers["A"]: ["busy", "busy", "human"],
                numbers["B"]: ["no-answer"],
                numbers["C"]: ["busy", "human"],
                numbers["D"]: ["disconnected"],
                numbers["E"]: ["human"],
            }
        )
        campaign = system.create_and_launch("first campaign")
        assert (campaign.cases_selected, campaign.cases_planned, campaign.cases_skipped) == (7, 5, 2)
        system.wait_for(campaign.id, "completed", timeout=240)
        calls_per_number = defaultdict(int)
        for call in system.simulator.calls():
            calls_per_number[call["to"]] += 1
    assert case_states(pg_engine, campaign.id) == {
        "E2E-A": ("reached", None, 3),
        "E2E-B": ("exhausted", None, 3),
        "E2E-C": ("reached", None, 2),
        "E2E-D": ("bad_number", None, 1),
        "E2E-E": ("reached", None, 1),
        "E2E-F": ("skipped", "hold", 0),
        "E2E-G": ("skipped", "representative_on_file", 0),
    }
    attempts = attempts_of(pg_engine, campaign.id)
    # Exactly one provider call per attempt that was dialled, and never a call for a skipped case.
    assert dict(calls_per_number) == {
        numbers["A"]: 3,
        numbers["B"]: 3,
        numbers["C"]: 2,
        numbers["D"]: 1,
        numbers["E"]: 1,
    }
    assert sorted(a.outcome for a in attempts) == sorted(
        ["busy", "busy", "reached", "no_answer", "no_answer", "no_answer", "busy", "reached", "failed", "reached"]
    )
    assert_every_dial_inside_the_window_and_caps(pg_engine, attempts)
