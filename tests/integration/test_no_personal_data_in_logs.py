"""The sources of log lines that used to carry a taxpayer's number (or name) say what happened without it:
the provider's refusal of a call, the reconciler's warnings while the provider is away, and a failed SQL
statement's message (which every traceback and "database unavailable" line repeats).

These check the sources themselves, without the logging set-up's masking net (caplog sees raw records).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest
from flask import Flask, jsonify
from redis import Redis
from sqlalchemy import Engine, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from contact_service.adapters.db.engine import create_db_engine, session_factory
from contact_service.adapters.db.models import CallAttempt
from contact_service.adapters.rq_queue import CallQueue
from contact_service.adapters.telephony_twilio import TwilioTelephony
from contact_service.cli.local_stack import free_port
from contact_service.clock import FixedClock
from contact_service.services.dialing import DialResult, dial_attempt
from contact_service.services.reconciliation import resolve_stuck_dialing
from tests.e2e.live import serve
from tests.integration.test_dialing import NOON_NY, context, queued_attempt

ACCOUNT = "AC" + "0f" * 16
NUMBER_TEXT, NUMBER = "(212) 555-0791", "+12125550791"


@pytest.fixture(autouse=True)
def raw_records() -> Iterator[None]:
    """Records as the sources make them: without the masking net a CLI test earlier in the session installed."""
    factory = logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)
    try:
        yield
    finally:
        logging.setLogRecordFactory(factory)


def fake_twilio_refusing_with_the_number() -> Flask:
    """Twilio's own answer to a bad 'To': its message names the number."""
    app = Flask("fake-twilio")

    @app.post("/2010-04-01/Accounts/<sid>/Calls.json")
    def create(sid: str):  # type: ignore[no-untyped-def]
        body = {
            "code": 21211,
            "message": f"The 'To' number {NUMBER} is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211",
            "status": 400,
        }
        return jsonify(body), 400

    return app


def test_a_refused_call_is_logged_without_the_number(
    pg_engine: Engine, redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FixedClock(NOON_NY)
    _, attempt_id = queued_attempt(pg_engine, clock, phone=NUMBER_TEXT)
    with serve(fake_twilio_refusing_with_the_number()) as server:
        telephony = TwilioTelephony(ACCOUNT, "token", api_base_url=f"http://127.0.0.1:{server.server_port}")
        ctx = context(pg_engine, redis_client, telephony, clock)  # type: ignore[arg-type]
        with caplog.at_level(logging.INFO, logger="contact_service"):
            assert dial_attempt(ctx, attempt_id) is DialResult.REJECTED
    said = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("contact_service"))
    assert "refused the call" in said and "***-***-0791" in said, said
    assert "555" not in said and "2125550791" not in said, said


def test_the_reconcilers_warning_while_the_provider_is_away_names_no_number(
    pg_engine: Engine, redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FixedClock(NOON_NY)
    _, attempt_id = queued_attempt(pg_engine, clock, phone=NUMBER_TEXT)
    with Session(pg_engine) as session:
        session.execute(
            update(CallAttempt)
            .where(CallAttempt.id == attempt_id)
            .values(state="dialing", dialing_at=clock.now(), dial_claim="died")
        )
        session.commit()
    nobody_listens = TwilioTelephony(ACCOUNT, "token", api_base_url=f"http://127.0.0.1:{free_port()}")
    with caplog.at_level(logging.INFO, logger="contact_service"), session_factory(pg_engine)() as session:
        later = clock.now() + dt.timedelta(minutes=5)
        assert resolve_stuck_dialing(session, nobody_listens, CallQueue(redis_client), later, later) == (0, 0)
    said = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("contact_service"))
    assert f"cannot reconcile attempt {attempt_id} yet" in said, said
    assert "***-***-0791" in said
    # requests names the URL it failed on, query string (To=%2B1212...) and all: none of it is kept.
    assert "555" not in said and "2125550791" not in said and "To=" not in said, said


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_failed_statements_message_hides_its_parameters(backend: str, pg_engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'x.db'}" if backend == "sqlite" else pg_engine.url
    engine = create_db_engine(url)
    try:
        with pytest.raises(DBAPIError) as failure, engine.connect() as connection:
            connection.execute(
                text("SELECT :name AS name, :phone AS phone, :tin AS tin FROM no_such_table"),
                {"name": "Grace O'Neil", "phone": NUMBER, "tin": "4821"},
            )
    finally:
        engine.dispose()
    message = str(failure.value)
    assert "no_such_table" in message  # still says what failed
    assert "Grace" not in message and NUMBER not in message and "4821" not in message, message
