"""The call-list use cases are all or nothing, and each API action leaves exactly one audit record naming the
token's subject (take, disposition, release, assign, unassign; the sweep is the scheduler's and the CLI's)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from contact_service.adapters.db.engine import session_factory
from contact_service.clock import FixedClock
from contact_service.domain.access import SYSTEM, Actor, Role
from contact_service.services.unit_of_work import UnitOfWork
from contact_service.use_cases import call_lists as list_actions
from tests.call_list_support import make_representative, sweep, unit_of_work
from tests.conftest import DEFAULT_NOW
from tests.factories import end_in_campaign, make_campaign, make_case
from tests.unit_of_work_support import (
    FailingCommitUnitOfWork,
    InjectedCommitFailure,
    audit_count,
    audit_rows,
    table_snapshot,
)

NOW = DEFAULT_NOW  # Tuesday 14:00 in New York
CLAIM = dt.timedelta(minutes=30)
SAM = Actor("sam", Role.SUPERVISOR)
RITA = Actor("rita", Role.REPRESENTATIVE)
TABLES = (
    "call_list_entries",
    "call_list_assignments",
    "case_responses",
    "cases",
    "phone_numbers",
    "campaign_cases",
)
API = "/api/v1"
_serial = itertools.count(1)

Action = Callable[[UnitOfWork], Any]


def ended_cases(engine: Engine, count: int = 1) -> list[int]:
    """Cases whose campaign ended exhausted (not yet swept); their ids."""
    with Session(engine) as session:
        campaign = make_campaign(session, f"ended {next(_serial)}", launched_at=NOW - dt.timedelta(days=20))
        ids = []
        for _ in range(count):
            serial = next(_serial)
            case = make_case(session, case_number=f"U-{serial}", phone=f"(212) 555-{serial % 9000 + 1000:04d}")
            end_in_campaign(session, campaign, case, "exhausted", closed_at=NOW - dt.timedelta(days=12))
            ids.append(case.id)
        session.commit()
        return ids


def listed_cases(engine: Engine, count: int = 1) -> list[int]:
    """Cases swept onto the individual list, with rita assigned to it."""
    ids = ended_cases(engine, count)
    sweep(engine, NOW)
    make_representative(engine, "rita", "ray")
    list_actions.assign_list(unit_of_work(engine, NOW), SAM, "individual", "rita")
    return ids


def taken_entry(engine: Engine) -> int:
    """An entry rita holds."""
    taken = list_actions.take_next_case(unit_of_work(engine, NOW), RITA, "individual", claim_limit=CLAIM)
    assert taken.entry is not None
    return taken.entry.id


def assert_all_or_nothing(engine: Engine, action: Action, now: dt.datetime = NOW) -> None:
    """A commit that fails after the action's work leaves neither the change nor its audit record; the same
    action committed changes the tables and adds exactly one audit record."""
    before, audited = table_snapshot(engine, *TABLES), audit_count(engine)
    with pytest.raises(InjectedCommitFailure):
        action(FailingCommitUnitOfWork(session_factory(engine), FixedClock(now)))
    assert table_snapshot(engine, *TABLES) == before
    assert audit_count(engine) == audited

    action(UnitOfWork(session_factory(engine), FixedClock(now)))
    assert table_snapshot(engine, *TABLES) != before
    assert audit_count(engine) == audited + 1


def test_taking_a_case_is_all_or_nothing(engine: Engine) -> None:
    listed_cases(engine)
    assert_all_or_nothing(engine, lambda uow: list_actions.take_next_case(uow, RITA, "individual", claim_limit=CLAIM))


@pytest.mark.parametrize(
    "disposition, extra",
    [
        ("payment_arranged", {"note": "paying Friday"}),  # records a response and closes the entry
        ("wrong_number", {}),  # marks the number bad and moves the entry to research
        ("callback_scheduled", {"callback_at": NOW + dt.timedelta(days=1)}),  # a response; back on the list
    ],
)
def test_a_disposition_is_all_or_nothing(engine: Engine, disposition: str, extra: dict[str, Any]) -> None:
    listed_cases(engine)
    entry_id = taken_entry(engine)
    assert_all_or_nothing(
        engine, lambda uow: list_actions.record_disposition(uow, RITA, entry_id, disposition, **extra)
    )


def test_releasing_a_case_is_all_or_nothing(engine: Engine) -> None:
    listed_cases(engine)
    entry_id = taken_entry(engine)
    assert_all_or_nothing(engine, lambda uow: list_actions.release_case(uow, RITA, entry_id))


def test_assigning_a_list_is_all_or_nothing(engine: Engine) -> None:
    listed_cases(engine)
    assert_all_or_nothing(engine, lambda uow: list_actions.assign_list(uow, SAM, "business", "ray"))


def test_unassigning_a_list_is_all_or_nothing(engine: Engine) -> None:
    listed_cases(engine)
    assert_all_or_nothing(engine, lambda uow: list_actions.unassign_list(uow, SAM, "individual", "rita"))


def test_the_sweep_is_all_or_nothing_listing_and_claim_expiry_alike(engine: Engine) -> None:
    listed_cases(engine)
    taken_entry(engine)  # held until NOW + CLAIM
    ended_cases(engine, 3)  # waiting to be listed
    later = NOW + CLAIM

    def run(uow: UnitOfWork) -> None:
        result = list_actions.run_escalation_sweep(uow, SYSTEM, grace=dt.timedelta(days=10))
        assert (result.total_listed, result.claims_expired) == (3, 1)

    assert_all_or_nothing(engine, run, later)
    [record] = [row for row in audit_rows(engine) if row["action"] == "escalation_sweep"][-1:]
    detail = json.loads(record["detail"])
    assert (record["actor"], detail["listed"], detail["claims_expired"]) == ("contact-service", {"individual": 3}, 1)
    assert [claim["claimed_by"] for claim in detail["expired_claims"]] == ["rita"]


def test_a_take_that_finds_nothing_changes_nothing_and_records_nothing(engine: Engine) -> None:
    listed_cases(engine)
    taken_entry(engine)
    before, audited = table_snapshot(engine, *TABLES), audit_count(engine)
    nothing = list_actions.take_next_case(unit_of_work(engine, NOW), RITA, "individual", claim_limit=CLAIM)
    assert (nothing.entry, nothing.reason) == (None, "no case is waiting on this list")
    assert (table_snapshot(engine, *TABLES), audit_count(engine)) == (before, audited)


# The API: exactly one new audit record per action, naming the token's subject.


def new_audit(engine: Engine, since: int) -> list[tuple[str, str, str]]:
    """(actor, role, action) of the audit records after the first `since`."""
    return [(row["actor"], row["role"], row["action"]) for row in audit_rows(engine)[since:]]


def test_each_call_list_api_action_leaves_one_audit_record_naming_the_token_subject(  # type: ignore[no-untyped-def]
    api_client, pg_engine, token_for
) -> None:
    ended_cases(pg_engine, 2)
    sweep(pg_engine, NOW)
    supervisor, rita = token_for("supervisor", "sam"), token_for("representative", "rita")
    individual = next(
        item["id"]
        for item in api_client.get(f"{API}/call-lists", headers=supervisor).json["items"]
        if item["segment"] == "individual"
    )

    def one_record(method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
        since = audit_count(pg_engine)
        reply = getattr(api_client, method)(f"{API}{path}", json=body, headers=headers)
        assert reply.status_code == 200, reply.json
        return reply.json, new_audit(pg_engine, since)

    _, audited = one_record("post", f"/call-lists/{individual}/assign", supervisor, {"representative": "rita"})
    assert audited == [("sam", "supervisor", "list_assigned")]
    taken, audited = one_record("post", f"/call-lists/{individual}/take", rita)
    assert audited == [("rita", "representative", "case_taken")]
    entry_id = taken["entry"]["id"]
    _, audited = one_record("post", f"/call-list-entries/{entry_id}/release", rita)
    assert audited == [("rita", "representative", "case_released")]
    entry_id = one_record("post", f"/call-lists/{individual}/take", rita)[0]["entry"]["id"]
    _, audited = one_record(
        "post", f"/call-list-entries/{entry_id}/disposition", rita, {"disposition": "payment_arranged"}
    )
    assert audited == [("rita", "representative", "disposition_recorded")]  # the response it recorded included
    _, audited = one_record("post", f"/call-lists/{individual}/unassign", supervisor, {"representative": "rita"})
    assert audited == [("sam", "supervisor", "list_unassigned")]


def test_a_refused_api_action_leaves_no_audit_record(api_client, pg_engine, token_for) -> None:  # type: ignore[no-untyped-def]
    listed_cases(pg_engine)
    rita, ray = token_for("representative", "rita"), token_for("representative", "ray")
    [individual] = [item["id"] for item in api_client.get(f"{API}/call-lists", headers=rita).json["items"]]
    entry_id = api_client.post(f"{API}/call-lists/{individual}/take", headers=rita).json["entry"]["id"]
    since = audit_count(pg_engine)
    assert api_client.post(f"{API}/call-lists/{individual}/take", headers=ray).status_code == 403
    # An entry on a list not assigned to him does not exist for him (issue 11: was 403, which revealed it).
    assert api_client.post(f"{API}/call-list-entries/{entry_id}/release", headers=ray).status_code == 404
    refused = api_client.post(
        f"{API}/call-list-entries/{entry_id}/disposition",
        json={"disposition": "callback_scheduled", "callback_at": "2026-11-25T06:00:00-05:00"},
        headers=rita,
    )
    assert (refused.status_code, refused.json["error"]["field"]) == (422, "callback_at")
    assert audit_count(pg_engine) == since
