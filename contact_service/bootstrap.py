"""Wires settings to adapters. Entry points call `bootstrap` and hand the pieces to services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from contact_service.adapters.clock import Clock, SystemClock
from contact_service.adapters.db.event_log import EventLog
from contact_service.adapters.db.engine import create_db_engine, session_factory, single_statement_engine
from contact_service.config import Settings, load_settings
from contact_service.services.telephony import Telephony
from contact_service.services.webhook_urls import WebhookUrls


@dataclass
class Container:
    """The adapters of one process, created on first use."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

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

    def close(self) -> None:
        """Release pooled connections."""
        if "engine" in self.__dict__:
            self.engine.dispose()
        if "redis" in self.__dict__:
            self.redis.close()


def bootstrap(overrides: Mapping[str, Any] | None = None, settings: Settings | None = None) -> Container:
    """Build the container from validated settings (environment and defaults unless `settings` is given)."""
    return Container(settings=settings or load_settings(overrides=overrides))
