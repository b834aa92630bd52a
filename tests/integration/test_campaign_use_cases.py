"""Campaign actions are all or nothing, and each leaves exactly one audit record naming who acted."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.engine import session_factory
from contact_service.adapters.db.models import CallAttempt, CampaignCase
from contact_service.clock import FixedClock
from contact_service.config import load_settings
from contact_service.domain.access import Actor, Role
from contact_service.domain.contact_policy import ContactPolicy
from contact_service.domain.errors import Conflict, Forbidden, NotFound
from contact_service.domain.states import AttemptState, CampaignCaseState, CampaignStatus
from contact_service.services.unit_of_work import UnitOfWork
from contact_service.use_cases import campaigns as actions
from contact_service.use_cases.campaigns import CampaignSpec, CaseSelection
from tests.factories import make_case
from tests.unit_of_work_support import (
    FailingCommitUnitOfWork,
    InjectedCommitFailure,
    audit_count,
    audit_rows,
    table_snapshot,
)

NOW = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)  # Tuesday, noon in New York
SETTINGS = load_settings(environ={})
POLICY = ContactPolicy()
OLGA = Actor("olga", Role.OPERATOR)
TABLES = ("campaigns", "campaign_cases", "call_attempts")
API = "/api/v1"
_serial = itertools.count(1)


def cases(engine: Engine, count: int = 3) -> tuple[str, ...]:
    numbers = []
    with Session(engine) as session:
        for _ in range(count):
            serial = next(_serial)
            number = f"U-{serial}"
            make_case(session, case_number=number, phone=f"(212) 555-{serial % 10000:04d}")
            numbers.append(number)
        session.commit()
    return tuple(numbers)


class Units:
    """Units of work on one test database: ordinary ones, and ones whose commit fails."""

    def __init__(self, engine: Engine) -> None:
        self.sessions = session_factory(engine)
        self.clock = FixedClock(NOW)

    def ok(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.clock)

    def failing(self) -> FailingCommitUnitOfWork:
        return FailingCommitUnitOfWork(self.sessions, self.clock)


def draft(units: Units, engine: Engine, name: str | None = None) -> int:
    spec = CampaignSpec(name=name or f"uc {next(_serial)}", selection=CaseSelection(case_numbers=cases(engine)))
    return actions.create_campaign(units.ok(), OLGA, spec, defaults=SETTINGS).id


def running(units: Units, engine: Engine) -> int:
    campaign_id = draft(units, engine)
    actions.launch_campaign(units.ok(), OLGA, campaign_id, policy=POLICY)
    return campaign_id


def paused(units: Units, engine: Engine) -> int:
    campaign_id = running(units, engine)
    actions.pause_campaign(units.ok(), OLGA, campaign_id)
    return campaign_id


def assert_nothing_left(engine: Engine, act: Callable[[], Any]) -> None:
    """`act` fails at its commit; the tables and the audit trail are as they were before it."""
    before, audits = table_snapshot(engine, *TABLES), audit_count(engine)
    with pytest.raises(InjectedCommitFailure):
        act()
    assert table_snapshot(engine, *TABLES) == before
    assert audit_count(engine) == audits


# --- all or nothing ------------------------------------------------------------------------------------------


def test_a_create_whose_commit_fails_leaves_no_campaign_and_no_audit_record(engine: Engine) -> None:
    units = Units(engine)
    spec = CampaignSpec(name="never", selection=CaseSelection(case_numbers=cases(engine)))
    assert_nothing_left(engine, lambda: actions.create_campaign(units.failing(), OLGA, spec, defaults=SETTINGS))
    assert table_snapshot(engine, "campaigns")["campaigns"] == []


def test_a_preview_whose_commit_fails_leaves_no_audit_record(engine: Engine) -> None:
    units = Units(engine)
    campaign_id = draft(units, engine)
    assert_nothing_left(engine, lambda: actions.preview_campaign(units.failing(), OLGA, campaign_id, policy=POLICY))


def test_a_launch_whose_commit_fails_plans_nothing_and_leaves_the_draft(engine: Engine) -> None:
    units = Units(engine)
    campaign_id = draft(units, engine)
    assert_nothing_left(engine, lambda: actions.launch_campaign(units.failing(), OLGA, campaign_id, policy=POLICY))
    # The launch did plan its attempts before the commit failed (so the test above compared something real).
    launched = actions.launch_campaign(units.ok(), OLGA, campaign_id, policy=POLICY)
    assert (launched.campaign.status, launched.counts.planned) == (CampaignStatus.RUNNING, 3)


def test_a_pause_whose_commit_fails_leaves_the_campaign_running(engine: Engine) -> None:
    units = Units(engine)
    campaign_id = running(units, engine)
    with units.ok() as uow:  # one queued attempt, which a pause puts back to planned
        uow.session.execute(
            update(CallAttempt)
            .where(CallAttempt.campaign_id == campaign_id)
            .values(state=AttemptState.QUEUED, queued_at=NOW)
        )
        uow.commit()
    assert_nothing_left(engine, lambda: actions.pause_campaign(units.failing(), OLGA, campaign_id))


def test_a_resume_whose_commit_fails_leaves_the_campaign_paused(engine: Engine) -> None:
    units = Units(engine)
    campaign_id = paused(units, engine)
    assert_nothing_left(engine, lambda: actions.resume_campaign(units.failing(), OLGA, campaign_id))


def test_a_cancel_whose_commit_fails_cancels_no_attempt(engine: Engine) -> None:
    units = Units(engine)
    campaign_id = running(units, engine)
    assert_nothing_left(engine, lambda: actions.cancel_campaign(units.failing(), OLGA, campaign_id))


# --- what each action does and records -----------------------------------------------------------------------


def test_each_action_writes_one_audit_record_naming_the_actor(engine: Engine) -> None:
    units = Units(engine)
    numbers = cases(engine)
    spec = CampaignSpec(name="audited", selection=CaseSelection(case_numbers=numbers))
    steps: list[tuple[str, Callable[[int], Any]]] = [
        ("campaign_previewed", lambda ref: actions.preview_campaign(units.ok(), OLGA, ref, policy=POLICY)),
        ("campaign_launched", lambda ref: actions.launch_campaign(units.ok(), OLGA, ref, policy=POLICY)),
        ("campaign_paused", lambda ref: actions.pause_campaign(units.ok(), OLGA, ref)),
        ("campaign_resumed", lambda ref: actions.resume_campaign(units.ok(), OLGA, ref)),
        ("campaign_cancelled", lambda ref: actions.cancel_campaign(units.ok(), OLGA, ref)),
    ]
    created = actions.create_campaign(units.ok(), OLGA, spec, defaults=SETTINGS)
    assert (created.status, created.created_by) == (CampaignStatus.DRAFT, "olga")
    trail = audit_rows(engine)
    assert [(r["action"], r["actor"], r["subject_id"]) for r in trail] == [("campaign_created", "olga", created.id)]
    for action, step in steps:
        step(created.id)
        new = audit_rows(engine)[len(trail) :]
        assert [(r["action"], r["actor"], r["role"], r["subject_id"], r["at"]) for r in new] == [
            (action, "olga", "operator", created.id, NOW)
        ]
        trail += new
    assert json.loads(trail[2]["detail"]) == {"planned": 3, "selected": 3}


def test_preview_changes_nothing_but_the_audit_trail(engine: Engine) -> None:
    units = Units(engine)
    campaign_id = draft(units, engine)
    before = table_snapshot(engine, *TABLES)
    result = actions.preview_campaign(units.ok(), Actor("vera", Role.VIEWER), campaign_id, policy=POLICY)
    assert (result.counts.selected, result.counts.planned, result.campaign.status) == (3, 3, CampaignStatus.DRAFT)
    assert table_snapshot(engine, *TABLES) == before
    assert audit_rows(engine)[-1]["actor"] == "vera"


def test_the_launch_returns_the_running_campaign_with_its_counts(engine: Engine) -> None:
    units = Units(engine)
    campaign_id = draft(units, engine, "by name")
    launched = actions.launch_campaign(units.ok(), OLGA, "by name", policy=POLICY)
    assert launched.campaign.id == campaign_id
    assert (launched.campaign.cases_selected, launched.campaign.cases_planned, launched.campaign.launched_at) == (
        3,
        3,
        NOW,
    )
    cancelled = actions.cancel_campaign(units.ok(), OLGA, str(campaign_id))
    assert (cancelled.status, cancelled.cancelled_at) == (CampaignStatus.CANCELLED, NOW)
    with Session(engine) as session:
        states = {row.state for row in session.scalars(select(CampaignCase))}
    assert states == {CampaignCaseState.CANCELLED}


@pytest.mark.parametrize(
    "act, error",
    [
        (lambda units, ref: actions.launch_campaign(units.ok(), OLGA, ref, policy=POLICY), Conflict),
        (lambda units, ref: actions.resume_campaign(units.ok(), OLGA, ref), Conflict),
        (lambda units, ref: actions.pause_campaign(units.ok(), OLGA, ref + 1000), NotFound),
        (lambda units, ref: actions.cancel_campaign(units.ok(), Actor("vera", Role.VIEWER), ref), Forbidden),
        (lambda units, ref: actions.preview_campaign(units.ok(), OLGA, 999_999, policy=POLICY), NotFound),
    ],
    ids=["launch twice", "resume a running one", "pause an unknown one", "a viewer cancels", "preview unknown"],
)
def test_a_refused_action_changes_nothing_and_records_nothing(engine: Engine, act, error) -> None:  # type: ignore[no-untyped-def]
    units = Units(engine)
    campaign_id = running(units, engine)
    before, audits = table_snapshot(engine, *TABLES), audit_count(engine)
    with pytest.raises(error):
        act(units, campaign_id)
    assert (table_snapshot(engine, *TABLES), audit_count(engine)) == (before, audits)


def test_an_api_id_is_an_id_never_a_name(engine: Engine) -> None:
    units = Units(engine)
    draft(units, engine, "4242")
    with pytest.raises(NotFound, match="no campaign 4242"):
        actions.pause_campaign(units.ok(), OLGA, 4242)


# --- through the API -----------------------------------------------------------------------------------------


def test_each_api_action_leaves_one_audit_record_naming_the_token_subject(
    api_client: FlaskClient, pg_engine: Engine, token_for: Callable[[str, str], dict[str, str]]
) -> None:
    numbers = cases(pg_engine)
    operator = token_for("operator", "otto")
    viewer = token_for("viewer", "vic")
    start = audit_count(pg_engine)  # issuing tokens may be audited too

    def one_record(reply: Any, action: str, actor: str, role: str) -> dict[str, Any]:
        nonlocal start
        assert reply.status_code < 300, reply.json
        new = audit_rows(pg_engine)[start:]
        start += len(new)
        assert [(r["action"], r["actor"], r["role"]) for r in new] == [(action, actor, role)]
        return new[0]

    created = api_client.post(
        f"{API}/campaigns", json={"name": "api audit", "selection": {"case_numbers": list(numbers)}}, headers=operator
    )
    campaign_id = created.json["id"]
    assert one_record(created, "campaign_created", "otto", "operator")["subject_id"] == campaign_id
    preview = api_client.post(f"{API}/campaigns/{campaign_id}/preview", headers=viewer)
    one_record(preview, "campaign_previewed", "vic", "viewer")
    for verb, action in (("launch", "launched"), ("pause", "paused"), ("resume", "resumed"), ("cancel", "cancelled")):
        reply = api_client.post(f"{API}/campaigns/{campaign_id}/{verb}", headers=operator)
        assert one_record(reply, f"campaign_{action}", "otto", "operator")["subject_id"] == campaign_id
    # A refusal (409) records nothing.
    assert api_client.post(f"{API}/campaigns/{campaign_id}/launch", headers=operator).status_code == 409
    assert audit_count(pg_engine) == start
