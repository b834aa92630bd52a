"""Registering a script is all or nothing, refused when the guard finds anything, and audited once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine

from contact_service.adapters.db.engine import session_factory
from contact_service.clock import FixedClock
from contact_service.domain.access import Actor, Role
from contact_service.domain.errors import Conflict, Forbidden, Invalid, ScriptRefused
from contact_service.domain.script_guard import ScriptKind
from contact_service.services.unit_of_work import UnitOfWork
from contact_service.use_cases.scripts import register_script
from tests.unit_of_work_support import (
    FailingCommitUnitOfWork,
    InjectedCommitFailure,
    audit_count,
    audit_rows,
    table_snapshot,
)

NOW = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)
OLGA = Actor("olga", Role.OPERATOR)
GOOD = (
    "Hello {name}. This is the Internal Revenue Service, the IRS. Please call us back at 1-800-829-1040.\n"
    "The IRS will never ask you to pay by gift card, wire transfer or cryptocurrency.\n"
)
SCAM = "This is the IRS. Pay $4,512.33 in gift cards within 24 hours or a warrant will be issued.\n"


def test_a_registration_whose_commit_fails_leaves_no_script_and_no_audit_record(engine: Engine) -> None:
    sessions = session_factory(engine)
    before, audits = table_snapshot(engine, "call_scripts"), audit_count(engine)
    with pytest.raises(InjectedCommitFailure):
        register_script(FailingCommitUnitOfWork(sessions, FixedClock(NOW)), OLGA, "spring", ScriptKind.HUMAN, GOOD)
    assert (table_snapshot(engine, "call_scripts"), audit_count(engine)) == (before, audits)


def test_a_registration_is_stored_and_audited_once_as_the_actor(engine: Engine) -> None:
    uow = UnitOfWork(session_factory(engine), FixedClock(NOW))
    script = register_script(uow, OLGA, "spring", ScriptKind.HUMAN, GOOD)
    assert (script.name, script.kind, script.created_by, script.created_at) == ("spring", ScriptKind.HUMAN, "olga", NOW)
    (record,) = audit_rows(engine)
    assert (record["action"], record["actor"], record["subject_type"], record["subject_id"]) == (
        "script_registered",
        "olga",
        "call_script",
        script.id,
    )
    assert json.loads(record["detail"]) == {"kind": "human", "name": "spring"}


@pytest.mark.parametrize(
    "actor, name, body, error",
    [
        (OLGA, "scam", SCAM, ScriptRefused),
        (OLGA, "spring", GOOD, Conflict),
        (OLGA, "  no leading space", GOOD, Invalid),
        (Actor("vera", Role.VIEWER), "other", GOOD, Forbidden),
    ],
    ids=["the guard refuses it", "the name is taken", "a bad name", "a viewer"],
)
def test_a_refused_registration_stores_and_records_nothing(engine: Engine, actor, name, body, error) -> None:  # type: ignore[no-untyped-def]
    sessions = session_factory(engine)
    register_script(UnitOfWork(sessions, FixedClock(NOW)), OLGA, "spring", ScriptKind.HUMAN, GOOD)
    before, audits = table_snapshot(engine, "call_scripts"), audit_count(engine)
    with pytest.raises(error) as refused:
        register_script(UnitOfWork(sessions, FixedClock(NOW)), actor, name, ScriptKind.HUMAN, body)
    assert (table_snapshot(engine, "call_scripts"), audit_count(engine)) == (before, audits)
    if error is ScriptRefused:
        assert refused.value.field == "body" and {v.rule for v in refused.value.violations} >= {"amount", "deadline"}
    if error is Conflict:
        assert refused.value.field == "name"
