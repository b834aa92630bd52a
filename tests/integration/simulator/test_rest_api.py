"""The REST API through the real twilio SDK: create, errors, fetch, list with paging and filters, cancel."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from contact_service.simulator import SimulatorServer
from tests.integration.simulator.receiver import WebhookReceiver

FROM = "+12025550140"


def create(client: Client, receiver: WebhookReceiver, to: str, attempt: str = "1", **extra: object):  # type: ignore[no-untyped-def]
    return client.calls.create(
        to=to, from_=FROM, url=f"{receiver.url}/voice?attempt={attempt}",
        status_callback=f"{receiver.url}/status?attempt={attempt}", **extra,
    )  # fmt: skip


def test_create_returns_a_queued_call_resource(client: Client, receiver: WebhookReceiver, sim: SimulatorServer) -> None:
    sim.configure(fixed={"+12025550101": "busy"})
    call = create(client, receiver, "+12025550101")
    assert call.sid.startswith("CA") and len(call.sid) == 34
    assert call.status == "queued"
    assert (call.to, call._from, call.direction, call.api_version) == (
        "+12025550101",
        FROM,
        "outbound-api",
        "2010-04-01",
    )
    assert call.account_sid == sim.engine.config.account_sid
    assert isinstance(call.date_created, dt.datetime)
    assert call.start_time is None and call.duration is None and call.answered_by is None
    assert call.uri == f"/2010-04-01/Accounts/{call.account_sid}/Calls/{call.sid}.json"
    assert sim.wait_until_idle(10)
    fetched = client.calls(call.sid).fetch()
    assert (fetched.status, fetched.duration) == ("busy", "0")
    assert fetched.start_time is not None and fetched.end_time is not None


@pytest.mark.parametrize(
    ("to", "code", "status"),
    [
        ("+15005550001", 21211, 400),  # magic: invalid
        ("+15005550002", 21214, 400),  # magic: unreachable
        ("2025550101", 21211, 400),  # not E.164
        ("+1 202 555", 21211, 400),
    ],
)
def test_refused_numbers_raise_twilio_rest_exception(
    client: Client, receiver: WebhookReceiver, to: str, code: int, status: int
) -> None:
    with pytest.raises(TwilioRestException) as raised:
        create(client, receiver, to)
    assert (raised.value.code, raised.value.status) == (code, status)


def test_the_invalid_and_unreachable_personas_fail_the_create(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550111": "invalid", "+12025550112": "unreachable"})
    for to, code in (("+12025550111", 21211), ("+12025550112", 21214)):
        with pytest.raises(TwilioRestException) as raised:
            create(client, receiver, to)
        assert raised.value.code == code
    assert sim.stats()["rejected_creates"] == 2 and sim.stats()["calls"] == 0


def test_bad_credentials_and_foreign_accounts_are_refused(sim: SimulatorServer, receiver: WebhookReceiver) -> None:
    config = sim.engine.config
    wrong = Client(config.account_sid, "not-the-token")
    wrong.api.base_url = sim.url
    with pytest.raises(TwilioRestException) as raised:
        create(wrong, receiver, "+12025550101")
    assert (raised.value.status, raised.value.code) == (401, 20003)
    other = requests.post(
        f"{sim.url}/2010-04-01/Accounts/AC{'f' * 32}/Calls.json",
        auth=(config.account_sid, config.auth_token),
        data={"To": "+12025550101", "From": FROM, "Url": f"{receiver.url}/voice"},
        timeout=5,
    )
    assert other.status_code == 403
    assert other.json() == {
        "code": 20003,
        "message": other.json()["message"],
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 403,
    }


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"From": FROM, "Url": "http://x.example/v"}, 21201),
        ({"To": "+12025550101", "Url": "http://x.example/v"}, 21213),
        ({"To": "+12025550101", "From": FROM}, 21205),
        ({"To": "+12025550101", "From": FROM, "Url": "not a url"}, 21205),
        ({"To": "+12025550101", "From": FROM, "Url": "http://x.example/v", "StatusCallbackEvent": "hungup"}, 21626),
    ],
)
def test_missing_parameters_get_twilios_codes(sim: SimulatorServer, data: dict[str, str], code: int) -> None:
    config = sim.engine.config
    response = requests.post(
        f"{sim.url}/2010-04-01/Accounts/{config.account_sid}/Calls.json",
        auth=(config.account_sid, config.auth_token),
        data=data,
        timeout=5,
    )
    assert (response.status_code, response.json()["code"]) == (400, code)


def test_unknown_calls_are_404_20404(client: Client) -> None:
    with pytest.raises(TwilioRestException) as raised:
        client.calls("CA" + "0" * 32).fetch()
    assert (raised.value.status, raised.value.code) == (404, 20404)


def test_list_pages_and_filters_with_the_sdk(client: Client, receiver: WebhookReceiver, sim: SimulatorServer) -> None:
    sim.configure(mix={"busy": 1})
    target = "+12025550199"
    sids = [create(client, receiver, target, attempt=str(n)).sid for n in range(7)]
    others = [create(client, receiver, f"+1202555{n:04d}").sid for n in range(300, 305)]
    assert sim.wait_until_idle(10)

    listed = client.calls.list(to=target, page_size=3)  # 3 pages
    assert [call.sid for call in listed] == sids[::-1]  # newest first, like Twilio
    assert {call.sid for call in client.calls.stream(page_size=4)} == set(sids + others)
    assert len(client.calls.list(limit=5, page_size=2)) == 5
    assert client.calls.list(status="busy", from_=FROM, page_size=50).__len__() == 12
    assert client.calls.list(status="completed") == []

    started = [client.calls(sid).fetch().start_time for sid in sids]
    after = min(started) - dt.timedelta(seconds=1)
    assert len(client.calls.list(to=target, start_time_after=after, page_size=2)) == 7
    assert client.calls.list(to=target, start_time_after=max(started) + dt.timedelta(seconds=2)) == []
    assert len(client.calls.list(to=target, start_time_before=max(started) + dt.timedelta(seconds=1))) == 7
    today = client.calls.list(to=target, start_time=started[0].date())  # the whole day
    assert len(today) == sum(moment.date() == started[0].date() for moment in started)

    page = client.calls.page(to=target, page_size=3)
    assert len(list(page)) == 3
    second = page.next_page()
    assert second is not None and len(list(second)) == 3


def test_cancel_a_ringing_call_and_refuse_to_cancel_a_finished_one(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550121": "no-answer"}, speed=1.0)
    call = create(client, receiver, "+12025550121", status_callback_event=["initiated", "ringing", "completed"])
    canceled = client.calls(call.sid).update(status="canceled")
    assert canceled.status == "canceled"
    assert sim.wait_until_idle(10)
    statuses = [hit.form["CallStatus"] for hit in receiver.of("status")]
    assert statuses[-1] == "canceled"
    assert receiver.of("status")[-1].form["SipResponseCode"] == "487"
    with pytest.raises(TwilioRestException) as raised:
        client.calls(call.sid).update(status="canceled")
    assert raised.value.code == 21220
    with pytest.raises(TwilioRestException) as raised:
        client.calls(call.sid).update(url=f"{receiver.url}/voicemail")
    assert raised.value.code == 21220


def test_cancel_is_refused_once_the_call_is_answered_but_completed_hangs_up(
    client: Client, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    sim.configure(fixed={"+12025550122": "human"})
    call = create(client, receiver, "+12025550122")
    deadline = time.monotonic() + 5
    while client.calls(call.sid).fetch().status != "in-progress" and time.monotonic() < deadline:
        time.sleep(0.01)
    sim.configure(speed=1.0)  # what is scheduled from now on takes real seconds: time to act on the live call
    with pytest.raises(TwilioRestException) as raised:
        client.calls(call.sid).update(status="canceled")
    assert raised.value.code == 21220
    assert client.calls(call.sid).update(status="completed").status == "completed"
    assert sim.wait_until_idle(10)
    assert receiver.of("status")[-1].form["CallStatus"] == "completed"


def test_edge_and_region_environment_variables_need_resetting(
    monkeypatch: pytest.MonkeyPatch, sim: SimulatorServer, receiver: WebhookReceiver
) -> None:
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    monkeypatch.setenv("TWILIO_REGION", "au1")
    config = sim.engine.config
    twilio = Client(config.account_sid, config.auth_token)
    twilio.api.base_url = sim.url
    # The SDK would rewrite the simulator's host into a Twilio edge host name...
    assert twilio.get_hostname(f"{sim.url}/2010-04-01") != f"{sim.url}/2010-04-01"
    # ...unless the caller clears edge and region after building the client.
    twilio.edge = twilio.region = None
    sim.configure(fixed={"+12025550131": "busy"})
    assert create(twilio, receiver, "+12025550131").status == "queued"
    assert sim.wait_until_idle(10)
