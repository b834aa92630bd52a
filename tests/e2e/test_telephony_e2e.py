"""End to end: the real Twilio SDK places calls on the simulator, which drives the real webhooks over HTTP.

Each number has a fixed persona on the simulator; the test places the call the way the dialer does
(CallRequest through the Twilio adapter) and then reads the outcome the webhooks settled, and what the
simulator heard and dialled.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, CallEvent, PhoneNumber
from contact_service.bootstrap import Container
from contact_service.config import load_settings
from contact_service.services.telephony import CallRejected, CallRequest
from contact_service.simulator import SimulatorConfig, SimulatorServer
from tests.conftest import TEST_REDIS_URL
from tests.e2e.live import live_app
from tests.factories import make_attempt

ACCOUNT_SID = "AC" + "e2e0" * 8
AUTH_TOKEN = "e2e-auth-token"
OFFICIAL = "+18008291040"
_line = itertools.count(100)


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    config = SimulatorConfig.from_mapping(
        {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "speed": 100.0, "cps": 100, "seed": 7}
    )
    with SimulatorServer(config) as server:
        yield server


@pytest.fixture
def service(pg_engine: Engine, redis_client, simulator: SimulatorServer) -> Iterator[Container]:  # type: ignore[no-untyped-def]
    settings = load_settings(
        overrides={
            "database_url": pg_engine.url.render_as_string(hide_password=False),
            "redis_url": TEST_REDIS_URL,
            "telephony_provider": "simulator",
            "simulator_url": simulator.url,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": AUTH_TOKEN,
        }
    )
    container = Container(settings=settings)
    container.engine = pg_engine  # type: ignore[misc]
    with live_app(container):
        yield container


def new_number(simulator: SimulatorServer, persona: str) -> str:
    number = f"+1212555{next(_line):04d}"
    fixed = dict(simulator.engine.config.fixed)
    fixed[number] = (persona,)
    simulator.configure(fixed=fixed)
    return number


def place(service: Container, pg_engine: Engine, number: str, name: str = "Maria Lopez") -> CallAttempt:
    """Place one call as the dialer does and record its SID."""
    with Session(pg_engine, expire_on_commit=False) as session:
        attempt = make_attempt(session, phone=number, name=name, state="dialing")
        urls = service.webhook_urls
        call = service.telephony.place_call(
            CallRequest(
                to=number,
                from_=service.settings.twilio_caller_id,
                voice_url=urls.voice(attempt.id),
                status_callback_url=urls.status(attempt.id),
                amd_callback_url=urls.amd(attempt.id),
                ring_timeout_seconds=25,
                time_limit_seconds=300,
            )
        )
        session.execute(
            CallAttempt.__table__.update()
            .where(CallAttempt.id == attempt.id, CallAttempt.call_sid.is_(None))
            .values(call_sid=call.sid)
        )
        session.commit()
        return attempt


def settled(pg_engine: Engine, simulator: SimulatorServer, attempt: CallAttempt):  # type: ignore[no-untyped-def]
    """The attempt once the simulator has finished the call and the dispatcher has settled every event."""
    assert simulator.wait_until_idle(30), "the simulator did not finish the call"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with pg_engine.connect() as connection:
            pending = connection.scalar(
                select(func.count())
                .select_from(CallEvent)
                .where(CallEvent.attempt_id == attempt.id, CallEvent.settled_at.is_(None))
            )
            row = connection.execute(select(CallAttempt).where(CallAttempt.id == attempt.id)).one()
        if pending == 0 and row.state == "ended":
            return row
        time.sleep(0.05)
    raise AssertionError(f"attempt {attempt.id} was not settled: state {row.state}, {pending} events pending")


def heard(simulator: SimulatorServer, number: str) -> tuple[str, list[str]]:
    (call,) = simulator.calls(to=number)
    return " ".join(item["text"] for item in call["spoken"]), list(call["dialed"])


@pytest.mark.parametrize(
    ("persona", "outcome", "answered_by"),
    [
        ("human", "reached", "human"),
        ("human-silent", "reached", "unknown"),
        ("human-hangs-up", "reached", "human"),
        ("machine", "voicemail_left", "machine_end_beep"),
        ("busy", "busy", None),
        ("no-answer", "no_answer", None),
        ("carrier-failure", "failed", None),
    ],
)
def test_each_outcome_is_classified(service, pg_engine, simulator, persona, outcome, answered_by) -> None:  # type: ignore[no-untyped-def]
    number = new_number(simulator, persona)
    row = settled(pg_engine, simulator, place(service, pg_engine, number))
    assert (row.state, row.outcome, row.answered_by) == ("ended", outcome, answered_by)
    assert row.provider_status in {"completed", "busy", "no-answer", "failed"}


def test_a_person_hears_the_message_and_nothing_is_dialled(service, pg_engine, simulator) -> None:  # type: ignore[no-untyped-def]
    number = new_number(simulator, "human")
    settled(pg_engine, simulator, place(service, pg_engine, number, name="Ana Sofía Núñez"))
    spoken, dialed = heard(simulator, number)
    assert "Ana Sofía Núñez" in spoken and "1-800-829-1040" in spoken and "IRS" in spoken
    assert dialed == []


def test_key_1_repeats_the_message(service, pg_engine, simulator) -> None:  # type: ignore[no-untyped-def]
    number = new_number(simulator, "human-press-1")
    row = settled(pg_engine, simulator, place(service, pg_engine, number))
    spoken, dialed = heard(simulator, number)
    assert row.outcome == "reached" and spoken.count("Maria Lopez") == 2 and dialed == []


def test_key_2_connects_to_the_official_line_only(service, pg_engine, simulator) -> None:  # type: ignore[no-untyped-def]
    number = new_number(simulator, "human-press-2")
    row = settled(pg_engine, simulator, place(service, pg_engine, number))
    _, dialed = heard(simulator, number)
    assert row.outcome == "reached" and dialed == [OFFICIAL]


def test_an_answering_machine_gets_the_short_voicemail(service, pg_engine, simulator) -> None:  # type: ignore[no-untyped-def]
    number = new_number(simulator, "machine")
    settled(pg_engine, simulator, place(service, pg_engine, number))
    (call,) = simulator.calls(to=number)
    voicemail = call["spoken"][-1]["text"]
    assert "Maria Lopez" in voicemail and "1-800-829-1040" in voicemail
    assert not any(word in voicemail.lower() for word in ("tax", "balance", "owe", "pay", "gift"))


@pytest.mark.parametrize("persona", ["disconnected", "fax"])
def test_a_dead_or_fax_line_marks_the_phone_bad(service, pg_engine, simulator, persona) -> None:  # type: ignore[no-untyped-def]
    number = new_number(simulator, persona)
    row = settled(pg_engine, simulator, place(service, pg_engine, number))
    assert row.outcome == "failed"
    with pg_engine.connect() as connection:
        assert connection.scalar(select(PhoneNumber.status).where(PhoneNumber.id == row.phone_number_id)) == "bad"


@pytest.mark.parametrize(("persona", "code"), [("invalid", 21211), ("unreachable", 21214)])
def test_a_number_the_provider_refuses_raises_a_bad_number_rejection(
    service, pg_engine, simulator, persona, code
) -> None:  # type: ignore[no-untyped-def]
    number = new_number(simulator, persona)
    with pytest.raises(CallRejected) as refused:
        place(service, pg_engine, number)
    assert refused.value.code == code and refused.value.bad_number


def test_a_call_canceled_before_it_rings_ends_canceled(service, pg_engine, simulator) -> None:  # type: ignore[no-untyped-def]
    from twilio.rest import Client

    simulator.configure(cps=1)
    blocker = new_number(simulator, "no-answer")
    number = new_number(simulator, "human")
    place(service, pg_engine, blocker)
    attempt = place(service, pg_engine, number)  # queued behind the first (1 call per second)
    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url, client.edge, client.region = simulator.url, None, None
    with pg_engine.connect() as connection:
        sid = connection.scalar(select(CallAttempt.call_sid).where(CallAttempt.id == attempt.id))
    client.calls(sid).update(status="canceled")
    assert settled(pg_engine, simulator, attempt).outcome == "canceled"


def test_duplicated_callbacks_are_stored_once(service, pg_engine, simulator) -> None:  # type: ignore[no-untyped-def]
    simulator.configure(duplicate_rate=1.0)
    number = new_number(simulator, "human")
    row = settled(pg_engine, simulator, place(service, pg_engine, number))
    (call,) = simulator.calls(to=number)
    delivered = [callback for callback in call["callbacks"] if callback["params"].get("CallStatus")]
    with pg_engine.connect() as connection:
        stored = connection.scalar(
            select(func.count())
            .select_from(CallEvent)
            .where(CallEvent.attempt_id == row.id, CallEvent.kind == "status")
        )
    assert len(delivered) == 2 * stored and stored == 4
    assert row.outcome == "reached"


def test_reordered_callbacks_do_not_move_the_call_backwards(service, pg_engine, simulator) -> None:  # type: ignore[no-untyped-def]
    simulator.configure(hold_back=["initiated", "ringing"], reorder_rate=1.0)
    number = new_number(simulator, "human")
    row = settled(pg_engine, simulator, place(service, pg_engine, number))
    (call,) = simulator.calls(to=number)
    statuses = [
        callback["params"].get("CallStatus") for callback in call["callbacks"] if callback["params"].get("CallStatus")
    ]
    assert statuses.index("completed") < statuses.index("ringing"), statuses
    assert (row.provider_status, row.outcome) == ("completed", "reached")


def test_twilio_edge_and_region_variables_do_not_break_the_simulator(
    service, pg_engine, simulator, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TWILIO_EDGE", "ashburn")
    monkeypatch.setenv("TWILIO_REGION", "us1")
    service.__dict__.pop("telephony", None)  # rebuilt with the variables set
    number = new_number(simulator, "busy")
    assert settled(pg_engine, simulator, place(service, pg_engine, number)).outcome == "busy"
