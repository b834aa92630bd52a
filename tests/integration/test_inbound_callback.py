"""`POST /webhooks/inbound-callback`: a taxpayer called the official line (real PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CaseResponse, InboundCallback
from contact_service.adapters.db.models import CallAttempt, CampaignCase, Case
from contact_service.web.inbound_callback import sign
from tests.factories import end_in_campaign, make_campaign, make_case, primary_phone
from tests.integration.conftest import INBOUND_SECRET

PATH = "/webhooks/inbound-callback"


def report(client, payload: dict, secret: str = INBOUND_SECRET, signature: str | None = None):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    return client.post(
        PATH,
        data=body,
        content_type="application/json",
        headers={"X-Contact-Signature": signature if signature is not None else sign(secret, body)},
    )


def counts(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return (
            session.scalar(select(func.count()).select_from(InboundCallback)),
            session.scalar(select(func.count()).select_from(CaseResponse)),
        )


@pytest.mark.parametrize(
    "written",
    [
        "(212) 555-0147",
        "+1 212.555.0147",
        "212-555-0147",
        "12125550147",
        "tel:+1-212-555-0147",
        "1 (212) 555 0147",
        "+12125550147",
    ],
)
def test_one_match_records_a_response_and_stops_the_automated_calls(api_client, pg_engine, written) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        case = make_case(session, phone="(212) 555-0147")
        campaign = make_campaign(session, "running", status="running")
        end_in_campaign(session, campaign, case, "active")
        phone = primary_phone(session, case)
        session.add(
            CallAttempt(
                campaign_id=campaign.id,
                case_id=case.id,
                phone_number_id=phone.id,
                to_e164=phone.e164,
                state="planned",
                created_at=campaign.created_at,
            )
        )
        session.commit()
    reply = report(api_client, {"caller": written, "called_at": "2026-11-24T13:30:00-05:00", "call_id": "CC1"})
    assert reply.status_code == 200
    assert reply.json == {"callback_id": 1, "match": "matched", "cases_matched": 1, "duplicate": False}
    with Session(pg_engine) as session:
        response = session.scalars(select(CaseResponse)).one()
        assert (response.case_id, response.kind, response.needs_review) == (case.id, "callback", False)
        assert session.scalar(select(CallAttempt.state)) == "cancelled"
        assert session.scalar(select(CampaignCase.state)) == "responded"
        assert session.get(Case, case.id).last_response_at.isoformat() == "2026-11-24T18:30:00+00:00"


def test_several_matches_record_nothing_and_wait_for_review(api_client, pg_engine, token_for) -> None:  # type: ignore[no-untyped-def]
    # Issue 11 changed this: a number shared by several cases no longer marks them all responded.
    with Session(pg_engine) as session:
        first = make_case(session, phone="(212) 555-0148", case_number="S-1")
        second = make_case(session, phone="212 555 0148", case_number="S-2", taxpayer_type="business")
        make_case(session, phone="(212) 555-0149", case_number="S-3")
        session.commit()
        ids = [first.id, second.id]
    reply = report(api_client, {"caller": "+1 (212) 555-0148", "called_at": "2026-11-24T18:00:00Z"})
    assert reply.json["match"] == "ambiguous" and reply.json["cases_matched"] == 2
    assert counts(pg_engine) == (1, 0)
    review = api_client.get("/api/v1/responses/review", headers=token_for("viewer"))
    assert review.status_code == 200 and review.json["page"]["total"] == 1
    assert [c["case_id"] for c in review.json["items"][0]["candidates"]] == ids


@pytest.mark.parametrize("caller, status", [("(212) 555-0199", "unmatched"), ("anonymous", "invalid_number")])
def test_no_match_is_logged_and_changes_no_case(api_client, pg_engine, caller, status) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine) as session:
        make_case(session, phone="(212) 555-0150")
        session.commit()
    reply = report(api_client, {"caller": caller, "called_at": "2026-11-24T18:00:00+00:00"})
    assert (reply.status_code, reply.json["match"], reply.json["cases_matched"]) == (200, status, 0)
    assert counts(pg_engine) == (1, 0)


def test_a_report_sent_twice_is_recorded_once(api_client, pg_engine) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine) as session:
        make_case(session, phone="(212) 555-0151")
        session.commit()
    payload = {"caller": "(212) 555-0151", "called_at": "2026-11-24T18:00:00+00:00"}
    assert report(api_client, payload).json["duplicate"] is False
    again = report(api_client, payload).json
    assert (again["duplicate"], again["match"], again["cases_matched"]) == (True, "matched", 1)
    assert counts(pg_engine) == (1, 1)


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, sign("another-secret-entirely", b"{}")])
def test_a_forged_report_gets_403_and_changes_nothing(api_client, pg_engine, signature) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine) as session:
        make_case(session, phone="(212) 555-0152")
        session.commit()
    reply = report(
        api_client, {"caller": "(212) 555-0152", "called_at": "2026-11-24T18:00:00+00:00"}, signature=signature
    )
    assert reply.status_code == 403
    assert counts(pg_engine) == (0, 0)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"called_at": "2026-11-24T18:00:00+00:00"}, "caller"),
        ({"caller": "(212) 555-0152", "called_at": "yesterday"}, "called_at"),
        ({"caller": "(212) 555-0152", "called_at": "2026-11-24T18:00:00"}, "called_at"),
        ({"caller": "(212) 555-0152", "called_at": "2026-11-24T18:00:00Z", "call_id": 7}, "call_id"),
        (["not", "an", "object"], "body"),
    ],
)
def test_a_signed_but_malformed_report_gets_400_naming_the_field(api_client, pg_engine, payload, field) -> None:  # type: ignore[no-untyped-def]
    reply = report(api_client, payload)
    assert (reply.status_code, reply.json["error"]["field"]) == (400, field)
    assert counts(pg_engine) == (0, 0)
