"""The dial job on real PostgreSQL and Redis, with a hand-written provider: every path, and the races."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from redis import Redis
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.engine import session_factory, single_statement_engine
from contact_service.adapters.db.event_log import EventLog
from contact_service.adapters.db.models import CallAttempt, CampaignCase, CaseHold
from contact_service.adapters.redis_rate_limiter import RateLimiter
from contact_service.clock import FixedClock
from contact_service.config import load_settings
from contact_service.domain.access import SYSTEM
from contact_service.domain.contact_policy import ContactPolicy
from contact_service.services import campaign_launch, campaigns, responses
from contact_service.services.call_settlement import settle_all
from contact_service.services.campaign_launch import CaseSelection
from contact_service.services.campaigns import CampaignSpec
from contact_service.services.dialing import RECHECK_AFTER_WAIT_SECONDS, DialContext, DialResult, dial_attempt
from contact_service.services.telephony import CallRejected, CallRequest, ProviderCall, ProviderUnavailable
from contact_service.services.webhook_urls import WebhookUrls
from tests.factories import make_case

NOON_NY = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)
SETTINGS = load_settings(environ={})
_serial = itertools.count(1)


@dataclass
class FakeProvider:
    """Places nothing; remembers every request; can be told to refuse or be unreachable."""

    placed: list[CallRequest] = field(default_factory=list)
    trouble: Exception | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def place_call(self, request: CallRequest) -> ProviderCall:
        if self.trouble:
            raise self.trouble
        with self.lock:
            self.placed.append(request)
            return ProviderCall(sid=f"CA{len(self.placed):032d}", to=request.to, status="queued")

    def fetch_call(self, sid: str) -> ProviderCall | None:
        return None

    def find_calls(self, to, created_after):  # type: ignore[no-untyped-def]
        return []

    def redirect_call(self, sid: str, url: str) -> None:
        pass


class MeddlingLimiter(RateLimiter):
    """The real limiter, with something happening while a job waits for its slot."""

    def __init__(self, redis: Redis, meanwhile: Callable[[], None] | None = None) -> None:
        super().__init__(redis)
        self.meanwhile = meanwhile

    def acquire(self, budgets, timeout):  # type: ignore[no-untyped-def]
        if self.meanwhile:
            self.meanwhile()
            time.sleep(RECHECK_AFTER_WAIT_SECONDS + 0.05)  # a wait long enough to be checked again after
        return super().acquire(budgets, timeout)


def context(engine: Engine, redis: Redis, provider: FakeProvider, clock: FixedClock, limiter=None) -> DialContext:  # type: ignore[no-untyped-def]
    return DialContext(
        sessions=session_factory(engine),
        telephony=provider,
        limiter=limiter or RateLimiter(redis),
        event_log=EventLog(single_statement_engine(engine)),
        urls=WebhookUrls("https://calls.example.gov"),
        clock=clock,
        policy=ContactPolicy(),
        caller_id="+12025550140",
        ring_timeout_seconds=25,
        time_limit_seconds=14400,
        account_calls_per_second=50,
        budget_wait_seconds=2,
    )


def queued_attempt(engine: Engine, clock: FixedClock, **case_fields) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A running campaign over one case whose first attempt is queued; (campaign id, attempt id)."""
    with Session(engine, expire_on_commit=False) as session:
        case = make_case(session, case_number=f"D-{next(_serial)}", **case_fields)
        session.commit()
        campaign = campaigns.create_campaign(
            session,
            CampaignSpec(name=f"dial {next(_serial)}", selection=CaseSelection(case_numbers=(case.case_number,))),
            "t",
            SETTINGS,
            clock.now(),
        )
        campaign_launch.launch(session, campaign.id, ContactPolicy(), clock.now())
        attempt_id = session.scalar(select(CallAttempt.id).where(CallAttempt.campaign_id == campaign.id))
        session.execute(
            update(CallAttempt).where(CallAttempt.id == attempt_id).values(state="queued", queued_at=clock.now())
        )
        session.commit()
        return campaign.id, attempt_id


def row(engine: Engine, attempt_id: int) -> CallAttempt:
    with Session(engine) as session:
        return session.get(CallAttempt, attempt_id)


def test_a_callable_case_is_placed_once_with_its_webhooks(pg_engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    clock, provider = FixedClock(NOON_NY), FakeProvider()
    _, attempt_id = queued_attempt(pg_engine, clock, phone="(212) 555-0401")
    ctx = context(pg_engine, redis_client, provider, clock)
    assert dial_attempt(ctx, attempt_id) is DialResult.PLACED
    assert dial_attempt(ctx, attempt_id) is DialResult.NOT_QUEUED  # a second job for it does nothing
    (request,) = provider.placed
    assert request.to == "+12125550401"
    assert request.voice_url == f"https://calls.example.gov/webhooks/twilio/voice?attempt={attempt_id}"
    assert request.time_limit_seconds == 14400 and request.ring_timeout_seconds == 25
    attempt = row(pg_engine, attempt_id)
    assert (attempt.state, attempt.call_sid, attempt.dialing_at) == ("placed", "CA" + "0" * 31 + "1", NOON_NY)


def test_outside_the_window_the_attempt_waits_for_the_next_opening(pg_engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    clock, provider = FixedClock(NOON_NY), FakeProvider()
    _, attempt_id = queued_attempt(pg_engine, clock, phone="(212) 555-0402")
    clock.advance(dt.timedelta(hours=10))  # 22:00 in New York
    assert dial_attempt(context(pg_engine, redis_client, provider, clock), attempt_id) is DialResult.DEFERRED
    attempt = row(pg_engine, attempt_id)
    assert (attempt.state, attempt.due_at) == ("planned", dt.datetime(2026, 12, 2, 13, 0, tzinfo=dt.UTC))
    assert provider.placed == []


def test_a_hold_that_arrived_after_launch_stops_the_call(pg_engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    clock, provider = FixedClock(NOON_NY), FakeProvider()
    campaign_id, attempt_id = queued_attempt(pg_engine, clock, phone="(212) 555-0403")
    with Session(pg_engine) as session:
        session.add(
            CaseHold(
                case_id=row(pg_engine, attempt_id).case_id, hold="deceased", source="operator", placed_at=clock.now()
            )
        )
        session.commit()
    assert dial_attempt(context(pg_engine, redis_client, provider, clock), attempt_id) is DialResult.SKIPPED
    assert (row(pg_engine, attempt_id).state, row(pg_engine, attempt_id).skip_reason) == ("skipped", "hold")
    with Session(pg_engine) as session:
        assert session.scalar(select(CampaignCase.state).where(CampaignCase.campaign_id == campaign_id)) == "skipped"
    assert provider.placed == []


@pytest.mark.parametrize("what", ["hold", "pause", "cancel", "response"])
def test_whatever_arrives_while_a_job_waits_for_its_slot_stops_the_call(pg_engine, redis_client, what) -> None:  # type: ignore[no-untyped-def]
    clock, provider = FixedClock(NOON_NY), FakeProvider()
    campaign_id, attempt_id = queued_attempt(pg_engine, clock, phone="(212) 555-0404")

    def meanwhile() -> None:
        with Session(pg_engine) as session:
            if what == "hold":
                session.add(
                    CaseHold(
                        case_id=row(pg_engine, attempt_id).case_id,
                        hold="bankruptcy",
                        source="operator",
                        placed_at=clock.now(),
                    )
                )
                session.commit()
            elif what == "pause":
                campaigns.pause(session, campaign_id, clock.now())
            elif what == "response":  # the taxpayer called the official line
                responses.record_response(
                    session, row(pg_engine, attempt_id).case_id, "callback", clock.now(), SYSTEM, clock.now()
                )
            else:
                campaigns.cancel(session, campaign_id, clock.now())
            session.commit()  # the service functions only flush; their callers commit

    ctx = context(pg_engine, redis_client, provider, clock, MeddlingLimiter(redis_client, meanwhile))
    result = dial_attempt(ctx, attempt_id)
    assert provider.placed == []
    attempt = row(pg_engine, attempt_id)
    expected = {
        "hold": ("skipped", DialResult.SKIPPED),
        "response": ("skipped", DialResult.SKIPPED),
        "pause": ("planned", DialResult.RELEASED),
        "cancel": ("cancelled", DialResult.RELEASED),
    }[what]
    assert (attempt.state, result) == expected
    assert attempt.dialing_at is None  # it never counted as an attempt


def test_a_paused_campaigns_queued_attempt_goes_back_to_planned(pg_engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    clock, provider = FixedClock(NOON_NY), FakeProvider()
    campaign_id, attempt_id = queued_attempt(pg_engine, clock, phone="(212) 555-0405")
    with Session(pg_engine) as session:
        campaigns.pause(session, campaign_id, clock.now())
        session.commit()
    assert row(pg_engine, attempt_id).state == "planned"
    assert dial_attempt(context(pg_engine, redis_client, provider, clock), attempt_id) is DialResult.NOT_QUEUED
    assert provider.placed == []


def test_a_refused_call_is_logged_as_failed_and_a_bad_number_marked(pg_engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(NOON_NY)
    provider = FakeProvider(trouble=CallRejected(21211, "Invalid 'To' Phone Number", bad_number=True))
    _, attempt_id = queued_attempt(pg_engine, clock, phone="(212) 555-0406")
    assert dial_attempt(context(pg_engine, redis_client, provider, clock), attempt_id) is DialResult.REJECTED
    with Session(pg_engine) as session:
        settle_all(session, clock.now())
    attempt = row(pg_engine, attempt_id)
    assert (attempt.state, attempt.outcome, attempt.error_code) == ("ended", "failed", 21211)


@pytest.mark.parametrize(("maybe_placed", "state"), [(False, "planned"), (True, "dialing")])
def test_an_unreachable_provider_puts_back_or_leaves_for_the_reconciler(
    pg_engine, redis_client, maybe_placed, state
) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(NOON_NY)
    provider = FakeProvider(trouble=ProviderUnavailable("down", maybe_placed=maybe_placed))
    _, attempt_id = queued_attempt(pg_engine, clock, phone="(212) 555-0407")
    dial_attempt(context(pg_engine, redis_client, provider, clock), attempt_id)
    attempt = row(pg_engine, attempt_id)
    assert attempt.state == state
    if not maybe_placed:
        assert attempt.dialing_at is None and attempt.due_at > clock.now()


def test_jobs_racing_for_one_attempt_place_one_call(pg_engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    clock, provider = FixedClock(NOON_NY), FakeProvider()
    _, attempt_id = queued_attempt(pg_engine, clock, phone="(212) 555-0408")
    ctx = context(pg_engine, redis_client, provider, clock)
    results: list[DialResult] = []
    threads = [threading.Thread(target=lambda: results.append(dial_attempt(ctx, attempt_id))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results).count(DialResult.PLACED) == 1 and len(provider.placed) == 1


def test_two_campaigns_racing_for_one_case_make_one_call(pg_engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    clock, provider = FixedClock(NOON_NY), FakeProvider()
    with Session(pg_engine, expire_on_commit=False) as session:
        make_case(session, case_number="RACE-1", phone="(212) 555-0409")
        session.commit()
        attempts = []
        for name in ("race one", "race two"):
            campaign = campaigns.create_campaign(
                session,
                CampaignSpec(name=name, selection=CaseSelection(case_numbers=("RACE-1",))),
                "t",
                SETTINGS,
                clock.now(),
            )
            campaign_launch.launch(session, campaign.id, ContactPolicy(), clock.now())
            attempts.append(session.scalar(select(CallAttempt.id).where(CallAttempt.campaign_id == campaign.id)))
        session.execute(update(CallAttempt).where(CallAttempt.id.in_(attempts)).values(state="queued"))
        session.commit()
    ctx = context(pg_engine, redis_client, provider, clock)
    results: dict[int, DialResult] = {}
    threads = [threading.Thread(target=lambda a=a: results.__setitem__(a, dial_attempt(ctx, a))) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == sorted([DialResult.PLACED, DialResult.DEFERRED])
    assert len(provider.placed) == 1
    deferred = row(pg_engine, next(a for a, r in results.items() if r is DialResult.DEFERRED))
    assert deferred.due_at >= clock.now() + dt.timedelta(days=1)  # the daily cap across campaigns
