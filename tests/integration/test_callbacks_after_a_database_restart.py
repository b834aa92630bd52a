"""Once the database is back after a restart, callbacks are accepted again at once: the webhooks' pool of
connections, every one of which the restart killed, does not refuse one callback per dead connection (each
refused callback is lost: the provider does not send it again)."""

from __future__ import annotations

from redis import Redis
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallEvent
from contact_service.bootstrap import Container
from contact_service.clock import FixedClock
from contact_service.config import load_settings
from contact_service.web.app import build_app
from tests.conftest import DEFAULT_NOW, TEST_REDIS_URL
from tests.factories import make_attempt
from tests.integration.conftest import INBOUND_SECRET
from tests.integration.webhook_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    RecordingTelephony,
    call_params,
    post_signed,
)


def webhook_container(pg_engine: Engine) -> Container:
    settings = load_settings(
        overrides={
            "database_url": pg_engine.url.render_as_string(hide_password=False),
            "redis_url": TEST_REDIS_URL,
            "public_base_url": PUBLIC_BASE_URL,
            "twilio_auth_token": AUTH_TOKEN,
            "twilio_account_sid": ACCOUNT_SID,
            "inbound_callback_secret": INBOUND_SECRET,
        }
    )
    container = Container(settings=settings, clock=FixedClock(DEFAULT_NOW))
    container.engine = pg_engine  # type: ignore[misc]
    container.telephony = RecordingTelephony()  # type: ignore[misc]
    return container


def kill_every_connection_but_this_one(engine: Engine) -> int:
    """What a restart does to the sessions of this database (without disturbing any other database)."""
    with engine.connect() as connection:
        killed = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
        connection.commit()
    return int(killed)


def test_callbacks_are_accepted_as_soon_as_the_database_is_back(pg_engine: Engine, redis_client: Redis) -> None:
    container = webhook_container(pg_engine)
    client = build_app(container=container).test_client()
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CArestart")
        session.commit()
    # The webhooks' pool holds several connections, as it does after any busy minute.
    pooled = [container.single_statement_engine.raw_connection() for _ in range(5)]
    for connection in pooled:
        connection.close()
    assert kill_every_connection_but_this_one(pg_engine) >= 5
    answers = [
        post_signed(
            client,
            f"/webhooks/twilio/status?attempt={attempt.id}",
            call_params("CArestart", CallStatus=status, SequenceNumber=str(sequence)),
        ).status_code
        for sequence, status in enumerate(["initiated", "ringing", "in-progress", "completed"])
    ]
    assert answers == [204, 204, 204, 204]
    with Session(pg_engine) as session:
        assert session.scalar(select(func.count()).select_from(CallEvent)) == 4
