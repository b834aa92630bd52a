"""Running the call-list use cases from tests: a unit of work on a test database at a chosen moment."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from contact_service.adapters.db.engine import session_factory
from contact_service.clock import FixedClock
from contact_service.domain.access import SYSTEM, Actor
from contact_service.domain.escalation import DEFAULT_GRACE
from contact_service.services.unit_of_work import UnitOfWork
from contact_service.use_cases.call_lists import SweepResult, run_escalation_sweep


def unit_of_work(bind: Engine | Session, now: dt.datetime) -> UnitOfWork:
    """A unit of work on the database of `bind` (an engine, or a test's session) with the clock at `now`.

    Given a session, it is committed first: the use case works in a transaction of its own, and on SQLite an
    open transaction of the test would hold the one write lock."""
    if isinstance(bind, Session):
        bind.commit()
        engine = bind.get_bind()
        assert isinstance(engine, Engine)
    else:
        engine = bind
    return UnitOfWork(session_factory(engine), FixedClock(now))


def sweep(
    bind: Engine | Session, now: dt.datetime, grace: dt.timedelta = DEFAULT_GRACE, actor: Actor = SYSTEM
) -> SweepResult:
    """Run the escalation sweep at `now`, as the scheduler does (or as `actor`)."""
    return run_escalation_sweep(unit_of_work(bind, now), actor, grace=grace)


def make_representative(bind: Engine | Session, *names: str, now: dt.datetime | None = None) -> None:
    """Representatives who exist (a live representative token each), as a list can be assigned only to one.
    A fixture, not an action: no audit record, so tests may count the records of the action that follows."""
    from contact_service.domain.access import Role
    from contact_service.read.people import is_representative
    from contact_service.services import api_tokens

    with unit_of_work(bind, now or dt.datetime(2026, 11, 24, 19, 0, tzinfo=dt.UTC)) as uow:
        for name in names:
            if not is_representative(uow.session, name):
                api_tokens.issue(uow.session, name, Role.REPRESENTATIVE, uow.now)
        uow.commit()
