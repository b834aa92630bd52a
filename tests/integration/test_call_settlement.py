"""Settling attempts from the event log: idempotent, order-independent, safe with settlers side by side."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.engine import session_factory, single_statement_engine
from contact_service.adapters.db.event_log import EventLog
from contact_service.adapters.db.models import CallAttempt, CallEvent, PhoneNumber
from contact_service.services.call_settlement import settle_all, settle_pending
from tests.factories import NOW, make_attempt


def append(log: EventLog, attempt_id: int, sid: str, sequence: int, status: str, **extra: object) -> None:
    log.append(
        {
            "dedup_key": f"status:{sid}:{sequence}",
            "attempt_id": attempt_id,
            "call_sid": sid,
            "kind": "status",
            "call_status": status,
            "sequence_number": sequence,
            "received_at": NOW,
            **extra,
        }
    )


def attempt_state(engine: Engine, attempt_id: int) -> tuple:  # type: ignore[type-arg]
    with engine.connect() as connection:
        return connection.execute(
            select(CallAttempt.state, CallAttempt.provider_status, CallAttempt.outcome, CallAttempt.call_sid).where(
                CallAttempt.id == attempt_id
            )
        ).one()


def test_reordered_events_settle_to_the_same_outcome_and_settling_again_changes_nothing(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, state="dialing", call_sid=None)
    log = EventLog(single_statement_engine(engine))
    append(log, attempt.id, "CAset", 3, "completed", answered_by="human", duration_seconds=40)
    append(log, attempt.id, "CAset", 1, "ringing")
    with Session(engine) as session:
        first = settle_all(session, NOW)
    assert [ended.outcome for ended in first.ended] == ["reached"]
    append(log, attempt.id, "CAset", 0, "initiated")  # very late
    with Session(engine) as session:
        again = settle_all(session, NOW)
    assert again.ended == []  # it had already ended
    assert attempt_state(engine, attempt.id) == ("ended", "completed", "reached", "CAset")
    with Session(engine) as session:
        assert settle_pending(session, NOW).attempts == 0


def test_a_disconnected_number_is_marked_bad_when_settled(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAdead")
    append(EventLog(single_statement_engine(engine)), attempt.id, "CAdead", 1, "failed", sip_code=404)
    with Session(engine) as session:
        settle_all(session, NOW)
    with engine.connect() as connection:
        assert connection.scalar(select(PhoneNumber.status).where(PhoneNumber.id == attempt.phone_number_id)) == "bad"


def test_settlers_side_by_side_fold_every_event_exactly_once(pg_engine: Engine) -> None:
    with Session(pg_engine, expire_on_commit=False) as session:
        attempts = [make_attempt(session, call_sid=f"CApar{n}") for n in range(120)]
    log = EventLog(single_statement_engine(pg_engine))
    for attempt in attempts:
        for sequence, status in enumerate(["initiated", "ringing", "in-progress"]):
            append(log, attempt.id, attempt.call_sid, sequence, status)
        append(log, attempt.id, attempt.call_sid, 3, "busy", sip_code=486)
    sessions = session_factory(pg_engine)
    ended: list = []  # type: ignore[type-arg]

    def settler() -> None:
        with sessions() as session:
            while True:
                result = settle_pending(session, NOW, batch=10)
                ended.extend(result.ended)
                if result.attempts == 0:
                    with pg_engine.connect() as connection:
                        if not connection.scalar(
                            select(func.count()).select_from(CallEvent).where(CallEvent.settled_at.is_(None))
                        ):
                            return

    threads = [threading.Thread(target=settler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(e.attempt_id for e in ended) == sorted(a.id for a in attempts)  # each ended exactly once
    with pg_engine.connect() as connection:
        assert (
            connection.execute(
                select(func.count()).select_from(CallAttempt).where(CallAttempt.outcome == "busy")
            ).scalar()
            == 120
        )
