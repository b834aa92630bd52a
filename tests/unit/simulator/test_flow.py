"""The TwiML interpreter, driven step by step through a fake host: no HTTP, no threads, no clock."""

from __future__ import annotations

import datetime as dt

import pytest

from contact_service.simulator.call import Call, CallRequest
from contact_service.simulator.flow import DIAL_LEG_SECONDS, PRESS_AFTER, CallFlow, Fetch, Step
from contact_service.simulator.personas import PERSONAS
from contact_service.simulator.webhook import WebhookResponse

BASE = "https://service.example/webhooks/twilio"
MESSAGE = "This is the IRS. Please call us back at 1 800 829 1040."
VOICE = (
    f'<Response><Say voice="Polly.Joanna" language="en-US">{MESSAGE}</Say>'
    '<Gather numDigits="1" timeout="6" action="gather?attempt=1"><Say>Press 1 to hear this again.</Say></Gather>'
    "<Say>Goodbye.</Say></Response>"
)


class FakeHost:
    """Serves canned documents and records what the interpreter asks for."""

    def __init__(self, documents: dict[str, str | tuple[int, str]]) -> None:
        self.documents = documents
        self.fetched: list[tuple[Fetch, dict[str, str]]] = []
        self.pending: list[tuple[float, int, Step]] = []
        self.ended_with: tuple[int, str] | str | None = "running"
        self.silences = 0
        self.elapsed = 0.0

    def fetch(self, call: Call, fetch: Fetch) -> WebhookResponse:
        self.fetched.append((fetch, dict(fetch.params)))
        document = self.documents.get(fetch.url, (404, "not found"))
        status, body = document if isinstance(document, tuple) else (200, document)
        return WebhookResponse(status, None, 1.0, body.encode())

    def after(self, call: Call, seconds: float, step: Step) -> None:
        self.pending.append((seconds, call.gen, step))

    def hang_up_locked(self, call: Call, error: tuple[int, str] | None = None) -> None:
        call.ended = True
        call.gen += 1
        self.ended_with = error

    def audible_locked(self, call: Call, speech: bool) -> None:
        pass

    def silent_locked(self, call: Call) -> None:
        self.silences += 1


def make_call(persona: str = "human") -> Call:
    request = CallRequest(
        to="+12025550101", from_="+12025550140", url=f"{BASE}/voice?attempt=1", method="POST", twiml=None,
        status_callback=None, status_callback_method="POST", events=frozenset({"completed"}), machine_detection=None,
        async_amd=False, amd_callback=None, amd_callback_method="POST", amd_timeout=30, ring_timeout=60,
        time_limit=14400,
    )  # fmt: skip
    call = Call("CA" + "0" * 32, 1, "AC" + "0" * 32, request, PERSONAS[persona], 1, dt.datetime.now(dt.UTC))
    call.status = "in-progress"
    return call


def play(
    documents: dict[str, str | tuple[int, str]], persona: str = "human", first: Step | None = None
) -> tuple[Call, FakeHost]:
    """Run a call's document to its end, firing each scheduled step in turn."""
    host, call = FakeHost(documents), make_call(persona)
    flow = CallFlow(host)
    flow.run(call, call.gen, first or Step("fetch", fetch=Fetch(f"{BASE}/voice?attempt=1", "POST", "voice")))
    while host.pending and not call.ended:
        seconds, gen, step = host.pending.pop(0)
        host.elapsed += seconds
        flow.run(call, gen, step)
    return call, host


def test_say_records_text_voice_language_and_takes_time() -> None:
    call, host = play(
        {f"{BASE}/voice?attempt=1": f'<Response><Say voice="alice" language="en-GB">{MESSAGE}</Say></Response>'}
    )
    assert call.spoken == [(MESSAGE, "alice", "en-GB")]
    assert host.elapsed == pytest.approx(len(MESSAGE.split()) / 2.5)
    assert host.ended_with is None  # end of document: Twilio hangs up, no error


def test_pause_and_play_take_time_and_play_is_recorded() -> None:
    call, host = play(
        {f"{BASE}/voice?attempt=1": '<Response><Pause length="4"/><Play>https://a.example/x.mp3</Play></Response>'}
    )
    assert call.played == ["https://a.example/x.mp3"]
    assert host.elapsed == pytest.approx(4 + 3)
    assert host.silences == 1


def test_no_input_falls_through_to_the_verb_after_the_gather() -> None:
    call, host = play({f"{BASE}/voice?attempt=1": VOICE}, persona="human")
    assert [text for text, _, _ in call.spoken] == [MESSAGE, "Press 1 to hear this again.", "Goodbye."]
    assert call.digits_sent == []
    assert len(host.fetched) == 1
    assert host.elapsed == pytest.approx(len(MESSAGE.split()) / 2.5 + 6 / 2.5 + 6 + 0.5)


def test_a_key_posts_digits_to_the_action_resolved_against_the_document_and_the_answer_replaces_it() -> None:
    documents = {
        f"{BASE}/voice?attempt=1": VOICE,
        f"{BASE}/gather?attempt=1": "<Response><Say>Connecting you.</Say><Dial>+18008291040</Dial></Response>",
    }
    call, host = play(documents, persona="human-press-2")
    gather_fetch, params = host.fetched[1]
    assert (gather_fetch.url, gather_fetch.method, gather_fetch.purpose) == (
        f"{BASE}/gather?attempt=1",
        "POST",
        "gather",
    )
    assert params["Digits"] == "2"
    assert call.digits_sent == ["2"]
    assert call.dialed == ["+18008291040"]
    assert "Goodbye." not in [text for text, _, _ in call.spoken]  # the rest of the old document is discarded


def test_press_1_then_2_answers_successive_gathers() -> None:
    documents = {
        f"{BASE}/voice?attempt=1": VOICE,
        f"{BASE}/gather?attempt=1": VOICE.replace("gather?attempt=1", "gather2?attempt=1"),
        f"{BASE}/gather2?attempt=1": "<Response><Dial><Number>+18008291040</Number></Dial></Response>",
    }
    call, _host = play(documents, persona="human-press-1-then-2")
    assert call.digits_sent == ["1", "2"]
    assert call.dialed == ["+18008291040"]
    assert [text for text, _, _ in call.spoken].count(MESSAGE) == 2


def test_gather_without_action_posts_to_the_current_document() -> None:
    documents = {f"{BASE}/voice?attempt=1": '<Response><Gather numDigits="1"><Say>Press 1.</Say></Gather></Response>'}
    call, host = play(documents, persona="human-press-1")
    assert [fetch.url for fetch, _ in host.fetched] == [f"{BASE}/voice?attempt=1"] * 2
    assert host.fetched[1][1]["Digits"] == "1"
    assert call.digits_sent == ["1"]
    assert host.elapsed >= PRESS_AFTER


def test_dial_with_action_posts_the_dial_status() -> None:
    documents = {
        f"{BASE}/voice?attempt=1": (
            '<Response><Dial action="/dialed?attempt=1">+18008291040</Dial><Say>never</Say></Response>'
        ),
        "https://service.example/dialed?attempt=1": "<Response><Hangup/></Response>",
    }
    call, host = play(documents)
    fetch, params = host.fetched[1]
    assert fetch.purpose == "dial" and params["DialCallStatus"] == "completed"
    assert call.dialed == ["+18008291040"]
    assert host.elapsed == pytest.approx(DIAL_LEG_SECONDS)
    assert call.spoken == []


def test_redirect_fetches_the_new_document_with_its_method() -> None:
    documents = {
        f"{BASE}/voice?attempt=1": (
            '<Response><Redirect method="GET">voicemail?attempt=1</Redirect><Say>never</Say></Response>'
        ),
        f"{BASE}/voicemail?attempt=1": (
            "<Response><Say>Please call 1 800 829 1040.</Say><Hangup/><Say>after</Say></Response>"
        ),
    }
    call, host = play(documents)
    assert [(fetch.url, fetch.method) for fetch, _ in host.fetched][1] == (f"{BASE}/voicemail?attempt=1", "GET")
    assert [text for text, _, _ in call.spoken] == ["Please call 1 800 829 1040."]


def test_inline_twiml_plays_without_a_fetch() -> None:
    call, host = play({}, first=Step("inline", twiml="<Response><Say>Inline.</Say></Response>"))
    assert call.spoken == [("Inline.", "man", "en-US")] and host.fetched == []


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("<Response><Say>broken</Response>", 12100),
        ("<Response><Sing>la</Sing></Response>", 12200),
        ((500, "<Response/>"), 11200),
        ((404, "missing"), 11200),
    ],
)
def test_documents_that_cannot_be_played_end_the_call_with_the_error(
    document: str | tuple[int, str], code: int
) -> None:
    call, host = play({f"{BASE}/voice?attempt=1": document})
    assert isinstance(host.ended_with, tuple) and host.ended_with[0] == code
    assert call.ended and call.spoken == []


def test_a_step_of_a_superseded_document_does_nothing() -> None:
    host, call = FakeHost({f"{BASE}/voice?attempt=1": VOICE}), make_call()
    flow = CallFlow(host)
    flow.run(call, call.gen, Step("fetch", fetch=Fetch(f"{BASE}/voice?attempt=1", "POST", "voice")))
    (_seconds, gen, step) = host.pending.pop()
    call.gen += 1  # a REST update redirected the call meanwhile
    flow.run(call, gen, step)
    assert host.pending == [] and len(call.spoken) == 1
