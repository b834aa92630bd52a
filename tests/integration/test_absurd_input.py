"""Signed-but-absurd input never gives a 500: a time at the edge of the calendar (year 1 at +14:00, year 9999 at
-14:00, which have no UTC equivalent), JSON nested thousands deep, and NUL characters bound for PostgreSQL (which
refuses them) — in API bodies and query strings, Twilio webhook form fields and the inbound callback. Each gets
a 4xx that names what was wrong, and changes nothing (real PostgreSQL and Redis)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CaseResponse, InboundCallback
from contact_service.adapters.db.models import CallEvent
from contact_service.bootstrap import Container
from contact_service.web.app import build_app
from contact_service.web.inbound_callback import sign
from tests.factories import make_attempt, make_case
from tests.integration.conftest import INBOUND_SECRET
from tests.integration.webhook_support import AUTH_TOKEN, PUBLIC_BASE_URL, RecordingTelephony, call_params, post_signed

EDGE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
DEEP = 3000  # far deeper than any parser should recurse, and within every body limit


def deeply_nested(field: str) -> bytes:
    return b'{"' + field.encode() + b'": ' + b"[" * DEEP + b"]" * DEEP + b"}"


def count(engine: Engine, table: type) -> int:  # type: ignore[type-arg]
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def assert_refused(reply, field: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """A 4xx in the one JSON error shape, naming `field` when given."""
    assert 400 <= reply.status_code < 500, reply.get_data(as_text=True)[:300]
    error = reply.json["error"]
    assert error["status"] == reply.status_code
    if field is not None:
        assert error["field"] == field, error


# --- the API ------------------------------------------------------------------------------------------------


@pytest.fixture
def case_id(pg_engine: Engine) -> int:
    with Session(pg_engine) as session:
        case = make_case(session, phone="(212) 555-0181")
        session.commit()
        return case.id


@pytest.mark.parametrize("when", EDGE_TIMES)
def test_an_edge_of_the_calendar_time_in_an_api_body_is_400_naming_it(
    api_client, token_for, pg_engine, case_id, when
) -> None:  # type: ignore[no-untyped-def]
    reply = api_client.post(
        f"/api/v1/cases/{case_id}/responses",
        json={"kind": "payment", "responded_at": when},
        headers=token_for("supervisor"),
    )
    assert_refused(reply, "responded_at")
    assert count(pg_engine, CaseResponse) == 0


def test_json_nested_thousands_deep_in_an_api_body_is_400(api_client, token_for) -> None:  # type: ignore[no-untyped-def]
    reply = api_client.post(
        "/api/v1/campaigns", data=deeply_nested("name"), content_type="application/json", headers=token_for("operator")
    )
    assert_refused(reply)
    assert "recursion limit" in reply.json["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "ok", "selection": {"states": ["N\x00Y"]}}, "selection.states.0"),
        ({"name": "ok", "selection": {"case_numbers": ["A-1\x00"]}}, "selection.case_numbers.0"),
        ({"name": "N\x00ame"}, "name"),
    ],
)
def test_a_nul_in_any_api_body_text_is_400_naming_the_field(api_client, token_for, body, field) -> None:  # type: ignore[no-untyped-def]
    reply = api_client.post("/api/v1/campaigns", json=body, headers=token_for("operator"))
    assert_refused(reply, field)


@pytest.mark.parametrize("query", ["status=%00", "status=draft%00", "limit=1&%00=1"])
def test_a_nul_in_an_api_query_string_is_400(api_client, token_for, query) -> None:  # type: ignore[no-untyped-def]
    reply = api_client.get(f"/api/v1/campaigns?{query}", headers=token_for("viewer"))
    assert_refused(reply)


# --- the inbound callback -----------------------------------------------------------------------------------


def report(client, body: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/webhooks/inbound-callback",
        data=body,
        content_type="application/json",
        headers={"X-Contact-Signature": sign(INBOUND_SECRET, body)},
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        *[({"caller": "(212) 555-0181", "called_at": when}, "called_at") for when in EDGE_TIMES],
        ({"caller": "(212) 555-0181", "called_at": "2026-11-24T13:30:00\x00-05:00"}, "called_at"),
        ({"caller": "(212) 555\x00-0181", "called_at": "2026-11-24T13:30:00-05:00"}, "caller"),
        ({"caller": "(212) 555-0181", "called_at": "2026-11-24T13:30:00-05:00", "call_id": "C\x00"}, "call_id"),
    ],
)
def test_an_absurd_signed_report_is_400_naming_the_field(api_client, pg_engine, case_id, payload, field) -> None:  # type: ignore[no-untyped-def]
    reply = report(api_client, json.dumps(payload).encode())
    assert_refused(reply, field)
    assert count(pg_engine, InboundCallback) == 0


def test_a_signed_report_nested_thousands_deep_is_400(api_client, pg_engine) -> None:  # type: ignore[no-untyped-def]
    reply = report(api_client, deeply_nested("caller"))
    assert_refused(reply, "body")
    assert count(pg_engine, InboundCallback) == 0


# --- the Twilio webhooks ------------------------------------------------------------------------------------


@pytest.fixture
def webhook_client(api_container: Container) -> Iterator:  # type: ignore[type-arg]
    api_container.settings = api_container.settings.replace(
        public_base_url=PUBLIC_BASE_URL, twilio_auth_token=AUTH_TOKEN
    )
    api_container.telephony = RecordingTelephony()  # type: ignore[misc]
    yield build_app(container=api_container).test_client()


@pytest.mark.parametrize("endpoint", ["status", "amd", "voice", "gather"])
def test_a_nul_in_a_signed_webhook_field_is_refused_and_records_nothing(webhook_client, pg_engine, endpoint) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CA" + "1" * 32, name="Maria Lopez")
    params = call_params("CA" + "1" * 32, CallStatus="compl\x00eted", AnsweredBy="hu\x00man", Digits="9\x00")
    reply = post_signed(webhook_client, f"/webhooks/twilio/{endpoint}?attempt={attempt.id}", params)
    if endpoint in ("voice", "gather"):
        # A caller is listening: the safe message (the official number, no one's name), never an error.
        assert reply.status_code == 200 and reply.mimetype == "application/xml"
        assert "1-800-829-1040" in reply.get_data(as_text=True)
        assert "Maria" not in reply.get_data(as_text=True)
    else:
        assert reply.status_code == 400
    assert count(pg_engine, CallEvent) == 0


@pytest.mark.parametrize("stamp", ["Mon, 01 Jan 0001 00:00:00 +1400", "Fri, 31 Dec 9999 23:59:59 -1400"])
def test_an_edge_of_the_calendar_provider_timestamp_is_never_a_500(webhook_client, pg_engine, stamp) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CA" + "2" * 32)
    params = call_params("CA" + "2" * 32, CallStatus="ringing", SequenceNumber="1", Timestamp=stamp)
    reply = post_signed(webhook_client, f"/webhooks/twilio/status?attempt={attempt.id}", params)
    assert reply.status_code < 500
