"""After a call ends: the next attempt, or the end of the case's automated phase (real PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.engine import single_statement_engine
from contact_service.adapters.db.event_log import EventLog
from contact_service.adapters.db.models import CallAttempt, CampaignCase, PhoneNumber
from contact_service.config import load_settings
from contact_service.domain.contact_policy import ContactPolicy
from contact_service.services import campaign_launch, campaigns
from contact_service.services.call_settlement import settle_all
from contact_service.services.campaign_launch import CaseSelection
from contact_service.services.campaigns import CampaignSpec
from contact_service.services.follow_ups import plan_follow_ups
from tests.factories import make_case

NOON_NY = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)
POLICY = ContactPolicy()
_serial = itertools.count(1)


def campaign_with_one_case(engine: Engine, **spec) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with Session(engine, expire_on_commit=False) as session:
        case = make_case(session, case_number=f"F-{next(_serial)}", phone=f"(212) 555-{next(_serial) + 500:04d}")
        session.commit()
        campaign = campaigns.create_campaign(
            session,
            CampaignSpec(
                name=f"follow {next(_serial)}", selection=CaseSelection(case_numbers=(case.case_number,)), **spec
            ),
            "t",
            load_settings(environ={}),
            NOW_LAUNCH,
        )
        campaign_launch.launch(session, campaign.id, POLICY, NOW_LAUNCH)
        session.commit()
        return campaign.id, case.id


NOW_LAUNCH = NOON_NY


def end_current_attempt(engine: Engine, campaign_id: int, status: str, when: dt.datetime, **extra) -> CallAttempt:  # type: ignore[no-untyped-def]
    """Mark the newest attempt dialled, log its final callback, and settle (planning follow-ups)."""
    with Session(engine, expire_on_commit=False) as session:
        attempt = session.scalars(
            select(CallAttempt)
            .where(CallAttempt.campaign_id == campaign_id)
            .order_by(CallAttempt.attempt_number.desc())
        ).first()
        sid = f"CA{attempt.id:032d}"
        session.execute(
            update(CallAttempt)
            .where(CallAttempt.id == attempt.id)
            .values(state="placed", call_sid=sid, dialing_at=when, placed_at=when)
        )
        session.commit()
    log = EventLog(single_statement_engine(engine))
    for key, values in extra.pop("events", {}).items():
        log.append(
            {"dedup_key": f"{key}:{sid}", "attempt_id": attempt.id, "call_sid": sid, "received_at": when, **values}
        )
    log.append(
        {
            "dedup_key": f"status:{sid}:9",
            "attempt_id": attempt.id,
            "call_sid": sid,
            "kind": "status",
            "call_status": status,
            "received_at": when,
            **extra,
        }
    )
    with Session(engine) as session:
        settle_all(session, when, on_ended=lambda s, ended, now: plan_follow_ups(s, ended, POLICY, now))
    return attempt


def attempts(engine: Engine, campaign_id: int) -> list[tuple]:  # type: ignore[type-arg]
    with Session(engine) as session:
        return session.execute(
            select(CallAttempt.attempt_number, CallAttempt.state, CallAttempt.outcome, CallAttempt.due_at)
            .where(CallAttempt.campaign_id == campaign_id)
            .order_by(CallAttempt.attempt_number)
        ).all()


def case_result(engine: Engine, campaign_id: int) -> tuple:  # type: ignore[type-arg]
    with Session(engine) as session:
        return session.execute(
            select(CampaignCase.state, CampaignCase.attempts_made, CampaignCase.last_outcome).where(
                CampaignCase.campaign_id == campaign_id
            )
        ).one()


def test_busy_is_tried_again_after_an_hour_at_the_next_open_moment(pg_engine: Engine) -> None:
    campaign_id, _ = campaign_with_one_case(pg_engine)
    end_current_attempt(pg_engine, campaign_id, "busy", NOON_NY, sip_code=486)
    assert attempts(pg_engine, campaign_id)[1] == (2, "planned", None, NOON_NY + dt.timedelta(hours=1))
    assert case_result(pg_engine, campaign_id) == ("active", 1, "busy")
    # Busy again at 20:30 in New York: an hour later is after hours, so the next morning at 8:00.
    end_current_attempt(pg_engine, campaign_id, "busy", dt.datetime(2026, 12, 2, 1, 30, tzinfo=dt.UTC), sip_code=486)
    assert attempts(pg_engine, campaign_id)[2][3] == dt.datetime(2026, 12, 2, 13, 0, tzinfo=dt.UTC)


def test_a_voicemail_ends_the_automated_phase_to_wait_for_a_callback(pg_engine: Engine) -> None:
    campaign_id, _ = campaign_with_one_case(pg_engine)
    end_current_attempt(
        pg_engine,
        campaign_id,
        "completed",
        NOON_NY,
        answered_by="machine_end_beep",
        events={"voice": {"kind": "voice", "detail": "voicemail"}},
    )
    assert [a[:3] for a in attempts(pg_engine, campaign_id)] == [(1, "ended", "voicemail_left")]
    assert case_result(pg_engine, campaign_id) == ("voicemail_left", 1, "voicemail_left")


def test_attempts_run_out_at_the_campaigns_maximum(pg_engine: Engine) -> None:
    campaign_id, _ = campaign_with_one_case(pg_engine, max_attempts=2)
    end_current_attempt(pg_engine, campaign_id, "no-answer", NOON_NY)
    end_current_attempt(pg_engine, campaign_id, "no-answer", NOON_NY + dt.timedelta(days=1))
    assert len(attempts(pg_engine, campaign_id)) == 2
    assert case_result(pg_engine, campaign_id) == ("exhausted", 2, "no_answer")


def test_a_disconnected_number_is_not_called_again(pg_engine: Engine) -> None:
    campaign_id, _ = campaign_with_one_case(pg_engine)
    end_current_attempt(pg_engine, campaign_id, "failed", NOON_NY, sip_code=404)
    assert len(attempts(pg_engine, campaign_id)) == 1
    assert case_result(pg_engine, campaign_id) == ("bad_number", 1, "failed")


def test_a_reached_person_is_not_called_again_by_the_campaign(pg_engine: Engine) -> None:
    campaign_id, _ = campaign_with_one_case(pg_engine)
    end_current_attempt(pg_engine, campaign_id, "completed", NOON_NY, answered_by="human")
    assert len(attempts(pg_engine, campaign_id)) == 1
    assert case_result(pg_engine, campaign_id) == ("reached", 1, "reached")


def test_a_cancelled_campaign_plans_nothing_more(pg_engine: Engine) -> None:
    campaign_id, _ = campaign_with_one_case(pg_engine)
    with Session(pg_engine) as session:
        campaigns.cancel(session, campaign_id, NOON_NY)
        session.commit()
    end_current_attempt(pg_engine, campaign_id, "busy", NOON_NY, sip_code=486)
    assert len(attempts(pg_engine, campaign_id)) == 1
    assert case_result(pg_engine, campaign_id)[0] == "cancelled"


def test_the_retry_goes_to_the_number_now_on_file(pg_engine: Engine) -> None:
    campaign_id, case_id = campaign_with_one_case(pg_engine)
    with Session(pg_engine) as session:
        taxpayer_id = session.scalar(
            select(PhoneNumber.taxpayer_id)
            .join(CallAttempt, CallAttempt.phone_number_id == PhoneNumber.id)
            .where(CallAttempt.case_id == case_id)
        )
        session.execute(update(PhoneNumber).where(PhoneNumber.taxpayer_id == taxpayer_id).values(is_primary=False))
        session.add(
            PhoneNumber(
                taxpayer_id=taxpayer_id,
                e164="+12125559999",
                zones="America/New_York",
                is_primary=True,
                status="active",
                created_at=NOON_NY,
            )
        )
        session.commit()
    end_current_attempt(pg_engine, campaign_id, "busy", NOON_NY, sip_code=486)
    with Session(pg_engine) as session:
        assert (
            session.scalar(
                select(CallAttempt.to_e164).where(
                    CallAttempt.campaign_id == campaign_id, CallAttempt.attempt_number == 2
                )
            )
            == "+12125559999"
        )
