"""The voice and gather webhooks serve a taxpayer's name only to the attempt's own live call: the request's
CallSid must be the SID the dial job recorded, and the attempt dialing or placed. Every other signed request
(another call, no call, an attempt that ended or never dialled) hears the safe message, which names no one and
still gives the one callback number. The race with the dial job (the provider asks before the dial job has
recorded the SID) is waited out, briefly (real PostgreSQL, through HTTP)."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt
from contact_service.bootstrap import Container
from contact_service.clock import FixedClock
from contact_service.config import load_settings
from contact_service.domain.call_script import FALLBACK_HUMAN_TEXT
from contact_service.services import call_flow
from contact_service.web.app import build_app
from tests.conftest import DEFAULT_NOW, TEST_REDIS_URL
from tests.factories import make_attempt
from tests.integration.webhook_support import ACCOUNT_SID, PUBLIC_BASE_URL, RecordingTelephony, call_params, sign

TOKEN = "f3b1c0de9a8e47d2b6a5c4e3d2f1a0b9"  # a strong auth token of the tests' own, not a published one
OFFICIAL_SPOKEN = "1-800-829-1040"
NAME = "Maria Lopez"


@pytest.fixture
def voice_container(pg_engine: Engine, redis_client) -> Container:  # type: ignore[no-untyped-def]
    settings = load_settings(
        environ={},
        overrides={
            "database_url": pg_engine.url.render_as_string(hide_password=False),
            "redis_url": TEST_REDIS_URL,
            "public_base_url": PUBLIC_BASE_URL,
            "twilio_auth_token": TOKEN,
            "twilio_account_sid": ACCOUNT_SID,
            "inbound_callback_secret": "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a",
        },
    )
    container = Container(settings=settings, clock=FixedClock(DEFAULT_NOW))
    container.engine = pg_engine  # type: ignore[misc]
    container.telephony = RecordingTelephony()  # type: ignore[misc]
    return container


@pytest.fixture
def voice_client(voice_container: Container):  # type: ignore[no-untyped-def]
    return build_app(container=voice_container).test_client()


def ask(client, path_and_query: str, params: dict[str, str]):  # type: ignore[no-untyped-def]
    """POST as the provider does, signed with the tests' token."""
    return client.post(
        path_and_query, data=params, headers={"X-Twilio-Signature": sign(path_and_query, params, token=TOKEN)}
    )


def attempt(pg_engine: Engine, state: str = "placed", call_sid: str | None = "CAown") -> int:
    with Session(pg_engine, expire_on_commit=False) as session:
        return make_attempt(session, state=state, call_sid=call_sid, name=NAME).id


def says(twiml: bytes) -> str:
    return " ".join(element.text or "" for element in ET.fromstring(twiml).iter("Say"))


def dials(twiml: bytes) -> list[str]:
    return [element.text or "" for element in ET.fromstring(twiml).iter("Dial")]


# Every TwiML answer that speaks: the message, the voicemail, the menu's repeat and its connection to the line.
ANSWERS = [
    ("voice", "", {}),
    ("voice", "&mode=voicemail", {}),
    ("voice", "", {"AnsweredBy": "machine_end_beep"}),
    ("gather", "", {"Digits": "1"}),
    ("gather", "", {"Digits": "2"}),
]
ANSWER_IDS = ["person", "voicemail-redirect", "machine", "repeat", "connect"]


def answer(client, attempt_id: int, call_sid: str | None, hook: str, mode: str, extra: dict[str, str]):  # type: ignore[no-untyped-def]
    params = call_params(call_sid or "", **extra)
    if call_sid is None:
        del params["CallSid"]
    reply = ask(client, f"/webhooks/twilio/{hook}?attempt={attempt_id}{mode}", params)
    assert reply.status_code == 200 and reply.mimetype == "application/xml"
    return reply


@pytest.mark.parametrize(("hook", "mode", "extra"), ANSWERS, ids=ANSWER_IDS)
@pytest.mark.parametrize("state", ["placed", "dialing"])
def test_the_attempts_own_live_call_is_served_as_before(voice_client, pg_engine, hook, mode, extra, state) -> None:  # type: ignore[no-untyped-def]
    reply = answer(voice_client, attempt(pg_engine, state), "CAown", hook, mode, extra)
    spoken = says(reply.data)
    assert OFFICIAL_SPOKEN in spoken
    if extra.get("Digits") == "2":
        assert dials(reply.data) == ["+18008291040"]
    else:
        assert NAME in spoken


REFUSED = [
    ("placed", "CAown", "CAsomeone-else"),  # another call asking with this attempt's URL
    ("placed", "CAown", None),  # a request that names no call
    ("dialing", "CAown", "CAsomeone-else"),
    ("ended", "CAown", "CAown"),  # the call is over: a replay of its own request
    ("cancelled", None, "CAown"),
    ("skipped", None, "CAown"),
    ("planned", None, "CAown"),
    ("queued", None, "CAown"),
]


@pytest.mark.parametrize(("hook", "mode", "extra"), ANSWERS, ids=ANSWER_IDS)
@pytest.mark.parametrize(("state", "recorded_sid", "asking_sid"), REFUSED)
def test_any_other_request_hears_the_safe_message_naming_no_one(
    voice_client, pg_engine, hook, mode, extra, state, recorded_sid, asking_sid
) -> None:  # type: ignore[no-untyped-def]
    attempt_id = attempt(pg_engine, state, recorded_sid)
    reply = answer(voice_client, attempt_id, asking_sid, hook, mode, extra)
    assert says(reply.data) == FALLBACK_HUMAN_TEXT and NAME not in reply.get_data(as_text=True)
    assert OFFICIAL_SPOKEN in says(reply.data) and dials(reply.data) == []


def record_sid_later(pg_engine: Engine, attempt_id: int, sid: str, after: float) -> threading.Thread:
    """The dial job committing the provider's SID `after` seconds from now, as it does once the REST call returns."""

    def commit() -> None:
        time.sleep(after)
        with Session(pg_engine) as session:
            session.execute(
                update(CallAttempt).where(CallAttempt.id == attempt_id).values(call_sid=sid, state="placed")
            )
            session.commit()

    thread = threading.Thread(target=commit)
    thread.start()
    return thread


def test_a_webhook_that_outruns_the_dial_job_waits_for_the_sid(voice_client, pg_engine) -> None:  # type: ignore[no-untyped-def]
    attempt_id = attempt(pg_engine, "dialing", None)
    recording = record_sid_later(pg_engine, attempt_id, "CArace", after=0.3)
    reply = answer(voice_client, attempt_id, "CArace", "voice", "", {})
    recording.join()
    assert NAME in says(reply.data)


def test_a_webhook_that_outruns_the_dial_job_of_another_call_is_refused(voice_client, pg_engine) -> None:  # type: ignore[no-untyped-def]
    attempt_id = attempt(pg_engine, "dialing", None)
    recording = record_sid_later(pg_engine, attempt_id, "CAthe-real-one", after=0.3)
    reply = answer(voice_client, attempt_id, "CAimpostor", "voice", "", {})
    recording.join()
    assert says(reply.data) == FALLBACK_HUMAN_TEXT


def test_a_sid_never_recorded_gets_the_safe_message_after_a_bounded_wait(voice_client, pg_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(call_flow, "SID_WAIT_SECONDS", 0.3)
    attempt_id = attempt(pg_engine, "dialing", None)  # a dial job that died after asking the provider
    started = time.monotonic()
    reply = answer(voice_client, attempt_id, "CAorphan", "voice", "", {})
    assert 0.3 <= time.monotonic() - started < 5
    assert says(reply.data) == FALLBACK_HUMAN_TEXT
