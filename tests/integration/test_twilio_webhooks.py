"""The Twilio webhooks on real PostgreSQL: signatures, the event log, outcomes, and what a caller hears."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, CallEvent, PhoneNumber
from contact_service.bootstrap import Container
from contact_service.clock import FixedClock
from contact_service.config import load_settings
from contact_service.domain.call_script import FALLBACK_HUMAN_TEXT
from contact_service.services.call_settlement import settle_all
from contact_service.web.app import build_app
from tests.conftest import DEFAULT_NOW, TEST_REDIS_URL
from tests.factories import make_attempt
from tests.integration.conftest import INBOUND_SECRET
from tests.integration.webhook_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    RecordingTelephony,
    call_params,
    post_signed,
    sign,
)

OFFICIAL = "+18008291040"


@pytest.fixture
def container(pg_engine: Engine, redis_client) -> Container:  # type: ignore[no-untyped-def]
    settings = load_settings(
        overrides={
            "database_url": pg_engine.url.render_as_string(hide_password=False),
            "redis_url": TEST_REDIS_URL,
            "public_base_url": PUBLIC_BASE_URL,
            "twilio_auth_token": AUTH_TOKEN,
            "twilio_account_sid": ACCOUNT_SID,
            "inbound_callback_secret": INBOUND_SECRET,  # PUBLIC_BASE_URL is not this machine: no placeholders
        }
    )
    container = Container(settings=settings, clock=FixedClock(DEFAULT_NOW))
    container.engine = pg_engine  # type: ignore[misc]
    container.telephony = RecordingTelephony()  # type: ignore[misc]
    return container


@pytest.fixture
def client(container: Container):  # type: ignore[no-untyped-def]
    return build_app(container=container).test_client()


def snapshot(engine: Engine) -> tuple:  # type: ignore[type-arg]
    with engine.connect() as connection:
        events = connection.scalar(select(func.count()).select_from(CallEvent))
        attempts = connection.execute(
            select(
                CallAttempt.id,
                CallAttempt.state,
                CallAttempt.provider_status,
                CallAttempt.outcome,
                CallAttempt.call_sid,
            ).order_by(CallAttempt.id)
        ).all()
    return events, attempts


def attempt_row(engine: Engine, attempt_id: int) -> CallAttempt:
    """The attempt as the settler leaves it once every recorded event is folded in."""
    with Session(engine) as session:
        settle_all(session, DEFAULT_NOW)
    with engine.connect() as connection:
        return connection.execute(select(CallAttempt).where(CallAttempt.id == attempt_id)).one()


def says(twiml: bytes) -> list[str]:
    return [element.text or "" for element in ET.fromstring(twiml).iter("Say")]


def dials(twiml: bytes) -> list[str]:
    root = ET.fromstring(twiml)
    return [(dial.text or "").strip() for dial in root.iter("Dial")] + [n.text for n in root.iter("Number")]


# --- signatures -------------------------------------------------------------------------------------------


def test_a_forged_signature_gets_403_and_changes_nothing(client, pg_engine: Engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAforged")
    before = snapshot(pg_engine)
    path = f"/webhooks/twilio/status?attempt={attempt.id}"
    params = call_params("CAforged", CallStatus="completed", SequenceNumber="3", AnsweredBy="human")
    for headers in (
        {"X-Twilio-Signature": sign(path, params, token="not-the-token")},
        {},
        {"X-Twilio-Signature": "   "},
    ):
        assert client.post(path, data=params, headers=headers).status_code == 403
    assert snapshot(pg_engine) == before
    assert int(redis_client.get("contact_service:counter:webhook_signature_refused")) == 3


@pytest.mark.parametrize(
    "replayed_to",
    [
        "/webhooks/twilio/status?attempt={other}",
        "/webhooks/twilio/amd?attempt={id}",
        "/webhooks/twilio/voice?attempt={id}",
    ],
)
def test_a_signature_replayed_to_another_url_gets_403(client, pg_engine: Engine, replayed_to: str) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAreplay")
        other = make_attempt(session, call_sid="CAother")
    signed_path = f"/webhooks/twilio/status?attempt={attempt.id}"
    params = call_params("CAreplay", CallStatus="completed", SequenceNumber="3")
    signature = sign(signed_path, params)
    before = snapshot(pg_engine)
    target = replayed_to.format(id=attempt.id, other=other.id)
    assert client.post(target, data=params, headers={"X-Twilio-Signature": signature}).status_code == 403
    # Same URL, one parameter changed: also refused.
    tampered = {**params, "CallStatus": "busy"}
    assert client.post(signed_path, data=tampered, headers={"X-Twilio-Signature": signature}).status_code == 403
    assert snapshot(pg_engine) == before


def test_signatures_are_checked_against_the_public_url_not_the_internal_host(client, pg_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAproxy")
    path = f"/webhooks/twilio/status?attempt={attempt.id}"
    params = call_params("CAproxy", CallStatus="ringing", SequenceNumber="1")
    internal = sign(path, params, base="http://localhost")
    assert client.post(path, data=params, headers={"X-Twilio-Signature": internal}).status_code == 403
    assert post_signed(client, path, params).status_code == 204


# --- the event log and outcomes ---------------------------------------------------------------------------


def send_status(client, attempt_id: int, sid: str, status: str, sequence: int, **extra: str):  # type: ignore[no-untyped-def]
    params = call_params(sid, CallStatus=status, SequenceNumber=str(sequence), **extra)
    return post_signed(client, f"/webhooks/twilio/status?attempt={attempt_id}", params)


def test_a_call_answered_by_a_person_ends_reached(client, pg_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAhuman")
    for sequence, status in enumerate(["initiated", "ringing", "in-progress"]):
        assert send_status(client, attempt.id, "CAhuman", status, sequence).status_code == 204
    assert attempt_row(pg_engine, attempt.id).provider_status == "in-progress"
    send_status(
        client, attempt.id, "CAhuman", "completed", 3, AnsweredBy="human", CallDuration="41", SipResponseCode="200"
    )
    row = attempt_row(pg_engine, attempt.id)
    assert (row.state, row.outcome, row.answered_by, row.duration_seconds) == ("ended", "reached", "human", 41)


def test_a_duplicate_callback_is_stored_once_and_changes_nothing(client, pg_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAdup")
    send_status(client, attempt.id, "CAdup", "ringing", 1)
    send_status(client, attempt.id, "CAdup", "busy", 2, SipResponseCode="486")
    before = snapshot(pg_engine)
    for _ in range(3):
        assert send_status(client, attempt.id, "CAdup", "busy", 2, SipResponseCode="486").status_code == 204
    assert snapshot(pg_engine) == before
    assert attempt_row(pg_engine, attempt.id).outcome == "busy"


def test_a_late_ringing_after_completed_does_not_move_the_call_backwards(client, pg_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAlate")
    send_status(client, attempt.id, "CAlate", "completed", 3, AnsweredBy="human", CallDuration="30")
    send_status(client, attempt.id, "CAlate", "ringing", 1)
    send_status(client, attempt.id, "CAlate", "initiated", 0)
    row = attempt_row(pg_engine, attempt.id)
    assert (row.state, row.provider_status, row.outcome) == ("ended", "completed", "reached")


def test_a_disconnected_number_fails_and_marks_the_phone_bad(client, pg_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAgone")
    send_status(client, attempt.id, "CAgone", "failed", 1, SipResponseCode="404")
    row = attempt_row(pg_engine, attempt.id)
    assert (row.outcome, row.sip_code) == ("failed", 404)
    with pg_engine.connect() as connection:
        phone = connection.execute(select(PhoneNumber).where(PhoneNumber.id == row.phone_number_id)).one()
    assert phone.status == "bad" and "404" in phone.bad_reason


def test_a_callback_teaches_the_sid_of_a_call_whose_dialer_died(client, pg_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, state="dialing", call_sid=None)
    send_status(client, attempt.id, "CAlearned", "initiated", 0)
    row = attempt_row(pg_engine, attempt.id)
    assert (row.state, row.call_sid) == ("placed", "CAlearned")


def test_a_machine_is_sent_to_voicemail_once_and_the_call_ends_voicemail_left(
    client, pg_engine: Engine, container
) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAmachine")
    amd = call_params("CAmachine", AnsweredBy="machine_end_beep", MachineDetectionDuration="7400")
    assert post_signed(client, f"/webhooks/twilio/amd?attempt={attempt.id}", amd).status_code == 204
    post_signed(client, f"/webhooks/twilio/amd?attempt={attempt.id}", amd)  # duplicate: no second redirect
    assert container.telephony.redirects == [
        ("CAmachine", f"{PUBLIC_BASE_URL}/webhooks/twilio/voice?attempt={attempt.id}&mode=voicemail")
    ]
    voicemail = post_signed(
        client,
        f"/webhooks/twilio/voice?attempt={attempt.id}&mode=voicemail",
        call_params("CAmachine", CallStatus="in-progress"),
    )
    assert "Maria Lopez" in " ".join(says(voicemail.data))
    assert ET.fromstring(voicemail.data).find("Hangup") is not None
    send_status(client, attempt.id, "CAmachine", "completed", 3, AnsweredBy="machine_end_beep", CallDuration="25")
    assert attempt_row(pg_engine, attempt.id).outcome == "voicemail_left"


def test_status_callbacks_with_garbage_fields_are_recorded_not_refused(client, pg_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAjunk")
    params = call_params("CAjunk", CallStatus="warp-speed", SequenceNumber="x", CallDuration="-1", Timestamp="never")
    assert post_signed(client, f"/webhooks/twilio/status?attempt={attempt.id}", params).status_code == 204
    assert post_signed(client, "/webhooks/twilio/status?attempt=not-a-number", params).status_code == 204
    assert attempt_row(pg_engine, attempt.id).state == "placed"


# --- what a caller hears ----------------------------------------------------------------------------------


def test_a_person_hears_the_message_with_the_menu(client, pg_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAvoice", name="Ana Sofía Núñez")
    response = post_signed(client, f"/webhooks/twilio/voice?attempt={attempt.id}", call_params("CAvoice"))
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    gather = root.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert gather.get("action") == f"{PUBLIC_BASE_URL}/webhooks/twilio/gather?attempt={attempt.id}"
    spoken = " ".join(says(response.data))
    assert "Ana Sofía Núñez" in spoken and "1-800-829-1040" in spoken and "IRS" in spoken
    assert dials(response.data) == []


@pytest.mark.parametrize(("digits", "connects"), [("2", True), ("1", False), ("9", False), ("", False), ("22#", False)])
def test_key_2_connects_to_the_official_line_and_other_keys_repeat(
    client, pg_engine: Engine, digits: str, connects: bool
) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAkeys")
    response = post_signed(
        client, f"/webhooks/twilio/gather?attempt={attempt.id}", call_params("CAkeys", Digits=digits)
    )
    assert response.status_code == 200
    assert dials(response.data) == ([OFFICIAL] if connects else [])
    assert "1-800-829-1040" in " ".join(says(response.data))


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks/twilio/voice?attempt=999999",
        "/webhooks/twilio/voice",
        "/webhooks/twilio/voice?attempt=abc",
        "/webhooks/twilio/gather?attempt=999999",
        "/webhooks/twilio/gather",
    ],
)
def test_an_unknown_attempt_still_gets_the_official_message(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = post_signed(client, path, call_params("CAunknown", Digits="2"))
    assert response.status_code == 200
    assert says(response.data) == [FALLBACK_HUMAN_TEXT]
    assert dials(response.data) == []


def test_a_fax_gets_a_hangup_and_nothing_spoken(client, pg_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAfax")
    response = post_signed(
        client, f"/webhooks/twilio/voice?attempt={attempt.id}", call_params("CAfax", AnsweredBy="fax")
    )
    assert says(response.data) == [] and ET.fromstring(response.data).find("Hangup") is not None


def test_a_name_that_fails_the_guard_is_never_spoken(client, pg_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, call_sid="CAname", name="Call 1-888-555-0199 Now LLC", taxpayer_type="business")
    response = post_signed(client, f"/webhooks/twilio/voice?attempt={attempt.id}", call_params("CAname"))
    spoken = " ".join(says(response.data))
    assert "555" not in spoken and "888" not in spoken and "1-800-829-1040" in spoken


def test_the_database_being_down_still_gets_the_caller_the_official_message(container, pg_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    from contact_service.adapters.db.engine import create_db_engine

    container.engine = create_db_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")  # type: ignore[misc]
    container.__dict__.pop("sessions", None)
    client = build_app(container=container).test_client()
    response = post_signed(client, "/webhooks/twilio/voice?attempt=1", call_params("CAdown"))
    assert response.status_code == 200 and says(response.data) == [FALLBACK_HUMAN_TEXT]
    status = post_signed(client, "/webhooks/twilio/status?attempt=1", call_params("CAdown", CallStatus="ringing"))
    assert status.status_code == 503
