"""Times from outside are bounded, and a response can be corrected or withdrawn by a supervisor.

An inbound callback's `called_at` and a response's `responded_at` may be a few minutes ahead of our clock (the
configured skew), never further, never before 2000-01-01, and a response never before its case was imported:
out of range is a 400 naming the field, and nothing is stored. A response already stored with a wrong time
(as one far in the future was, before these bounds) is corrected or withdrawn through the API by a
supervisor, audited; the case's latest response is recomputed, so the sweep treats it as it really stands
(real PostgreSQL, through HTTP)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallListEntry, CaseResponse, InboundCallback
from contact_service.adapters.db.models import CallEvent, Case
from contact_service.bootstrap import Container
from contact_service.clock import FixedClock
from contact_service.config import load_settings
from contact_service.web.app import build_app
from tests import call_list_support
from tests.conftest import DEFAULT_NOW, TEST_REDIS_URL
from tests.factories import end_in_campaign, make_attempt, make_campaign, make_case
from tests.integration.conftest import INBOUND_SECRET
from tests.integration.test_case_use_cases import case_being_called
from tests.integration.test_inbound_callback import report
from tests.integration.test_voice_binding import ask, voice_client, voice_container  # noqa: F401  (fixtures)
from tests.integration.webhook_support import call_params
from tests.unit_of_work_support import audit_rows

API = "/api/v1"
FAR_FUTURE = "2099-01-01T00:00:00+00:00"


def at(delta: dt.timedelta) -> str:
    return (DEFAULT_NOW + delta).isoformat()


def stored(pg_engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with Session(pg_engine) as session:
        return (
            session.scalar(select(func.count()).select_from(InboundCallback)),
            session.scalar(select(func.count()).select_from(CaseResponse)),
        )


def last_response(pg_engine, case_id: int) -> dt.datetime | None:  # type: ignore[no-untyped-def]
    with Session(pg_engine) as session:
        return session.scalar(select(Case.last_response_at).where(Case.id == case_id))


# --- inbound callbacks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "called_at",
    [
        FAR_FUTURE,  # would have marked the case responded for good
        at(dt.timedelta(minutes=6)),  # just beyond the five minutes a sender's clock may run ahead
        "1999-12-31T23:59:59+00:00",  # before the floor
        "0001-01-01T00:00:00+14:00",  # cannot even be written in UTC: refused, not a 500
        "9999-12-31T23:59:59-14:00",
    ],
)
def test_a_callback_time_out_of_bounds_is_refused_naming_the_field(api_client, pg_engine, called_at) -> None:  # type: ignore[no-untyped-def]
    case_id = case_being_called(pg_engine)
    reply = report(api_client, {"caller": "(212) 555-0147", "called_at": called_at})
    assert (reply.status_code, reply.json["error"]["field"]) == (400, "called_at"), reply.json
    assert stored(pg_engine) == (0, 0) and last_response(pg_engine, case_id) is None


def test_a_callback_a_little_ahead_of_our_clock_is_taken(api_client, pg_engine) -> None:  # type: ignore[no-untyped-def]
    case_being_called(pg_engine)
    reply = report(api_client, {"caller": "(212) 555-0147", "called_at": at(dt.timedelta(minutes=4))})
    assert (reply.status_code, reply.json["match"]) == (200, "matched")


def test_the_allowed_skew_is_configurable(pg_engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(
        environ={},
        overrides={
            "database_url": pg_engine.url.render_as_string(hide_password=False),
            "redis_url": TEST_REDIS_URL,
            "inbound_callback_secret": INBOUND_SECRET,
            "external_time_skew_seconds": 0,
        },
    )
    container = Container(settings=settings, clock=FixedClock(DEFAULT_NOW))
    container.engine = pg_engine  # type: ignore[misc]
    client = build_app(container=container).test_client()
    case_being_called(pg_engine)
    reply = report(client, {"caller": "(212) 555-0147", "called_at": at(dt.timedelta(minutes=1))})
    assert (reply.status_code, reply.json["error"]["field"]) == (400, "called_at")


# --- responses through the API ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("responded_at", "says"),
    [
        (FAR_FUTURE, "in the future"),
        (at(dt.timedelta(minutes=6)), "in the future"),
        ("1999-12-31T23:59:59+00:00", "before 2000-01-01"),
        (at(-dt.timedelta(hours=1)), "before the case was imported"),  # cases are imported at DEFAULT_NOW
        ("0001-01-01T00:00:00+14:00", "before 2000-01-01"),
    ],
)
def test_a_response_time_out_of_bounds_is_refused_naming_the_field(
    api_client, pg_engine, token_for, responded_at, says
) -> None:  # type: ignore[no-untyped-def]
    case_id = case_being_called(pg_engine)
    reply = api_client.post(
        f"{API}/cases/{case_id}/responses",
        json={"kind": "payment", "responded_at": responded_at},
        headers=token_for("operator"),
    )
    assert (reply.status_code, reply.json["error"]["field"]) == (400, "responded_at"), reply.json
    assert says in reply.json["error"]["message"]
    assert stored(pg_engine) == (0, 0) and last_response(pg_engine, case_id) is None


def test_a_response_a_little_ahead_of_our_clock_is_taken(api_client, pg_engine, token_for) -> None:  # type: ignore[no-untyped-def]
    case_id = case_being_called(pg_engine)
    reply = api_client.post(
        f"{API}/cases/{case_id}/responses",
        json={"kind": "payment", "responded_at": at(dt.timedelta(minutes=4))},
        headers=token_for("operator"),
    )
    assert reply.status_code == 201, reply.json


# --- correcting and withdrawing ---------------------------------------------------------------------------


def exhausted_case_with_a_response_from_the_future(pg_engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A case imported 60 days ago whose campaign (launched 20 days ago) ended exhausted 12 days ago, with a
    response stored far in the future, as an unbounded report left it: the sweep skips it. (case, response)."""
    with Session(pg_engine) as session:
        campaign = make_campaign(session, "spring", launched_at=DEFAULT_NOW - dt.timedelta(days=20))
        case = make_case(session, case_number="FUT-1")
        case.created_at = DEFAULT_NOW - dt.timedelta(days=60)
        end_in_campaign(session, campaign, case, "exhausted", closed_at=DEFAULT_NOW - dt.timedelta(days=12))
        future = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
        response_id = session.execute(
            insert(CaseResponse)
            .values(
                case_id=case.id,
                kind="callback",
                responded_at=future,
                recorded_at=DEFAULT_NOW - dt.timedelta(days=1),
                recorded_by="call-centre-platform",
                needs_review=False,
            )
            .returning(CaseResponse.id)
        ).scalar_one()
        session.execute(update(Case).where(Case.id == case.id).values(last_response_at=future))
        session.commit()
        return case.id, response_id


def listed_ids(pg_engine) -> list[int]:  # type: ignore[no-untyped-def]
    call_list_support.sweep(pg_engine, DEFAULT_NOW)
    with Session(pg_engine) as session:
        return list(session.scalars(select(CallListEntry.case_id).where(CallListEntry.status == "open")))


def test_a_supervisor_withdraws_a_response_and_the_case_counts_as_not_responded(
    api_client, pg_engine, token_for
) -> None:  # type: ignore[no-untyped-def]
    case_id, response_id = exhausted_case_with_a_response_from_the_future(pg_engine)
    assert listed_ids(pg_engine) == []  # "responded" in 2099: never listed, every later campaign skips it
    before = len(audit_rows(pg_engine))
    reply = api_client.post(
        f"{API}/responses/{response_id}/withdraw",
        json={"reason": "the platform's clock was wrong"},
        headers=token_for("supervisor", "sam"),
    )
    assert reply.status_code == 200, reply.json
    assert (reply.json["withdrawn_by"], reply.json["withdrawn_at"]) == ("sam", "2026-11-24T19:00:00Z")
    assert last_response(pg_engine, case_id) is None
    [record] = audit_rows(pg_engine)[before:]
    assert (record["actor"], record["action"], record["subject_id"], record["case_id"]) == (
        "sam",
        "response_withdrawn",
        response_id,
        case_id,
    )
    assert json.loads(record["detail"])["reason"] == "the platform's clock was wrong"
    assert listed_ids(pg_engine) == [case_id]
    history = api_client.get(f"{API}/cases/{case_id}/history", headers=token_for("viewer")).json
    assert [r["withdrawn_by"] for r in history["responses"]] == ["sam"]
    again = api_client.post(
        f"{API}/responses/{response_id}/withdraw", json={"reason": "twice"}, headers=token_for("supervisor")
    )
    assert again.status_code == 409
    assert [r["action"] for r in audit_rows(pg_engine)].count("response_withdrawn") == 1


def test_a_supervisor_corrects_a_responses_time(api_client, pg_engine, token_for) -> None:  # type: ignore[no-untyped-def]
    case_id, response_id = exhausted_case_with_a_response_from_the_future(pg_engine)
    supervisor = token_for("supervisor", "sam")
    refused = api_client.post(
        f"{API}/responses/{response_id}/correct",
        json={"responded_at": at(dt.timedelta(days=1)), "reason": "typo"},
        headers=supervisor,
    )
    assert (refused.status_code, refused.json["error"]["field"]) == (400, "responded_at")
    before = len(audit_rows(pg_engine))
    # The callback really came 30 days ago, before the campaign launched: the campaign's silence stands.
    really = "2026-10-25T10:00:00-04:00"
    reply = api_client.post(
        f"{API}/responses/{response_id}/correct", json={"responded_at": really, "reason": "typo"}, headers=supervisor
    )
    assert (reply.status_code, reply.json["responded_at"]) == (200, "2026-10-25T14:00:00Z"), reply.json
    assert last_response(pg_engine, case_id) == dt.datetime(2026, 10, 25, 14, tzinfo=dt.UTC)
    [record] = audit_rows(pg_engine)[before:]
    detail = json.loads(record["detail"])
    assert (record["action"], record["actor"]) == ("response_corrected", "sam")
    assert detail["responded_at_before"].startswith("2099-01-01") and detail["reason"] == "typo"
    assert listed_ids(pg_engine) == [case_id]


@pytest.mark.parametrize("role", ["viewer", "operator", "representative"])
def test_only_a_supervisor_corrects_or_withdraws(api_client, pg_engine, token_for, role) -> None:  # type: ignore[no-untyped-def]
    case_id, response_id = exhausted_case_with_a_response_from_the_future(pg_engine)
    headers = token_for(role)
    for action, body in (
        ("correct", {"responded_at": at(dt.timedelta()), "reason": "x"}),
        ("withdraw", {"reason": "x"}),
    ):
        assert api_client.post(f"{API}/responses/{response_id}/{action}", json=body, headers=headers).status_code == 403
    assert last_response(pg_engine, case_id) == dt.datetime(2099, 1, 1, tzinfo=dt.UTC)


def test_a_withdrawal_without_a_reason_or_of_no_response_is_refused(api_client, pg_engine, token_for) -> None:  # type: ignore[no-untyped-def]
    _, response_id = exhausted_case_with_a_response_from_the_future(pg_engine)
    supervisor = token_for("supervisor")
    blank = api_client.post(f"{API}/responses/{response_id}/withdraw", json={"reason": "   "}, headers=supervisor)
    assert (blank.status_code, blank.json["error"]["field"]) == (400, "reason")
    missing = api_client.post(f"{API}/responses/987654/withdraw", json={"reason": "x"}, headers=supervisor)
    assert missing.status_code == 404


def test_withdrawing_a_callback_reopens_what_it_closed(api_client, pg_engine, token_for) -> None:  # type: ignore[no-untyped-def]
    case_id = case_being_called(pg_engine)
    report(api_client, {"caller": "(212) 555-0147", "called_at": at(-dt.timedelta(minutes=1))})
    viewer = token_for("viewer")
    history = api_client.get(f"{API}/cases/{case_id}/history", headers=viewer).json
    [response] = history["responses"]
    assert [e["status"] for e in history["call_list_entries"]] == ["closed"]
    withdrawn = api_client.post(
        f"{API}/responses/{response['id']}/withdraw", json={"reason": "wrong taxpayer"}, headers=token_for("supervisor")
    )
    assert withdrawn.status_code == 200
    history = api_client.get(f"{API}/cases/{case_id}/history", headers=viewer).json
    # The entry the callback closed waits on its list again; the campaign's stopped calls are not replayed.
    assert [e["status"] for e in history["call_list_entries"]] == ["open"]
    assert history["case"]["last_response_at"] is None
    detail = json.loads(audit_rows(pg_engine)[-1]["detail"])
    assert detail["entries_reopened"] == [history["call_list_entries"][0]["id"]]
    assert len(detail["campaigns_reopened"]) == 1


# --- the provider's event times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timestamp", "kept"),
    [
        ("Tue, 24 Nov 2026 18:59:58 +0000", True),
        ("Fri, 01 Jan 2099 00:00:00 +0000", False),  # informational: dropped, the callback itself recorded
        ("Sat, 01 Jan 1990 00:00:00 +0000", False),
    ],
)
def test_a_providers_event_time_out_of_bounds_is_dropped_not_stored(voice_client, pg_engine, timestamp, kept) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt_id = make_attempt(session, call_sid="CAstamp").id
    params = call_params("CAstamp", CallStatus="ringing", SequenceNumber="1", Timestamp=timestamp)
    assert ask(voice_client, f"/webhooks/twilio/status?attempt={attempt_id}", params).status_code == 204
    with Session(pg_engine) as session:
        [event] = session.scalars(select(CallEvent).where(CallEvent.attempt_id == attempt_id))
    assert event.call_status == "ringing"
    assert (event.provider_timestamp is not None) is kept
