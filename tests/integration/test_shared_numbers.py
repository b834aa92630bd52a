"""One number, many cases: a callback from a number several open cases share (a switchboard, a family line, a
reassigned number) stops nobody's calls on its own. It waits in the review queue until a supervisor resolves
it to one case, several or none; only the resolution records responses (real PostgreSQL, through HTTP)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallListEntry, CaseResponse
from contact_service.adapters.db.models import CallAttempt, CampaignCase
from tests.integration.test_case_use_cases import case_being_called
from tests.integration.test_inbound_callback import report
from tests.unit_of_work_support import audit_rows

API = "/api/v1"
SHARED = "(212) 555-0160"
CALLED_AT = "2026-11-24T13:30:00-05:00"


@pytest.fixture
def three_cases(pg_engine) -> list[int]:  # type: ignore[no-untyped-def]
    """Three cases being called (a planned call each, an open call-list entry each) behind one number."""
    return [case_being_called(pg_engine, phone=SHARED, number=f"SW-{n}") for n in range(1, 4)]


def state_of(pg_engine, case_id: int) -> tuple[str, str, str, int]:  # type: ignore[no-untyped-def]
    """(its planned call, its campaign case, its call-list entry, its responses) for one case."""
    with Session(pg_engine) as session:
        return (
            session.scalar(select(CallAttempt.state).where(CallAttempt.case_id == case_id)),
            session.scalar(select(CampaignCase.state).where(CampaignCase.case_id == case_id)),
            session.scalar(select(CallListEntry.status).where(CallListEntry.case_id == case_id)),
            len(session.scalars(select(CaseResponse.id).where(CaseResponse.case_id == case_id)).all()),
        )


UNTOUCHED = ("planned", "active", "open", 0)
RESPONDED = ("cancelled", "responded", "closed", 1)


def pending(api_client, headers) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    reply = api_client.get(f"{API}/responses/review", headers=headers)
    assert reply.status_code == 200, reply.json
    return reply.json["items"]


def test_a_shared_number_stops_no_ones_calls_and_waits_for_review(
    api_client, pg_engine, token_for, three_cases
) -> None:  # type: ignore[no-untyped-def]
    reply = report(api_client, {"caller": "+1 212 555 0160", "called_at": CALLED_AT, "call_id": "CC-SW"})
    assert (reply.status_code, reply.json["match"], reply.json["cases_matched"]) == (200, "ambiguous", 3)
    assert [state_of(pg_engine, case_id) for case_id in three_cases] == [UNTOUCHED] * 3
    [item] = pending(api_client, token_for("viewer"))
    assert item["caller"] == "+12125550160" and item["called_at"] == "2026-11-24T18:30:00Z"
    assert [c["case_id"] for c in item["candidates"]] == three_cases
    assert [c["case_number"] for c in item["candidates"]] == ["SW-1", "SW-2", "SW-3"]
    # The platform delivering the report again changes nothing.
    again = report(api_client, {"caller": "+1 212 555 0160", "called_at": CALLED_AT, "call_id": "CC-SW"}).json
    assert (again["duplicate"], again["match"], again["cases_matched"]) == (True, "ambiguous", 3)
    assert len(pending(api_client, token_for("viewer"))) == 1


@pytest.mark.parametrize("chosen", [[1], [0, 2], []], ids=["one", "several", "none"])
def test_a_supervisor_resolves_it_and_only_the_resolution_records_responses(
    api_client, pg_engine, token_for, three_cases, chosen
) -> None:  # type: ignore[no-untyped-def]
    callback_id = report(api_client, {"caller": SHARED, "called_at": CALLED_AT}).json["callback_id"]
    before = len(audit_rows(pg_engine))
    named = [three_cases[i] for i in chosen]
    resolved = api_client.post(
        f"{API}/inbound-callbacks/{callback_id}/resolve",
        json={"case_ids": named},
        headers=token_for("supervisor", "sam"),
    )
    assert resolved.status_code == 200, resolved.json
    assert resolved.json["case_ids"] == named and resolved.json["candidates"] == three_cases
    assert len(resolved.json["response_ids"]) == len(named)
    for case_id in three_cases:
        assert state_of(pg_engine, case_id) == (RESPONDED if case_id in named else UNTOUCHED)
    with Session(pg_engine) as session:
        for response in session.scalars(select(CaseResponse)):
            assert (response.kind, response.recorded_by, response.inbound_callback_id) == (
                "callback",
                "sam",
                callback_id,
            )
            assert response.responded_at.isoformat() == "2026-11-24T18:30:00+00:00"  # when the caller called
    [record] = audit_rows(pg_engine)[before:]
    assert (record["actor"], record["action"], record["subject_id"]) == (
        "sam",
        "inbound_callback_resolved",
        callback_id,
    )
    detail = json.loads(record["detail"])
    assert (detail["cases"], detail["candidates"]) == (named, three_cases)
    assert pending(api_client, token_for("viewer")) == []
    # Resolved once: a second resolution is refused and changes nothing.
    again = api_client.post(
        f"{API}/inbound-callbacks/{callback_id}/resolve",
        json={"case_ids": three_cases},
        headers=token_for("supervisor"),
    )
    assert again.status_code == 409 and len(audit_rows(pg_engine)) == before + 1
    assert sum(state_of(pg_engine, c)[3] for c in three_cases) == len(named)


def test_a_resolution_names_only_cases_the_number_matched(api_client, pg_engine, token_for, three_cases) -> None:  # type: ignore[no-untyped-def]
    stranger = case_being_called(pg_engine, phone="(212) 555-0161", number="SW-9")
    callback_id = report(api_client, {"caller": SHARED, "called_at": CALLED_AT}).json["callback_id"]
    supervisor = token_for("supervisor")
    refused = api_client.post(
        f"{API}/inbound-callbacks/{callback_id}/resolve", json={"case_ids": [stranger]}, headers=supervisor
    )
    assert (refused.status_code, refused.json["error"]["field"]) == (400, "case_ids")
    assert state_of(pg_engine, stranger) == UNTOUCHED and len(pending(api_client, supervisor)) == 1
    unknown = api_client.post(f"{API}/inbound-callbacks/987654/resolve", json={"case_ids": []}, headers=supervisor)
    assert unknown.status_code == 404


@pytest.mark.parametrize("role", ["viewer", "operator", "representative"])
def test_only_a_supervisor_resolves(api_client, pg_engine, token_for, three_cases, role) -> None:  # type: ignore[no-untyped-def]
    callback_id = report(api_client, {"caller": SHARED, "called_at": CALLED_AT}).json["callback_id"]
    refused = api_client.post(
        f"{API}/inbound-callbacks/{callback_id}/resolve", json={"case_ids": three_cases[:1]}, headers=token_for(role)
    )
    assert refused.status_code == 403
    assert [state_of(pg_engine, case_id) for case_id in three_cases] == [UNTOUCHED] * 3


def test_one_match_is_recorded_at_once_and_has_nothing_to_resolve(api_client, pg_engine, token_for) -> None:  # type: ignore[no-untyped-def]
    case_id = case_being_called(pg_engine, phone="(212) 555-0162", number="SW-20")
    reply = report(api_client, {"caller": "(212) 555-0162", "called_at": CALLED_AT}).json
    assert (reply["match"], reply["cases_matched"]) == ("matched", 1)
    assert state_of(pg_engine, case_id) == RESPONDED
    supervisor = token_for("supervisor")
    assert pending(api_client, supervisor) == []
    refused = api_client.post(
        f"{API}/inbound-callbacks/{reply['callback_id']}/resolve", json={"case_ids": [case_id]}, headers=supervisor
    )
    assert refused.status_code == 409 and state_of(pg_engine, case_id) == RESPONDED


def test_the_review_queue_is_not_a_representatives(api_client, pg_engine, token_for, three_cases) -> None:  # type: ignore[no-untyped-def]
    report(api_client, {"caller": SHARED, "called_at": CALLED_AT})
    reply = api_client.get(f"{API}/responses/review", headers=token_for("representative", "rita"))
    assert reply.status_code == 403 and "SW-" not in reply.get_data(as_text=True)
