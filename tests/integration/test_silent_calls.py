"""A call whose callbacks were lost (refused with 503 while the database was away) gets its outcome from the
provider's record of it: the final status and what answered, so an answering machine is not counted as a
person reached."""

from __future__ import annotations

import datetime as dt

import pytest
from redis import Redis
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.engine import session_factory, single_statement_engine
from contact_service.adapters.db.event_log import EventLog
from contact_service.adapters.db.models import CallAttempt
from contact_service.clock import FixedClock
from contact_service.services.call_settlement import settle_all
from contact_service.services.reconciliation import finish_silent_calls
from contact_service.services.telephony import ProviderCall
from tests.integration.test_dialing import NOON_NY, queued_attempt


class ProviderRecords:
    """The provider's side: how each call ended, as a fetch returns it."""

    def __init__(self, calls: dict[str, ProviderCall]) -> None:
        self.calls = calls

    def fetch_call(self, sid: str) -> ProviderCall | None:
        return self.calls.get(sid)


@pytest.mark.parametrize(
    ("answered_by", "outcome"),
    [("human", "reached"), ("machine_end_beep", "no_answer"), (None, "reached")],
)
def test_a_silent_call_ends_as_the_provider_recorded_it(
    pg_engine: Engine, redis_client: Redis, answered_by: str | None, outcome: str
) -> None:
    clock = FixedClock(NOON_NY)
    _, attempt_id = queued_attempt(pg_engine, clock, phone="(212) 555-0931")
    with Session(pg_engine) as session:
        session.execute(
            update(CallAttempt)
            .where(CallAttempt.id == attempt_id)
            .values(state="placed", call_sid="CAsilent", dialing_at=clock.now(), placed_at=clock.now())
        )
        session.commit()
    provider = ProviderRecords(
        {"CAsilent": ProviderCall("CAsilent", "+12125550931", "completed", answered_by=answered_by)}
    )
    later = clock.now() + dt.timedelta(minutes=30)
    with session_factory(pg_engine)() as session:
        log = EventLog(single_statement_engine(pg_engine))
        assert finish_silent_calls(session, provider, log, clock.now(), later) == 1  # type: ignore[arg-type]
        settle_all(session, later)
    with Session(pg_engine) as session:
        attempt = session.get(CallAttempt, attempt_id)
        assert attempt is not None
        assert (attempt.state, attempt.outcome) == ("ended", outcome)
