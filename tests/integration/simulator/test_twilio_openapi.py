"""The simulator's REST answers held to Twilio's published OpenAPI description of the 2010-04-01 API
(github.com/twilio/twilio-oai, spec/json/twilio_api_v2010.json), read as plain HTTP.

The assertions are written from a reading of that description, not generated from it:
- the Call resource (`api.v2010.account.call`) has exactly its 26 properties; SIDs match their patterns (CA, AC,
  PN, GP, TK + 32 hex digits); dates are `date-time-rfc-2822` in UTC; `status` is one of `call_enum_status`
  (queued, ringing, in-progress, completed, busy, failed, no-answer, canceled) — `initiated` is only a
  `call_enum_event`, a status-callback event, so a call being dialled shows as queued or ringing; `duration`,
  `price` and `queue_time` are strings; `uri` and `subresource_uris` are relative to https://api.twilio.com;
- CreateCall answers 201 with a Call resource, FetchCall and UpdateCall 200 with one;
- ListCall answers `ListCallResponse`: calls, end, first_page_uri, next_page_uri (nullable), page, page_size,
  previous_page_uri (nullable), start, uri; its `Status` filter takes `call_enum_status` values;
- the AccountSid path parameter matches ^AC[0-9a-fA-F]{32}$, so the simulator's default account must too.
Error bodies are not described in the 2010-04-01 file; the same repository's `TwilioServiceErrorResponse`
(code integer, message string, more_info string, status integer = the HTTP status) is the shape checked.
"""

from __future__ import annotations

import email.utils
import re
import time
from typing import Any

import pytest
import requests

from contact_service.config import load_settings
from contact_service.simulator import SimulatorServer
from contact_service.simulator.config import DEFAULT_ACCOUNT_SID
from tests.integration.simulator.receiver import WebhookReceiver

CALL_FIELDS = {
    "account_sid", "answered_by", "api_version", "caller_name", "date_created", "date_updated", "direction",
    "duration", "end_time", "forwarded_from", "from", "from_formatted", "group_sid", "parent_call_sid",
    "phone_number_sid", "price", "price_unit", "queue_time", "sid", "start_time", "status", "subresource_uris",
    "to", "to_formatted", "trunk_sid", "uri",
}  # fmt: skip
CALL_STATUSES = {"queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"}
DIRECTIONS = {"inbound", "outbound-api", "outbound-dial", "trunking-terminating", "trunking-originating"}
LIST_FIELDS = {"calls", "end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri", "start",
               "uri"}  # fmt: skip
ERROR_FIELDS = {"code", "message", "more_info", "status"}
SID = {prefix: re.compile(rf"^{prefix}[0-9a-fA-F]{{32}}$") for prefix in ("CA", "AC", "PN", "GP", "TK")}
RFC_2822_UTC = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$")
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
FROM = "+12025550140"


def assert_call(call: dict[str, Any], account_sid: str) -> None:
    """A Call resource as api.v2010.account.call describes it."""
    assert set(call) == CALL_FIELDS
    assert SID["CA"].match(call["sid"]) and call["account_sid"] == account_sid and SID["AC"].match(account_sid)
    for name, prefix in (
        ("parent_call_sid", "CA"),
        ("phone_number_sid", "PN"),
        ("group_sid", "GP"),
        ("trunk_sid", "TK"),
    ):
        assert call[name] is None or SID[prefix].match(call[name]), name
    for name in ("date_created", "date_updated", "start_time", "end_time"):
        value = call[name]
        assert value is None or (RFC_2822_UTC.match(value) and email.utils.parsedate_to_datetime(value)), name
    assert call["date_created"] is not None and call["date_updated"] is not None
    assert call["status"] in CALL_STATUSES
    assert call["direction"] in DIRECTIONS
    assert call["api_version"] == "2010-04-01"
    for name in ("duration", "queue_time"):
        assert call[name] is None or (isinstance(call[name], str) and call[name].isdigit()), name
    assert call["price"] is None or isinstance(call["price"], str)
    assert call["price_unit"] is None or re.fullmatch(r"[A-Z]{3}", call["price_unit"])  # format: currency
    for name in ("answered_by", "caller_name", "forwarded_from", "from_formatted", "to_formatted"):
        assert call[name] is None or isinstance(call[name], str), name
    assert E164.match(call["to"]) and E164.match(call["from"])
    own = f"/2010-04-01/Accounts/{account_sid}/Calls/{call['sid']}"
    assert call["uri"] == f"{own}.json"
    assert isinstance(call["subresource_uris"], dict) and call["subresource_uris"]
    for name, uri in call["subresource_uris"].items():
        assert re.fullmatch(rf"{re.escape(own)}/[A-Za-z]+\.json", uri), name


def assert_error(reply: requests.Response, status: int, code: int) -> None:
    """Twilio's error body: code, message, more_info and status (equal to the HTTP status)."""
    assert reply.status_code == status
    body = reply.json()
    assert set(body) == ERROR_FIELDS
    assert (body["status"], body["code"]) == (status, code)
    assert isinstance(body["message"], str) and body["message"]
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


class Rest:
    """The simulator's REST API over plain HTTP, as an HTTP client other than the SDK sees it."""

    def __init__(self, sim: SimulatorServer) -> None:
        config = sim.engine.config
        self.account = config.account_sid
        self.base = f"{sim.url}/2010-04-01/Accounts/{self.account}"
        self.auth = (config.account_sid, config.auth_token)

    def create(self, to: str, receiver: WebhookReceiver, **extra: str) -> requests.Response:
        form = {"To": to, "From": FROM, "Url": f"{receiver.url}/voice?attempt=1", **extra}
        return requests.post(f"{self.base}/Calls.json", data=form, auth=self.auth, timeout=10)

    def fetch(self, sid: str) -> requests.Response:
        return requests.get(f"{self.base}/Calls/{sid}.json", auth=self.auth, timeout=10)

    def list(self, **query: str) -> requests.Response:
        return requests.get(f"{self.base}/Calls.json", params=query, auth=self.auth, timeout=10)


@pytest.fixture
def rest(sim: SimulatorServer) -> Rest:
    return Rest(sim)


def test_the_default_account_matches_twilios_pattern_in_the_simulator_and_the_service() -> None:
    assert SID["AC"].match(DEFAULT_ACCOUNT_SID)
    assert load_settings(environ={}).twilio_account_sid == DEFAULT_ACCOUNT_SID


def test_create_answers_201_with_a_queued_call_resource(rest: Rest, receiver: WebhookReceiver) -> None:
    reply = rest.create("+12025550131", receiver)
    assert reply.status_code == 201
    assert reply.headers["Content-Type"].startswith("application/json")
    call = reply.json()
    assert_call(call, rest.account)
    assert call["status"] == "queued" and call["direction"] == "outbound-api"
    assert call["start_time"] is None and call["end_time"] is None and call["duration"] is None


def test_a_call_being_dialled_is_queued_or_ringing_never_initiated(
    rest: Rest, receiver: WebhookReceiver, sim: SimulatorServer
) -> None:
    # Slow simulated time: the call stays in the dialling step (internally "initiated") for seconds.
    sim.configure(speed=0.05, fixed={"+12025550132": "human"})
    sid = rest.create("+12025550132", receiver, StatusCallback=f"{receiver.url}/status?attempt=1").json()["sid"]
    deadline = time.monotonic() + 5
    while sim.call(sid)["status"] != "initiated" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sim.call(sid)["status"] == "initiated"  # what the status callback reports as the `initiated` event

    fetched = rest.fetch(sid)
    assert fetched.status_code == 200
    assert_call(fetched.json(), rest.account)
    assert fetched.json()["status"] == "queued"
    assert fetched.json()["start_time"] is not None  # it has started being dialled

    listed = rest.list().json()
    assert [call["status"] for call in listed["calls"] if call["sid"] == sid] == ["queued"]
    assert [call["sid"] for call in rest.list(Status="queued").json()["calls"]] == [sid]
    assert_error(rest.list(Status="initiated"), 400, 20001)  # not a Call status: the filter refuses it

    canceled = requests.post(f"{rest.base}/Calls/{sid}.json", data={"Status": "canceled"}, auth=rest.auth, timeout=10)
    assert canceled.status_code == 200
    assert_call(canceled.json(), rest.account)
    assert canceled.json()["status"] == "canceled"


@pytest.mark.parametrize("persona", ["human", "machine", "busy", "no-answer", "carrier-failure"])
def test_every_status_a_call_passes_through_is_a_call_status(
    rest: Rest, receiver: WebhookReceiver, sim: SimulatorServer, persona: str
) -> None:
    number = "+12025550133"
    sim.configure(fixed={number: persona})
    sid = rest.create(number, receiver).json()["sid"]
    seen = set()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        call = rest.fetch(sid).json()
        assert_call(call, rest.account)
        seen.add(call["status"])
        if call["end_time"] is not None:
            break
        time.sleep(0.005)
    assert seen <= CALL_STATUSES
    assert call["end_time"] is not None and call["duration"] is not None and call["duration"].isdigit()


def test_list_answers_the_list_call_response(rest: Rest, receiver: WebhookReceiver, sim: SimulatorServer) -> None:
    sim.configure(fixed={"+12025550134": "busy"})
    sids = [rest.create("+12025550134", receiver).json()["sid"] for _ in range(3)]
    assert sim.wait_until_idle(10)
    page = rest.list(PageSize="2").json()
    assert set(page) == LIST_FIELDS
    for name in ("end", "page", "page_size", "start"):
        assert isinstance(page[name], int) and not isinstance(page[name], bool), name
    assert (page["page"], page["page_size"], page["start"], page["end"]) == (0, 2, 0, 1)
    prefix = f"/2010-04-01/Accounts/{rest.account}/Calls.json?"
    assert page["uri"].startswith(prefix) and page["first_page_uri"].startswith(prefix)
    assert page["previous_page_uri"] is None
    assert page["next_page_uri"].startswith(prefix)
    for call in page["calls"]:
        assert_call(call, rest.account)
    second = requests.get(f"{sim.url}{page['next_page_uri']}", auth=rest.auth, timeout=10).json()
    assert set(second) == LIST_FIELDS
    assert second["next_page_uri"] is None and second["previous_page_uri"].startswith(prefix)
    assert {call["sid"] for call in page["calls"] + second["calls"]} == set(sids)
    assert {call["status"] for call in rest.list(Status="busy").json()["calls"]} == {"busy"}


def test_error_bodies(rest: Rest, receiver: WebhookReceiver, sim: SimulatorServer) -> None:
    assert_error(requests.post(f"{rest.base}/Calls.json", data={"From": FROM}, auth=rest.auth, timeout=10), 400, 21201)
    assert_error(rest.create("555-0101", receiver), 400, 21211)
    assert_error(rest.fetch("CA" + "f" * 32), 404, 20404)
    assert_error(requests.get(f"{rest.base}/Calls.json", auth=(rest.account, "wrong"), timeout=10), 401, 20003)
    other = f"{sim.url}/2010-04-01/Accounts/AC{'1' * 32}/Calls.json"
    assert_error(requests.get(other, auth=rest.auth, timeout=10), 403, 20003)
    assert_error(rest.list(PageSize="1001"), 400, 20001)  # PageSize: minimum 1, maximum 1000
