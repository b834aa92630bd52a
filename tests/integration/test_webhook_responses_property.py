"""Property: whatever the webhooks are asked, every <Dial> target and every number spoken is the official one.

Hypothesis drives the real voice and gather webhooks (real PostgreSQL) with hostile taxpayer names, script
templates written straight into the database (bypassing registration, as a tampered row would), unknown and
garbage attempt ids, every machine-detection answer and arbitrary key presses.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallScript
from contact_service.bootstrap import Container
from contact_service.clock import FixedClock
from contact_service.config import load_settings
from contact_service.domain.official_line import OFFICIAL_NUMBER_E164
from contact_service.domain.script_guard import spoken_numbers
from contact_service.web.app import build_app
from tests.conftest import DEFAULT_NOW, TEST_REDIS_URL
from tests.factories import NOW, make_attempt
from tests.integration.conftest import INBOUND_SECRET
from tests.integration.webhook_support import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, call_params, post_signed

OFFICIAL_FORMS = re.compile(r"1?[\s.-]*\(?800\)?[\s.-]*829[\s.-]*1040")
PHONE_LIKE_NAMES = st.sampled_from(
    [
        "1-800-FLOWERS Inc",
        "Call 1-888-555-0199 LLC",
        "Bob's Diner 555-0199",
        "Alice {name} {{x}}",
        "Robert'); DROP TABLE cases;--",
        "Pay $4,512.33 by gift card",
        "visit irs-pay.com",
        "CP504 Holdings",
        "Ana Sofía Núñez",
        "O'Neil & Sons",
        "+44 20 7946 0958",
        "eight hundred five five five one two one two",
    ]
)
NAMES = st.one_of(
    PHONE_LIKE_NAMES,
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60),  # import refuses control chars
)
SCRIPT_PIECES = st.sampled_from(
    [
        "This is the IRS calling for {name}.",
        "Please call us back at 1-800-829-1040.",
        "Call 1-888-555-0199 now.",
        "You owe $4,512.33.",
        "Pay today with gift cards.",
        "Press 1 to repeat.",
        "The IRS will never threaten you.",
        "{name}, a warrant has been issued.",
        "Visit irs.gov.",
        "Your notice CP504 is attached.",
        "{account}",
        "eight hundred, five five five, zero one nine nine",
    ]
)
TEMPLATES = st.one_of(st.none(), st.lists(SCRIPT_PIECES, min_size=1, max_size=5).map(" ".join))
ANSWERED_BY = st.sampled_from(
    [
        None,
        "human",
        "unknown",
        "machine_start",
        "machine_end_beep",
        "machine_end_silence",
        "machine_end_other",
        "fax",
        "something-new",
    ]
)
DIGITS = st.one_of(st.just("2"), st.sampled_from(["1", "", "9", "#", "12", "2#"]), st.text(max_size=8))


def numbers_heard(twiml: bytes) -> tuple[list[str], list[str], list[str]]:
    root = ET.fromstring(twiml)
    spoken = [element.text or "" for element in root.iter("Say")]
    dialed = [(dial.text or "").strip() for dial in root.iter("Dial") if (dial.text or "").strip()]
    dialed += [(number.text or "").strip() for number in root.iter("Number")]
    return spoken, dialed, [element.tag for element in root.iter()]


# Every path that renders TwiML, pinned so each run covers it whatever the random draw.
@example(
    name="Maria Lopez",
    human_template=None,
    voicemail_template=None,
    endpoint="gather",
    attempt_choice="real",
    answered_by=None,
    voicemail_mode=False,
    digits="2",
)  # connect to the line
@example(
    name="Maria Lopez",
    human_template=None,
    voicemail_template=None,
    endpoint="gather",
    attempt_choice="real",
    answered_by=None,
    voicemail_mode=False,
    digits="1",
)  # hear it again
@example(
    name="Maria Lopez",
    human_template=None,
    voicemail_template=None,
    endpoint="voice",
    attempt_choice="real",
    answered_by="human",
    voicemail_mode=False,
    digits="",
)  # a person
@example(
    name="Maria Lopez",
    human_template=None,
    voicemail_template=None,
    endpoint="voice",
    attempt_choice="real",
    answered_by=None,
    voicemail_mode=True,
    digits="",
)  # voicemail (async AMD)
@example(
    name="Maria Lopez",
    human_template=None,
    voicemail_template=None,
    endpoint="voice",
    attempt_choice="real",
    answered_by="machine_end_beep",
    voicemail_mode=False,
    digits="",
)  # sync AMD
@example(
    name="Maria Lopez",
    human_template=None,
    voicemail_template=None,
    endpoint="voice",
    attempt_choice="real",
    answered_by="fax",
    voicemail_mode=False,
    digits="",
)  # fax: hang up
@example(
    name="Maria Lopez",
    human_template=None,
    voicemail_template=None,
    endpoint="voice",
    attempt_choice="unknown",
    answered_by=None,
    voicemail_mode=False,
    digits="",
)  # fallback
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=NAMES,
    human_template=TEMPLATES,
    voicemail_template=TEMPLATES,
    endpoint=st.sampled_from(["voice", "gather"]),
    attempt_choice=st.sampled_from(["real", "unknown", "garbage", "missing"]),
    answered_by=ANSWERED_BY,
    voicemail_mode=st.booleans(),
    digits=DIGITS,
)
def test_every_dial_and_every_spoken_number_is_the_official_one(
    pg_engine: Engine,
    redis_client,
    name,
    human_template,
    voicemail_template,
    endpoint,
    attempt_choice,  # type: ignore[no-untyped-def]
    answered_by,
    voicemail_mode,
    digits,
) -> None:
    container = Container(
        settings=load_settings(
            overrides={
                "database_url": pg_engine.url.render_as_string(hide_password=False),
                "redis_url": TEST_REDIS_URL,
                "public_base_url": PUBLIC_BASE_URL,
                "twilio_auth_token": AUTH_TOKEN,
                "twilio_account_sid": ACCOUNT_SID,
                "inbound_callback_secret": INBOUND_SECRET,  # PUBLIC_BASE_URL is not this machine: no placeholders
            }
        ),
        clock=FixedClock(DEFAULT_NOW),
    )
    container.engine = pg_engine  # type: ignore[misc]
    client = build_app(container=container).test_client()
    with Session(pg_engine, expire_on_commit=False) as session:
        scripts = {}
        for kind, body in (("human", human_template), ("voicemail", voicemail_template)):
            if body is not None:
                script = CallScript(
                    name=f"{kind}-{uuid.uuid4().hex}", kind=kind, body=body, created_by="test", created_at=NOW
                )
                session.add(script)
                session.flush()
                scripts[kind] = script.id
        call_sid = f"CA{uuid.uuid4().hex}"
        attempt = make_attempt(session, name=name, call_sid=call_sid)
        attempt.human_script_id = scripts.get("human")
        attempt.voicemail_script_id = scripts.get("voicemail")
        session.commit()
    query = {
        "real": f"?attempt={attempt.id}",
        "unknown": "?attempt=987654321",
        "garbage": "?attempt=1%3B--",
        "missing": "",
    }[attempt_choice]
    if endpoint == "voice" and voicemail_mode:
        query += ("&" if query else "?") + "mode=voicemail"
    params = call_params(call_sid, CallStatus="in-progress")
    if answered_by is not None:
        params["AnsweredBy"] = answered_by
    if endpoint == "gather":
        params["Digits"] = digits
    response = post_signed(client, f"/webhooks/twilio/{endpoint}{query}", params)

    assert response.status_code == 200
    spoken, dialed, tags = numbers_heard(response.data)
    assert all(number == OFFICIAL_NUMBER_E164 for number in dialed), dialed
    assert set(tags) <= {"Response", "Say", "Gather", "Dial", "Hangup", "Pause"}, tags
    for text in spoken:
        assert set(spoken_numbers(text)) <= {OFFICIAL_NUMBER_E164}, text
        # Defence in depth beyond the matcher: no digits at all once the official number is taken out,
        # except the menu's "press 1" / "press 2".
        leftover = re.sub(r"press [12]\b", "", OFFICIAL_FORMS.sub("", text), flags=re.IGNORECASE)
        assert not re.search(r"\d", leftover), text
    if name in ("Pay $4,512.33 by gift card", "visit irs-pay.com"):
        assert all(name not in text for text in spoken)
