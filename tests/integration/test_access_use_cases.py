"""Token actions as units of work: a failed commit leaves neither the token change nor its audit record, and
each action leaves exactly one audit record naming who acted (real SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from contact_service.adapters.db.engine import session_factory
from contact_service.clock import FixedClock
from contact_service.domain.access import Actor, Role
from contact_service.domain.errors import Forbidden, Invalid
from contact_service.services import api_tokens
from contact_service.services.unit_of_work import UnitOfWork
from contact_service.use_cases.access import issue_token, revoke_token
from tests.conftest import DEFAULT_NOW
from tests.unit_of_work_support import (
    FailingCommitUnitOfWork,
    InjectedCommitFailure,
    audit_count,
    audit_rows,
    table_snapshot,
)

CLOCK = FixedClock(DEFAULT_NOW)
ADMIN = Actor("alice", Role.SUPERVISOR)


def good(engine: Engine) -> UnitOfWork:
    return UnitOfWork(session_factory(engine), CLOCK)


def failing(engine: Engine) -> FailingCommitUnitOfWork:
    return FailingCommitUnitOfWork(session_factory(engine), CLOCK)


def authenticates(engine: Engine, token: str) -> Actor | None:
    with Session(engine) as session:
        return api_tokens.authenticate(session, token)


def test_issuing_a_token_leaves_one_audit_record_naming_the_issuer(engine: Engine) -> None:
    issued = issue_token(good(engine), ADMIN, "rita", "representative")
    assert authenticates(engine, issued.token) == Actor("rita", Role.REPRESENTATIVE)
    [record] = audit_rows(engine)
    assert (record["actor"], record["role"], record["action"], record["subject_id"]) == (
        "alice",
        "supervisor",
        "token_issued",
        issued.id,
    )
    assert json.loads(record["detail"]) == {"subject": "rita", "role": "representative"}
    assert issued.token not in record["detail"]


def test_revoking_leaves_one_audit_record_with_the_count(engine: Engine) -> None:
    first = issue_token(good(engine), ADMIN, "rita", "representative")
    issue_token(good(engine), ADMIN, "rita", "viewer")
    before = audit_count(engine)
    assert revoke_token(good(engine), Actor("bob", Role.SUPERVISOR), "rita") == 2
    assert authenticates(engine, first.token) is None
    new = audit_rows(engine)[before:]
    assert [(r["actor"], r["action"], json.loads(r["detail"])) for r in new] == [
        ("bob", "tokens_revoked", {"subject": "rita", "count": 2})
    ]


def test_a_failed_commit_leaves_neither_the_token_nor_its_audit_record(engine: Engine) -> None:
    before = table_snapshot(engine, "api_tokens")
    with pytest.raises(InjectedCommitFailure):
        issue_token(failing(engine), ADMIN, "rita", "representative")
    assert table_snapshot(engine, "api_tokens") == before
    assert audit_count(engine) == 0


def test_a_failed_commit_leaves_the_tokens_live_and_no_audit_record(engine: Engine) -> None:
    issued = issue_token(good(engine), ADMIN, "rita", "representative")
    before, records = table_snapshot(engine, "api_tokens"), audit_count(engine)
    with pytest.raises(InjectedCommitFailure):
        revoke_token(failing(engine), ADMIN, "rita")
    assert table_snapshot(engine, "api_tokens") == before
    assert audit_count(engine) == records
    assert authenticates(engine, issued.token) == Actor("rita", Role.REPRESENTATIVE)


@pytest.mark.parametrize(("subject", "role", "field"), [("", "viewer", "subject"), ("rita", "boss", "role")])
def test_a_bad_subject_or_role_is_invalid_and_changes_nothing(engine: Engine, subject, role, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as refused:
        issue_token(good(engine), ADMIN, subject, role)
    assert refused.value.field == field
    assert table_snapshot(engine, "api_tokens") == {"api_tokens": []} and audit_count(engine) == 0


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.REPRESENTATIVE, Role.VIEWER])
def test_only_a_supervisor_manages_tokens(engine: Engine, role: Role) -> None:
    with pytest.raises(Forbidden):
        issue_token(good(engine), Actor("mallory", role), "mallory", "supervisor")
    with pytest.raises(Forbidden):
        revoke_token(good(engine), Actor("mallory", role), "rita")
    assert audit_count(engine) == 0
