"""Calls played end to end: personas, answering machine detection, keys, faults, pacing and speed, observed
through signed webhooks (the receiver refuses any bad signature) and the /_sim control API."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import requests
from twilio.rest import Client

from contact_service.simulator import SimulatorServer
from tests.integration.simulator.receiver import MESSAGE, OFFICIAL, VOICEMAIL, Hit, WebhookReceiver

FROM = "+12025550140"
ALL_EVENTS = ["initiated", "ringing", "answered", "completed"]


def place(client: Client, receiver: WebhookReceiver, to: str, attempt: str = "1", **extra: object) -> str:
    """Create a call the way the service does; return its SID."""
    options: dict[str, object] = {
        "url": f"{receiver.url}/voice?attempt={attempt}",
        "status_callback": f"{receiver.url}/status?attempt={attempt}",
        "status_callback_event": ALL_EVENTS,
    }
    options.update(extra)
    return client.calls.create(to=to, from_=FROM, **options).sid


def statuses(receiver: WebhookReceiver, attempt: str = "1") -> list[str]:
    return [hit.form["CallStatus"] for hit in receiver.of("status", attempt)]


def final(receiver: WebhookReceiver, attempt: str = "1") -> dict[str, str]:
    return receiver.of("status", attempt)[-1].form


@pytest.mark.parametrize(
    ("persona", "sequence", "sip", "answered_by"),
    [
        ("human", ["initiated", "ringing", "in-progress", "completed"], "200", "human"),
        ("human-silent", ["initiated", "ringing", "in-progress", "completed"], "200", "unknown"),
        ("fax", ["initiated", "ringing", "in-progress", "completed"], "200", "fax"),
        ("busy", ["initiated", "ringing", "busy"], "486", None),
        ("no-answer", ["initiated", "ringing", "no-answer"], "487", None),
        ("disconnected", ["initiated", "failed"], "404", None),
        ("carrier-failure", ["initiated", "failed"], "503", None),
    ],
)
def test_each_persona_produces_twilios_status_callbacks(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer,
    persona: str, sequence: list[str], sip: str, answered_by: str | None,
) -> None:  # fmt: skip
    to = "+12025550150"
    sim.configure(fixed={to: persona})
    sid = place(client, receiver, to, machine_detection="Enable", timeout=20)
    assert sim.wait_until_idle(15)
    hits = receiver.of("status")
    assert [hit.form["CallStatus"] for hit in hits] == sequence
    assert [int(hit.form["SequenceNumber"]) for hit in hits] == list(range(len(hits)))
    last = hits[-1].form
    assert last["SipResponseCode"] == sip
    assert last.get("AnsweredBy") == answered_by
    for hit in hits:
        form = hit.form
        assert (form["CallSid"], form["AccountSid"], form["ApiVersion"]) == (
            sid,
            sim.engine.config.account_sid,
            "2010-04-01",
        )
        assert (form["To"], form["Called"], form["From"], form["Caller"]) == (to, to, FROM, FROM)
        assert (form["Direction"], form["CallbackSource"]) == ("outbound-api", "call-progress-events")
        assert dt.datetime.strptime(form["Timestamp"], "%a, %d %b %Y %H:%M:%S %z")
        assert hit.headers["User-Agent"] == "TwilioProxy/1.1"
        assert hit.headers["I-Twilio-Idempotency-Token"]
    answered = sequence[-1] == "completed"
    assert (int(last["CallDuration"]) > 0) == answered
    assert last["Duration"] == ("1" if answered else "0")
    if sequence[-1] == "failed":
        assert last["ErrorCode"] in ("31404", "31503")
    record = sim.call(sid)
    assert record["persona"] == persona and record["status"] == sequence[-1]
    assert client.calls(sid).fetch().status == sequence[-1]


def test_only_the_final_callback_is_sent_by_default(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550151": "human"})
    client.calls.create(
        to="+12025550151",
        from_=FROM,
        url=f"{receiver.url}/voice?attempt=1",
        status_callback=f"{receiver.url}/status?attempt=1",
    )
    assert sim.wait_until_idle(15)
    assert statuses(receiver) == ["completed"]
    assert final(receiver)["SequenceNumber"] == "0"


def test_a_human_hears_the_message_and_presses_nothing(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550152": "human"})
    sid = place(client, receiver, "+12025550152")
    assert sim.wait_until_idle(15)
    record = sim.call(sid)
    assert record["spoken"][0] == {"text": MESSAGE, "voice": "Polly.Joanna", "language": "en-US"}
    assert [item["text"] for item in record["spoken"]][-1] == "Goodbye."
    assert record["digits_sent"] == [] and record["dialed"] == []
    voice = receiver.of("voice")[0].form
    assert voice["CallStatus"] == "in-progress" and "AnsweredBy" not in voice
    assert record["documents"][0]["status_code"] == 200


def test_key_1_repeats_the_message_then_nothing(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550153": "human-press-1"})
    sid = place(client, receiver, "+12025550153")
    assert sim.wait_until_idle(15)
    record = sim.call(sid)
    assert record["digits_sent"] == ["1"]
    assert [item["text"] for item in record["spoken"]].count(MESSAGE) == 2
    assert record["dialed"] == []
    assert [hit.form["Digits"] for hit in receiver.of("gather")] == ["1"]
    assert final(receiver)["CallStatus"] == "completed"


def test_key_2_dials_the_official_line(client: Client, receiver: WebhookReceiver, sim: SimulatorServer) -> None:
    sim.configure(fixed={"+12025550154": "human-press-2"})
    sid = place(client, receiver, "+12025550154")
    assert sim.wait_until_idle(15)
    record = sim.call(sid)
    assert record["digits_sent"] == ["2"]
    assert record["dialed"] == [OFFICIAL]
    assert record["status"] == "completed"


def test_key_1_then_2(client: Client, receiver: WebhookReceiver, sim: SimulatorServer) -> None:
    sim.configure(fixed={"+12025550155": "human-press-1-then-2"})
    sid = place(client, receiver, "+12025550155")
    assert sim.wait_until_idle(15)
    assert sim.call(sid)["digits_sent"] == ["1", "2"]
    assert sim.call(sid)["dialed"] == [OFFICIAL]


def test_synchronous_amd_requests_the_voice_url_with_the_result(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550156": "machine", "+12025550157": "human"})
    machine = place(client, receiver, "+12025550156", attempt="m", machine_detection="DetectMessageEnd")
    human = place(client, receiver, "+12025550157", attempt="h", machine_detection="DetectMessageEnd")
    assert sim.wait_until_idle(15)
    assert receiver.of("voice", "m")[0].form["AnsweredBy"] == "machine_end_beep"
    assert receiver.of("voice", "h")[0].form["AnsweredBy"] == "human"
    assert [item["text"] for item in sim.call(machine)["spoken"]] == [VOICEMAIL]
    assert final(receiver, "m")["AnsweredBy"] == "machine_end_beep"
    assert client.calls(machine).fetch().answered_by == "machine_end_beep"
    assert sim.call(human)["spoken"][0]["text"] == MESSAGE


def test_enable_mode_reports_machine_start(client: Client, receiver: WebhookReceiver, sim: SimulatorServer) -> None:
    sim.configure(fixed={"+12025550158": "machine"})
    place(client, receiver, "+12025550158", machine_detection="Enable")
    assert sim.wait_until_idle(15)
    assert receiver.of("voice")[0].form["AnsweredBy"] == "machine_start"


def test_asynchronous_amd_then_a_redirect_plays_the_voicemail(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550159": "machine"})

    def redirect_machines(hit: Hit) -> None:  # what the service does with an AMD result
        if hit.form["AnsweredBy"].startswith("machine"):
            client.calls(hit.form["CallSid"]).update(url=f"{receiver.url}/voicemail?attempt={hit.attempt}")

    receiver.on_amd = redirect_machines
    sid = place(
        client, receiver, "+12025550159", machine_detection="DetectMessageEnd", async_amd="true",
        async_amd_status_callback=f"{receiver.url}/amd?attempt=1",
    )  # fmt: skip
    assert sim.wait_until_idle(15)
    assert "AnsweredBy" not in receiver.of("voice")[0].form  # requested right on answer
    (amd,) = receiver.of("amd")
    assert amd.form["AnsweredBy"] == "machine_end_beep"
    assert amd.form["CallSid"] == sid and 6000 <= int(amd.form["MachineDetectionDuration"]) <= 13000
    record = sim.call(sid)
    assert [document["purpose"] for document in record["documents"]] == ["voice", "voice"]
    assert record["documents"][1]["url"].endswith("/voicemail?attempt=1")
    assert [item["text"] for item in record["spoken"]][-1] == VOICEMAIL
    assert [item["text"] for item in record["spoken"]].count(MESSAGE) == 1  # interrupted, not replayed
    assert final(receiver)["AnsweredBy"] == "machine_end_beep"


def test_an_unredirected_machine_hangs_up_after_hearing_a_message_after_the_beep(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550160": "machine"})
    sid = client.calls.create(
        to="+12025550160", from_=FROM, status_callback=f"{receiver.url}/status?attempt=1",
        twiml='<Response><Pause length="15"/><Say>Please call us back.</Say><Pause length="50"/></Response>',
    ).sid  # fmt: skip
    assert sim.wait_until_idle(15)
    record = sim.call(sid)
    assert record["status"] == "completed"
    # Greeting ends by 12 s; the message ends by ~16.6 s; the machine stops ~3 s later, well before the 65 s end.
    assert record["duration"] < 30


def test_failing_and_broken_documents_are_recorded_as_errors(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550161": "human"})
    broken = client.calls.create(to="+12025550161", from_=FROM, url=f"{receiver.url}/broken?attempt=1").sid
    missing = client.calls.create(to="+12025550161", from_=FROM, url="http://127.0.0.1:9/nothing-listens").sid
    assert sim.wait_until_idle(15)
    assert [error["code"] for error in sim.call(broken)["errors"]] == [12100]
    assert [error["code"] for error in sim.call(missing)["errors"]] == [11200]
    assert sim.call(missing)["documents"][0]["error"]
    assert sim.call(broken)["status"] == sim.call(missing)["status"] == "completed"


def test_time_limit_ends_the_call(client: Client, receiver: WebhookReceiver, sim: SimulatorServer) -> None:
    sim.configure(fixed={"+12025550162": "human"})
    sid = client.calls.create(
        to="+12025550162", from_=FROM, twiml='<Response><Say>Hi.</Say><Pause length="40"/></Response>', time_limit=5
    ).sid
    assert sim.wait_until_idle(15)
    assert sim.call(sid)["status"] == "completed" and sim.call(sid)["duration"] == 5


def test_every_callback_duplicated_keeps_its_token_and_sequence_number(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550163": "human"}, duplicate_rate=1.0)
    sid = place(client, receiver, "+12025550163")
    assert sim.wait_until_idle(15)
    hits = receiver.of("status")
    assert statuses(receiver) == ["initiated", "initiated", "ringing", "ringing", "in-progress", "in-progress",
                                  "completed", "completed"]  # fmt: skip
    for first, second in zip(hits[::2], hits[1::2], strict=True):
        assert first.form == second.form
        assert first.headers["I-Twilio-Idempotency-Token"] == second.headers["I-Twilio-Idempotency-Token"]
        assert first.headers["X-Twilio-Signature"] == second.headers["X-Twilio-Signature"]
    assert len({hit.headers["I-Twilio-Idempotency-Token"] for hit in hits}) == 4
    callbacks = sim.call(sid)["callbacks"]
    assert [callback["duplicate"] for callback in callbacks] == [False, True] * 4


def test_held_back_ringing_arrives_after_the_final_callback(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550164": "busy"}, hold_back=["ringing"])
    sid = place(client, receiver, "+12025550164")
    assert sim.wait_until_idle(15)
    assert statuses(receiver) == ["initiated", "busy", "ringing"]
    assert [hit.form["SequenceNumber"] for hit in receiver.of("status")] == ["0", "2", "1"]
    assert [callback["held_back"] for callback in sim.call(sid)["callbacks"]] == [False, False, True]


def test_reordering_is_seeded(client: Client, receiver: WebhookReceiver, sim: SimulatorServer) -> None:
    def run() -> list[list[str]]:
        sim.reset()
        receiver.hits.clear()
        sim.configure(fixed={f"+1202555{n:04d}": "busy" for n in range(400, 410)}, reorder_rate=0.5, seed=42)
        for n in range(400, 410):
            place(client, receiver, f"+1202555{n:04d}", attempt=str(n))
            assert sim.wait_until_idle(10)  # one at a time: "call order" is the same on both runs
        return [statuses(receiver, str(n)) for n in range(400, 410)]

    first = run()
    assert first == run()
    assert any(sequence[-1] != "busy" for sequence in first)  # something was held back...
    assert all("busy" in sequence for sequence in first)  # ...and nothing lost


def test_status_callbacks_by_get_are_signed_over_the_full_url(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550165": "busy"})
    place(client, receiver, "+12025550165", status_callback_method="GET")
    assert sim.wait_until_idle(10)
    assert statuses(receiver) == ["initiated", "ringing", "busy"]  # the receiver validated each signature


def test_calls_beyond_the_cps_limit_wait_in_the_queue(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(cps=5, mix={"busy": 1})
    sids = [
        client.calls.create(to=f"+1202555{n:04d}", from_=FROM, url=f"{receiver.url}/voice").sid for n in range(500, 520)
    ]
    assert client.calls(sids[-1]).fetch().status == "queued"
    assert sim.wait_until_idle(20)
    starts = sorted(dt.datetime.fromisoformat(sim.call(sid)["start_time"]) for sid in sids)
    assert (starts[-1] - starts[0]).total_seconds() >= 3.0  # 20 calls at 5 per second: 4 one-second batches
    in_window = [sum(0 <= (other - start).total_seconds() < 1.0 for other in starts) for start in starts]
    assert max(in_window) <= 5
    stats = sim.stats()
    assert stats["max_started_in_any_second"] == 5
    assert stats["by_status"] == {"busy": 20} and stats["active"] == 0
    first_start = {sid: dt.datetime.fromisoformat(sim.call(sid)["start_time"]) for sid in sids}
    assert [first_start[sid] for sid in sids] == starts  # FIFO


def test_speed_compresses_simulated_time(client: Client, receiver: WebhookReceiver, sim: SimulatorServer) -> None:
    sim.configure(fixed={"+12025550166": "human"}, speed=200.0)
    started = time.monotonic()
    sid = place(client, receiver, "+12025550166")
    assert sim.wait_until_idle(10)
    elapsed = time.monotonic() - started
    assert int(final(receiver)["CallDuration"]) >= 20  # message, prompt, 10 s Gather timeout, goodbye
    assert elapsed < 2.0
    assert sim.call(sid)["duration"] == int(final(receiver)["CallDuration"])


def test_control_api_over_http(sim: SimulatorServer, client: Client, receiver: WebhookReceiver) -> None:
    config = sim.engine.config
    auth = (config.account_sid, config.auth_token)
    changed = requests.post(
        f"{sim.url}/_sim/config", json={"fixed": {"+12025550167": ["busy", "human"]}}, auth=auth, timeout=5
    )
    assert changed.status_code == 200 and changed.json()["fixed"] == {"+12025550167": ["busy", "human"]}
    refused = requests.post(f"{sim.url}/_sim/config", json={"cps": -1}, auth=auth, timeout=5)
    assert refused.status_code == 400 and "cps" in refused.json()["error"]
    assert requests.get(f"{sim.url}/_sim/stats", timeout=5).status_code == 401
    first = place(client, receiver, "+12025550167", attempt="1")
    assert sim.wait_until_idle(10)
    second = place(client, receiver, "+12025550167", attempt="2")
    listed = requests.get(
        f"{sim.url}/_sim/calls", params={"To": "+12025550167", "active": "true"}, auth=auth, timeout=5
    )
    assert [call["sid"] for call in listed.json()["calls"]] in ([second], [])
    assert sim.wait_until_idle(15)
    records = requests.get(f"{sim.url}/_sim/calls", params={"To": "+12025550167"}, auth=auth, timeout=5).json()["calls"]
    assert [(call["sid"], call["persona"], call["status"]) for call in records] == [
        (first, "busy", "busy"),
        (second, "human", "completed"),
    ]
    one = requests.get(f"{sim.url}/_sim/calls/{second}", auth=auth, timeout=5).json()
    assert one["callbacks"][0]["params"]["CallStatus"] == "initiated"
    stats = requests.get(f"{sim.url}/_sim/stats", auth=auth, timeout=5).json()
    assert stats["calls"] == 2 and stats["by_persona"] == {"busy": 1, "human": 1}
    assert stats["callbacks"]["sent"] >= 7 and stats["callbacks"]["failed"] == 0
    assert requests.post(f"{sim.url}/_sim/reset", auth=auth, timeout=5).json() == {"reset": True}
    assert sim.calls() == [] and sim.stats()["calls"] == 0


def test_retention_keeps_the_newest_finished_calls(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(retain_calls=3, mix={"busy": 1})
    sids = [
        client.calls.create(to=f"+1202555{n:04d}", from_=FROM, url=f"{receiver.url}/voice").sid for n in range(600, 606)
    ]
    assert sim.wait_until_idle(10)
    assert len(sim.calls()) == 3
    assert sim.stats()["calls"] == 6 and sim.stats()["by_status"] == {"busy": 6}
    assert {record["sid"] for record in sim.calls()} <= set(sids)


def test_a_slow_status_endpoint_holds_up_no_other_call(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(mix={"busy": 1}, webhook_timeout=0.3)
    slow = client.calls.create(
        to="+12025550170", from_=FROM, url=f"{receiver.url}/voice", status_callback=f"{receiver.url}/slow?attempt=s",
        status_callback_event=ALL_EVENTS,
    ).sid  # fmt: skip
    fast = [place(client, receiver, f"+1202555{n:04d}", attempt=str(n)) for n in range(700, 705)]
    deadline = time.monotonic() + 5
    while len(receiver.of("status")) < 3 * len(fast) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(receiver.of("status")) == 3 * len(fast)
    assert sim.wait_until_idle(10)
    slow_record = sim.call(slow)
    assert [callback["error"] is not None for callback in slow_record["callbacks"]] == [True, True, True]
    assert all(callback["elapsed_ms"] >= 250 for callback in slow_record["callbacks"])
    assert sim.stats()["callbacks"]["failed"] == 3
    assert all(sim.call(sid)["status"] == "busy" for sid in fast)


def test_timestamps_come_from_the_injected_clock(receiver: WebhookReceiver) -> None:
    from contact_service.clock import FixedClock
    from contact_service.simulator import SimulatorConfig
    from tests.integration.simulator.receiver import DEFAULTS

    moment = dt.datetime(2026, 11, 24, 19, 0, tzinfo=dt.UTC)
    config = SimulatorConfig.from_mapping({**DEFAULTS, "fixed": {"+12025550171": "busy"}})
    with SimulatorServer(config, clock=FixedClock(moment)) as other:
        twilio = Client(config.account_sid, config.auth_token)
        twilio.api.base_url = other.url
        twilio.edge = twilio.region = None
        sid = place(twilio, receiver, "+12025550171")
        assert other.wait_until_idle(10)
        assert twilio.calls(sid).fetch().start_time == moment
    assert {hit.form["Timestamp"] for hit in receiver.of("status")} == {"Tue, 24 Nov 2026 19:00:00 +0000"}
