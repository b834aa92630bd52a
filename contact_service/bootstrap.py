"""Wires settings to adapters. Entry points call `bootstrap` and hand the pieces to services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from contact_service.adapters.db.case_store import CaseStore
from contact_service.adapters.db.engine import create_db_engine, session_factory, single_statement_engine
from contact_service.adapters.db.event_log import EventLog
from contact_service.adapters.redis_rate_limiter import RateLimiter
from contact_service.adapters.rq_queue import CallQueue
from contact_service.clock import Clock, clock_from_spec
from contact_service.config import Settings, load_settings
from contact_service.domain.calling_window import CallingWindow
from contact_service.domain.cases import NoticeStage
from contact_service.domain.contact_policy import ContactPolicy
from contact_service.domain.enforcement import EnforcementThresholds
from contact_service.services.dialing import DialContext
from contact_service.services.telephony import Telephony
from contact_service.services.unit_of_work import UnitOfWork
from contact_service.services.webhook_urls import WebhookUrls

UnitOfWorkFactory = Callable[[sessionmaker[Session], Clock], UnitOfWork]


class Container:
    """The adapters of one process, created on first use."""

    def __init__(
        self, settings: Settings, clock: Clock | None = None, unit_of_work_factory: UnitOfWorkFactory = UnitOfWork
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or clock_from_spec(settings.clock)
        # How use cases get their transaction; tests put a failing one here to prove an action is all or nothing.
        self.unit_of_work_factory = unit_of_work_factory

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work (one transaction) for one action."""
        return self.unit_of_work_factory(self.sessions, self.clock)

    def case_store(self) -> CaseStore:
        """A case store for one import: use it as a context manager (it holds one connection while open)."""
        return CaseStore(self.engine)

    @cached_property
    def engine(self) -> Engine:
        """The database engine."""
        return create_db_engine(self.settings.database_url)

    @cached_property
    def single_statement_engine(self) -> Engine:
        """The engine for one-statement writes that commit on their own (the webhook hot path)."""
        return single_statement_engine(self.engine)

    @cached_property
    def event_log(self) -> EventLog:
        """The call event log (one-statement appends on the webhook hot path)."""
        return EventLog(self.single_statement_engine)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """A session factory bound to the engine."""
        return session_factory(self.engine)

    @cached_property
    def redis(self) -> Redis:
        """The Redis connection (queues, rate limiter, locks). Never the source of truth."""
        return Redis.from_url(self.settings.redis_url, socket_connect_timeout=2, health_check_interval=30)

    @cached_property
    def telephony(self) -> Telephony:
        """The voice provider: real Twilio, or the built-in simulator through the same SDK."""
        from contact_service.adapters.telephony_twilio import TwilioTelephony

        settings = self.settings
        base_url = settings.simulator_url if settings.telephony_provider == "simulator" else None
        return TwilioTelephony(settings.twilio_account_sid, settings.twilio_auth_token, api_base_url=base_url)

    @cached_property
    def webhook_urls(self) -> WebhookUrls:
        """Absolute URLs of our webhooks, as the provider reaches them."""
        return WebhookUrls(self.settings.public_base_url)

    @cached_property
    def contact_policy(self) -> ContactPolicy:
        """The contact rules with this deployment's parameters."""
        settings = self.settings
        return ContactPolicy(
            min_notice_stage=NoticeStage(settings.min_notice_stage),
            min_days_since_notice=settings.min_days_since_notice,
            daily_cap=settings.daily_attempt_cap,
            weekly_cap=settings.weekly_attempt_cap,
            window=CallingWindow(call_allowance=dt.timedelta(seconds=settings.automated_call_seconds)),
        )

    @cached_property
    def enforcement_thresholds(self) -> EnforcementThresholds:
        """The enforcement rules' figures, with this deployment's passport thresholds (dollars to cents)."""
        thresholds = self.settings.passport_certification_thresholds
        return EnforcementThresholds(passport_by_year={year: dollars * 100 for year, dollars in thresholds})

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        """Calls-per-second budgets shared by every worker."""
        return RateLimiter(self.redis)

    @cached_property
    def call_queue(self) -> CallQueue:
        """The RQ dial queue."""
        return CallQueue(self.redis)

    @cached_property
    def dial_context(self) -> DialContext:
        """What a dial job needs."""
        settings = self.settings
        return DialContext(
            sessions=self.sessions,
            telephony=self.telephony,
            limiter=self.rate_limiter,
            event_log=self.event_log,
            urls=self.webhook_urls,
            clock=self.clock,
            policy=self.contact_policy,
            caller_id=settings.twilio_caller_id,
            ring_timeout_seconds=settings.ring_timeout_seconds,
            time_limit_seconds=settings.call_time_limit_seconds,
            account_calls_per_second=settings.account_calls_per_second,
        )

    def close(self) -> None:
        """Release pooled connections."""
        if "engine" in self.__dict__:
            self.engine.dispose()
        if "redis" in self.__dict__:
            self.redis.close()


def bootstrap(overrides: Mapping[str, Any] | None = None, settings: Settings | None = None) -> Container:
    """Build the container from validated settings (environment and defaults unless `settings` is given)."""
    return Container(settings=settings or load_settings(overrides=overrides))
