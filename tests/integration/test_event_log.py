"""The call event log: one idempotent append per callback, on SQLite and PostgreSQL, surviving a restart."""

from __future__ import annotations

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from contact_service.adapters.db.engine import single_statement_engine
from contact_service.adapters.db.event_log import EventLog
from contact_service.adapters.db.models import CallEvent
from tests.factories import NOW, make_attempt


def events(engine: Engine) -> list:  # type: ignore[type-arg]
    with engine.connect() as connection:
        return connection.execute(
            select(CallEvent.dedup_key, CallEvent.attempt_id, CallEvent.settled_at.is_(None)).order_by(CallEvent.id)
        ).all()


def test_an_event_is_appended_once_and_attributed_by_id_or_call_sid(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAlog")
    log = EventLog(single_statement_engine(engine))
    first = {
        "dedup_key": "status:CAlog:0",
        "attempt_id": attempt.id,
        "call_sid": "CAlog",
        "kind": "status",
        "call_status": "initiated",
        "sequence_number": 0,
        "received_at": NOW,
    }
    assert log.append(first) is True
    assert log.append(first) is False  # Twilio retried it
    assert log.append({**first, "dedup_key": "status:CAlog:1", "attempt_id": None, "call_status": "ringing"}) is True
    assert events(engine) == [("status:CAlog:0", attempt.id, True), ("status:CAlog:1", attempt.id, True)]


def test_an_event_of_no_known_attempt_is_kept_and_born_settled(engine: Engine) -> None:
    log = EventLog(single_statement_engine(engine))
    assert log.append(
        {
            "dedup_key": "status:CAghost:0",
            "attempt_id": 424242,
            "call_sid": "CAghost",
            "kind": "status",
            "call_status": "completed",
            "received_at": NOW,
        }
    )
    assert events(engine) == [("status:CAghost:0", None, False)]


def test_appends_survive_a_database_restart_of_their_pooled_connections(pg_engine: Engine) -> None:
    autocommit = single_statement_engine(pg_engine)
    log = EventLog(autocommit)
    assert log.append({"dedup_key": "status:CAr:0", "kind": "status", "received_at": NOW})
    # Every server connection of this database dies, as in a restart; the pool still holds one.
    with pg_engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert log.append({"dedup_key": "status:CAr:1", "kind": "status", "received_at": NOW})
    with pg_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(CallEvent)) == 2
    autocommit.dispose()
