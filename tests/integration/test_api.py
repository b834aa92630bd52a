"""The REST API: tokens and roles, one error format, campaigns, cases, call lists (real PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from contact_service.adapters.db.access_models import ApiToken
from contact_service.domain.escalation import DEFAULT_GRACE
from contact_service.services import api_tokens
from tests import call_list_support
from tests.conftest import DEFAULT_NOW
from tests.factories import end_in_campaign, make_campaign, make_case

API = "/api/v1"


def listed_case(pg_engine, **fields) -> int:  # type: ignore[no-untyped-def]
    """A case whose campaign ended exhausted, swept onto its list; returns the case id."""
    with Session(pg_engine) as session:
        campaign = make_campaign(
            session, f"ended {fields.get('case_number', 'x')}", launched_at=DEFAULT_NOW - dt.timedelta(days=20)
        )
        case = make_case(session, **fields)
        end_in_campaign(session, campaign, case, "exhausted", closed_at=DEFAULT_NOW - dt.timedelta(days=12))
        session.commit()
        call_list_support.sweep(session, DEFAULT_NOW, DEFAULT_GRACE)
        return case.id


def list_id(client, headers, segment: str) -> int:  # type: ignore[no-untyped-def]
    return next(
        item["id"]
        for item in client.get(f"{API}/call-lists", headers=headers).json["items"]
        if item["segment"] == segment
    )


def test_no_token_or_an_unknown_or_revoked_token_gets_401(api_client, api_container, token_for) -> None:  # type: ignore[no-untyped-def]
    assert api_client.get(f"{API}/campaigns").status_code == 401
    assert api_client.get(f"{API}/campaigns", headers={"Authorization": "Bearer cs_nope"}).status_code == 401
    headers = token_for("viewer", "vic")
    assert api_client.get(f"{API}/campaigns", headers=headers).status_code == 200
    with api_container.sessions() as session:
        api_tokens.revoke(session, "vic", DEFAULT_NOW)
        session.commit()
    reply = api_client.get(f"{API}/campaigns", headers=headers)
    assert reply.status_code == 401 and reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_tokens_are_stored_hashed(api_container, token_for) -> None:  # type: ignore[no-untyped-def]
    token = token_for("operator")["Authorization"].split()[1]
    with api_container.sessions() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored and all(len(h) == 64 for h in stored)


@pytest.mark.parametrize(
    "role, method, path, body",
    [
        ("viewer", "post", "/campaigns", {"name": "nope"}),
        ("representative", "post", "/campaigns", {"name": "nope"}),
        ("viewer", "post", "/call-lists/1/take", None),
        ("operator", "post", "/call-lists/1/take", None),
        ("viewer", "post", "/cases/1/responses", {"kind": "payment"}),
        ("representative", "post", "/call-lists/1/assign", {"representative": "rita"}),
        ("operator", "post", "/campaigns/1/launch", None),
    ],
)
def test_roles_without_the_permission_get_403(api_client, token_for, role, method, path, body) -> None:  # type: ignore[no-untyped-def]
    headers = token_for(role)
    if path == "/campaigns/1/launch":  # allowed for operators: show the contrast with a viewer
        headers = token_for("viewer")
    reply = getattr(api_client, method)(API + path, json=body, headers=headers)
    assert reply.status_code == 403
    assert "may not" in reply.json["error"]["message"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"name": "ok", "calls_per_second": 0}, "calls_per_second"),
        ({"name": "ok", "selection": {"taxpayer_types": ["alien"]}}, "selection.taxpayer_types.0"),
        ({"name": "ok", "selection": {"states": ["ZZ"]}}, "states"),
        ({"name": "ok", "selection": {"balance_min_cents": 500, "balance_max_cents": 100}}, None),
        ({"name": "ok", "surprise": 1}, "surprise"),
        ({"name": "ok", "retry_minutes": {"busy": 1}}, "retry_minutes.busy"),
    ],
)
def test_bad_campaign_input_gets_400_naming_the_field(api_client, token_for, body, field) -> None:  # type: ignore[no-untyped-def]
    reply = api_client.post(f"{API}/campaigns", json=body, headers=token_for("operator"))
    assert reply.status_code == 400
    assert reply.json["error"]["field"] == field
    assert reply.json["error"]["message"]


def test_a_body_that_is_not_json_gets_400(api_client, token_for) -> None:  # type: ignore[no-untyped-def]
    reply = api_client.post(f"{API}/campaigns", data="name=x", content_type="text/plain", headers=token_for("operator"))
    assert (reply.status_code, reply.json["error"]["field"]) == (400, "body")


def test_a_campaign_through_its_lifecycle(api_client, pg_engine, token_for) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine) as session:
        make_case(session, case_number="L-1")
        session.commit()
    operator = token_for("operator", "olga")
    created = api_client.post(
        f"{API}/campaigns", json={"name": "API one", "selection": {"case_numbers": ["L-1"]}}, headers=operator
    )
    assert created.status_code == 201 and created.json["status"] == "draft" and created.json["created_by"] == "olga"
    campaign_id = created.json["id"]
    assert api_client.post(f"{API}/campaigns", json={"name": "API one"}, headers=operator).status_code == 409
    preview = api_client.post(f"{API}/campaigns/{campaign_id}/preview", headers=operator).json
    assert (preview["selected"], preview["planned"]) == (1, 1)
    assert api_client.post(f"{API}/campaigns/{campaign_id}/launch", headers=operator).json["planned"] == 1
    assert api_client.post(f"{API}/campaigns/{campaign_id}/launch", headers=operator).status_code == 409
    assert api_client.post(f"{API}/campaigns/{campaign_id}/pause", headers=operator).json["status"] == "paused"
    assert api_client.post(f"{API}/campaigns/{campaign_id}/resume", headers=operator).json["status"] == "running"
    status = api_client.get(f"{API}/campaigns/{campaign_id}", headers=token_for("viewer")).json
    assert status["cases_by_state"] == {"active": 1} and status["attempts_by_state"] == {"planned": 1}
    assert api_client.post(f"{API}/campaigns/{campaign_id}/cancel", headers=operator).json["status"] == "cancelled"
    assert api_client.get(f"{API}/campaigns/999", headers=operator).status_code == 404


def test_campaign_pages(api_client, token_for) -> None:  # type: ignore[no-untyped-def]
    operator = token_for("operator")
    for number in range(5):
        api_client.post(f"{API}/campaigns", json={"name": f"page {number}"}, headers=operator)
    page = api_client.get(f"{API}/campaigns?limit=2&offset=1", headers=operator).json
    assert [c["name"] for c in page["items"]] == ["page 3", "page 2"]
    assert page["page"] == {"total": 5, "limit": 2, "offset": 1}
    bad = api_client.get(f"{API}/campaigns?limit=0", headers=operator)
    assert (bad.status_code, bad.json["error"]["field"]) == (400, "limit")


def test_a_representative_works_a_case_end_to_end(api_client, pg_engine, token_for) -> None:  # type: ignore[no-untyped-def]
    case_id = listed_case(pg_engine, case_number="R-1", phone="(415) 555-0142", state="CA")
    supervisor = token_for("supervisor", "sam")
    rita = token_for("representative", "rita")
    assert api_client.get(f"{API}/call-lists", headers=rita).json["items"] == []
    individual = list_id(api_client, supervisor, "individual")
    assert api_client.post(f"{API}/call-lists/{individual}/take", headers=rita).status_code == 403
    assigned = api_client.post(
        f"{API}/call-lists/{individual}/assign", json={"representative": "rita"}, headers=supervisor
    )
    assert assigned.json["items"][0]["assigned"] == ["rita"]
    assert [item["segment"] for item in api_client.get(f"{API}/call-lists", headers=rita).json["items"]] == [
        "individual"
    ]

    taken = api_client.post(f"{API}/call-lists/{individual}/take", headers=rita).json
    assert taken["case"]["case_number"] == "R-1" and taken["entry"]["claimed_by"] == "rita"
    entry_id = taken["entry"]["id"]
    nothing = api_client.post(f"{API}/call-lists/{individual}/take", headers=rita).json
    assert nothing["entry"] is None and nothing["reason"]

    six_am_pacific = "2026-11-25T06:00:00-08:00"
    refused = api_client.post(
        f"{API}/call-list-entries/{entry_id}/disposition",
        json={"disposition": "callback_scheduled", "callback_at": six_am_pacific},
        headers=rita,
    )
    assert refused.status_code == 422
    assert refused.json["error"]["field"] == "callback_at"
    assert refused.json["error"]["next_allowed_at"] == "2026-11-25T16:00:00+00:00"  # 8:00 in Los Angeles
    naive = api_client.post(
        f"{API}/call-list-entries/{entry_id}/disposition",
        json={"disposition": "callback_scheduled", "callback_at": "2026-11-25T10:00:00"},
        headers=rita,
    )
    assert (naive.status_code, naive.json["error"]["field"]) == (400, "callback_at")

    done = api_client.post(
        f"{API}/call-list-entries/{entry_id}/disposition",
        json={"disposition": "payment_arranged", "note": "paying in full Friday"},
        headers=rita,
    )
    assert (done.status_code, done.json["status"], done.json["disposition"]) == (200, "closed", "payment_arranged")

    history = api_client.get(f"{API}/cases/{case_id}/history", headers=rita).json
    assert [r["kind"] for r in history["responses"]] == ["payment"]
    # One audit record per action; the disposition's says it recorded the response.
    assert [a["action"] for a in history["audit"]] == ["case_taken", "disposition_recorded"]
    assert all(a["actor"] == "rita" for a in history["audit"])
    disposed = history["audit"][1]["detail"]
    assert (disposed["response_recorded"], disposed["response_id"]) == ("payment", history["responses"][0]["id"])


def test_only_the_claimant_may_dispose_or_release(api_client, pg_engine, token_for) -> None:  # type: ignore[no-untyped-def]
    listed_case(pg_engine, case_number="R-2")
    supervisor = token_for("supervisor", "sam")
    individual = list_id(api_client, supervisor, "individual")
    rita, ray = token_for("representative", "rita"), token_for("representative", "ray")  # they exist: assignable
    for name in ("rita", "ray"):
        api_client.post(f"{API}/call-lists/{individual}/assign", json={"representative": name}, headers=supervisor)
    entry_id = api_client.post(f"{API}/call-lists/{individual}/take", headers=rita).json["entry"]["id"]
    assert api_client.post(f"{API}/call-list-entries/{entry_id}/release", headers=ray).status_code == 403
    assert (
        api_client.post(
            f"{API}/call-list-entries/{entry_id}/disposition", json={"disposition": "dispute"}, headers=ray
        ).status_code
        == 403
    )
    assert api_client.post(f"{API}/call-list-entries/{entry_id}/release", headers=rita).json["status"] == "open"
    assert api_client.post(f"{API}/call-list-entries/{entry_id}/release", headers=rita).status_code == 409


def test_recording_a_response_and_reading_the_case(api_client, pg_engine, token_for) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine) as session:
        case = make_case(
            session, case_number="C-1", balance_cents=2_000_000, notice_stage="LT11", last_notice_on=dt.date(2026, 9, 1)
        )
        session.commit()
        case_id = case.id
    operator = token_for("operator", "olga")
    case = api_client.get(f"{API}/cases/{case_id}", headers=operator).json
    assert case["case_number"] == "C-1" and case["tin_last4"] == "1234" and "tin" not in case
    bad = api_client.post(f"{API}/cases/{case_id}/responses", json={"kind": "gift_card"}, headers=operator)
    assert (bad.status_code, bad.json["error"]["field"]) == (400, "kind")
    recorded = api_client.post(
        f"{API}/cases/{case_id}/responses",
        json={"kind": "offer_in_compromise", "note": "Form 656 received"},
        headers=operator,
    )
    assert recorded.status_code == 201 and recorded.json["recorded_by"] == "olga"
    assert api_client.get(f"{API}/cases/{case_id}", headers=operator).json["last_response_at"] is not None
    advice = api_client.get(f"{API}/cases/{case_id}/enforcement", headers=operator).json
    by_action = {r["action"]: r for r in advice["recommendations"]}
    assert by_action["lien"]["qualifies"] is True
    assert by_action["levy"]["qualifies"] is True  # LT11 mailed 84 days before, nothing pending
    assert by_action["passport_certification"]["qualifies"] is False
    assert api_client.get(f"{API}/cases/424242/enforcement", headers=operator).status_code == 404


def test_unknown_api_paths_answer_json(api_client, token_for) -> None:  # type: ignore[no-untyped-def]
    reply = api_client.get(f"{API}/nothing-here", headers=token_for("viewer"))
    assert reply.status_code == 404 and reply.json["error"]["status"] == 404
