"""Representatives see only their cases: a case on a list not assigned to her (and not held by her) does not
exist for her, through every case endpoint; entries on such lists reveal nothing; a claim past its limit, or
on a list she was unassigned from, cannot be disposed (real PostgreSQL, through HTTP)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CaseResponse
from tests import call_list_support
from tests.conftest import DEFAULT_NOW
from tests.factories import make_case
from tests.integration.test_api import API, list_id, listed_case

CASE_READS = ("", "/history", "/enforcement")


@pytest.fixture
def people(api_client, pg_engine, token_for):  # type: ignore[no-untyped-def]
    """A supervisor, and representatives rita (assigned to the individual list) and ray (assigned to none)."""
    call_list_support.sweep(pg_engine, DEFAULT_NOW)  # the lists exist once a sweep has run
    supervisor = token_for("supervisor", "sam")
    rita, ray = token_for("representative", "rita"), token_for("representative", "ray")
    individual = list_id(api_client, supervisor, "individual")
    assigned = api_client.post(
        f"{API}/call-lists/{individual}/assign", json={"representative": "rita"}, headers=supervisor
    )
    assert assigned.status_code == 200, assigned.json
    return {"supervisor": supervisor, "rita": rita, "ray": ray, "individual": individual}


def responses_of(pg_engine, case_id: int) -> int:  # type: ignore[no-untyped-def]
    with Session(pg_engine) as session:
        return session.scalar(select(func.count()).select_from(CaseResponse).where(CaseResponse.case_id == case_id))


def test_a_representative_sees_the_cases_on_her_lists_and_nothing_else(api_client, pg_engine, people) -> None:  # type: ignore[no-untyped-def]
    on_her_list = listed_case(pg_engine, case_number="V-1")
    with Session(pg_engine) as session:
        never_listed = make_case(session, case_number="V-2", name="Private Person").id
        session.commit()
    on_a_business_list = listed_case(pg_engine, case_number="V-3", taxpayer_type="business")
    for suffix in CASE_READS:
        assert api_client.get(f"{API}/cases/{on_her_list}{suffix}", headers=people["rita"]).status_code == 200
        nonexistent = api_client.get(f"{API}/cases/987654{suffix}", headers=people["rita"])
        for hidden in (never_listed, on_a_business_list):
            reply = api_client.get(f"{API}/cases/{hidden}{suffix}", headers=people["rita"])
            # The same answer as for a case that does not exist: nothing about it, not even that it exists.
            assert reply.status_code == 404 == nonexistent.status_code
            assert "Private Person" not in reply.get_data(as_text=True)
            assert reply.json["error"]["message"] == f"no case {hidden}"
        # Ray is assigned to no list: he sees no case at all.
        assert api_client.get(f"{API}/cases/{on_her_list}{suffix}", headers=people["ray"]).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "operator", "supervisor"])
def test_other_roles_see_every_case_as_before(api_client, pg_engine, token_for, role) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine) as session:
        case_id = make_case(session, case_number=f"W-{role}").id
        session.commit()
    headers = token_for(role)
    for suffix in CASE_READS:
        assert api_client.get(f"{API}/cases/{case_id}{suffix}", headers=headers).status_code == 200


def test_a_representative_records_responses_only_on_cases_she_may_see(api_client, pg_engine, people) -> None:  # type: ignore[no-untyped-def]
    mine = listed_case(pg_engine, case_number="V-10")
    with Session(pg_engine) as session:
        elsewhere = make_case(session, case_number="V-11").id
        session.commit()
    refused = api_client.post(f"{API}/cases/{elsewhere}/responses", json={"kind": "payment"}, headers=people["rita"])
    assert refused.status_code == 404 and refused.json["error"]["message"] == f"no case {elsewhere}"
    assert responses_of(pg_engine, elsewhere) == 0
    recorded = api_client.post(f"{API}/cases/{mine}/responses", json={"kind": "payment"}, headers=people["rita"])
    assert recorded.status_code == 201 and responses_of(pg_engine, mine) == 1


def test_an_entry_on_a_list_not_hers_reveals_nothing(api_client, pg_engine, people, token_for) -> None:  # type: ignore[no-untyped-def]
    listed_case(pg_engine, case_number="V-20", taxpayer_type="business")
    supervisor = people["supervisor"]
    business = list_id(api_client, supervisor, "business")
    bea = token_for("representative", "bea")
    api_client.post(f"{API}/call-lists/{business}/assign", json={"representative": "bea"}, headers=supervisor)
    entry_id = api_client.post(f"{API}/call-lists/{business}/take", headers=bea).json["entry"]["id"]
    for action, body in (("disposition", {"disposition": "dispute"}), ("release", None)):
        theirs = api_client.post(f"{API}/call-list-entries/{entry_id}/{action}", json=body, headers=people["rita"])
        nothing = api_client.post(f"{API}/call-list-entries/987654/{action}", json=body, headers=people["rita"])
        # Not "claimed by someone else" (403): for her the entry does not exist, just like an unknown id.
        assert (theirs.status_code, theirs.json["error"]["message"]) == (404, f"no call list entry {entry_id}")
        assert nothing.status_code == 404
    # Bea's own claim is untouched.
    assert api_client.post(f"{API}/call-list-entries/{entry_id}/release", headers=bea).json["status"] == "open"


def test_a_claim_on_a_list_she_was_unassigned_from_can_be_released_not_disposed(api_client, pg_engine, people) -> None:  # type: ignore[no-untyped-def]
    case_id = listed_case(pg_engine, case_number="V-30")
    rita, supervisor, individual = people["rita"], people["supervisor"], people["individual"]
    entry_id = api_client.post(f"{API}/call-lists/{individual}/take", headers=rita).json["entry"]["id"]
    api_client.post(f"{API}/call-lists/{individual}/unassign", json={"representative": "rita"}, headers=supervisor)
    # She still holds it, so she may see it and give it back; she may no longer work it.
    assert api_client.get(f"{API}/cases/{case_id}", headers=rita).status_code == 200
    refused = api_client.post(
        f"{API}/call-list-entries/{entry_id}/disposition", json={"disposition": "payment_arranged"}, headers=rita
    )
    assert refused.status_code == 409 and "no longer assigned" in refused.json["error"]["message"]
    assert responses_of(pg_engine, case_id) == 0
    released = api_client.post(f"{API}/call-list-entries/{entry_id}/release", headers=rita)
    assert (released.status_code, released.json["status"]) == (200, "open")
    # Released, the case is no longer hers in any way.
    assert api_client.get(f"{API}/cases/{case_id}", headers=rita).status_code == 404


def test_a_claim_past_its_time_limit_cannot_be_disposed(api_client, api_container, pg_engine, people) -> None:  # type: ignore[no-untyped-def]
    case_id = listed_case(pg_engine, case_number="V-40")
    rita, individual = people["rita"], people["individual"]
    taken = api_client.post(f"{API}/call-lists/{individual}/take", headers=rita).json
    entry_id = taken["entry"]["id"]
    api_container.clock.advance(dt.timedelta(minutes=api_container.settings.claim_timeout_minutes, seconds=1))
    for who in ("rita", "supervisor"):
        refused = api_client.post(
            f"{API}/call-list-entries/{entry_id}/disposition",
            json={"disposition": "payment_arranged"},
            headers=people[who],
        )
        assert refused.status_code == 409 and "ran out" in refused.json["error"]["message"]
    assert responses_of(pg_engine, case_id) == 0
    # Her list's cases stay visible to her; taken again, the case gets a fresh claim she may dispose of.
    assert api_client.get(f"{API}/cases/{case_id}", headers=rita).status_code == 200
    again = api_client.post(f"{API}/call-list-entries/{entry_id}/release", headers=rita)
    assert again.status_code == 200
    retaken = api_client.post(f"{API}/call-lists/{individual}/take", headers=rita).json["entry"]["id"]
    done = api_client.post(
        f"{API}/call-list-entries/{retaken}/disposition", json={"disposition": "payment_arranged"}, headers=rita
    )
    assert done.status_code == 200 and responses_of(pg_engine, case_id) == 1
