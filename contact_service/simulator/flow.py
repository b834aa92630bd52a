"""Playing a call's TwiML: a resumable interpreter. Verbs that take time schedule the next step instead of
sleeping, so a worker thread is busy only while a webhook is being fetched.

A step runs under the call's lock except during HTTP. Every step carries the call's generation; a redirect
(REST update) or the end of the call bumps it, so steps of the superseded document quietly do nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin

from contact_service.simulator.call import Call
from contact_service.simulator.twiml import (
    Dial,
    Gather,
    Hangup,
    Pause,
    Play,
    Redirect,
    Reject,
    Say,
    TwimlError,
    Verb,
    parse_twiml,
)
from contact_service.simulator.webhook import WebhookResponse

HTTP_RETRIEVAL_FAILURE = 11200
PLAY_SECONDS = 3.0  # audio is not fetched; a clip lasts this long
DIAL_LEG_SECONDS = 5.0  # the connected leg of a <Dial>
PRESS_AFTER = 1.5  # a persona presses its key this long after the Gather's prompts end
ENDLESS_LOOP = 20  # loop="0" repeats until hangup; the simulator plays it this many times


@dataclass(frozen=True)
class Fetch:
    """A TwiML document to request, with the parameters specific to why."""

    url: str
    method: str
    purpose: str  # voice | gather | dial | redirect
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Step:
    """What a scheduled step does: resume | fetch | inline | digits | dial-done."""

    kind: str
    fetch: Fetch | None = None
    twiml: str | None = None
    verb: Gather | Dial | None = None
    digits: str = ""


class FlowHost(Protocol):
    """What the interpreter needs from the engine."""

    def fetch(self, call: Call, fetch: Fetch) -> WebhookResponse: ...

    def after(self, call: Call, seconds: float, step: Step) -> None: ...

    def hang_up_locked(self, call: Call, error: tuple[int, str] | None = None) -> None: ...

    def audible_locked(self, call: Call, speech: bool) -> None: ...

    def silent_locked(self, call: Call) -> None: ...


class Frame:
    """Verbs being played, the index of the next one, and the Gather they belong to (None at the top level)."""

    __slots__ = ("gather", "index", "verbs")

    def __init__(self, verbs: tuple[Verb, ...], gather: Gather | None = None) -> None:
        self.verbs = verbs
        self.index = 0
        self.gather = gather


class Program:
    """The document being played: its URL (None for inline TwiML) and a stack of frames (Gathers nest)."""

    __slots__ = ("stack", "url")

    def __init__(self, url: str | None, verbs: tuple[Verb, ...]) -> None:
        self.url = url
        self.stack: list[Frame] = [Frame(verbs)]


class CallFlow:
    """Runs steps of calls' TwiML documents."""

    def __init__(self, host: FlowHost) -> None:
        self._host = host

    def run(self, call: Call, gen: int, step: Step) -> None:
        """Execute one step; loops over webhook fetches until the document needs time or the call ends."""
        with call.lock:
            if call.ended or call.gen != gen:
                return
            fetch = self._act_locked(call, step)
        while fetch is not None:
            response = self._host.fetch(call, fetch)
            with call.lock:
                if call.ended or call.gen != gen:
                    return
                fetch = self._load_locked(call, fetch, response)

    def _act_locked(self, call: Call, step: Step) -> Fetch | None:
        if step.kind == "fetch":
            return step.fetch
        if step.kind == "inline":
            return self._install_locked(call, None, step.twiml or "")
        if step.kind == "digits" and isinstance(step.verb, Gather):
            call.digits_sent.append(step.digits)
            target = step.verb.action or (call.program.url if call.program else None)
            if target is not None:
                params: tuple[tuple[str, str], ...] = (("Digits", step.digits), ("FinishedOnKey", ""))
                return self._fetch_locked(call, target, step.verb.method, "gather", params)
        if step.kind == "dial-done" and isinstance(step.verb, Dial) and step.verb.action:
            params = (
                ("DialCallStatus", "completed"),
                ("DialCallSid", f"CA{call.sid[2:18]}{'d' * 16}"),
                ("DialCallDuration", str(int(DIAL_LEG_SECONDS))),
            )
            return self._fetch_locked(call, step.verb.action, step.verb.method, "dial", params)
        return self._advance_locked(call)

    def _load_locked(self, call: Call, fetch: Fetch, response: WebhookResponse) -> Fetch | None:
        if not response.ok:
            reason = response.error or f"HTTP {response.status_code}"
            self._host.hang_up_locked(call, (HTTP_RETRIEVAL_FAILURE, f"{fetch.method} {fetch.url}: {reason}"))
            return None
        return self._install_locked(call, fetch.url, response.body)

    def _install_locked(self, call: Call, url: str | None, body: str | bytes) -> Fetch | None:
        try:
            verbs = parse_twiml(body)
        except TwimlError as exc:
            self._host.hang_up_locked(call, (exc.code, f"{url or 'inline TwiML'}: {exc.message}"))
            return None
        call.program = Program(url, verbs)
        return self._advance_locked(call)

    def _fetch_locked(
        self, call: Call, target: str, method: str, purpose: str, params: tuple[tuple[str, str], ...] = ()
    ) -> Fetch | None:
        base = call.program.url if call.program else None
        url = urljoin(base, target) if base else target
        if not url.startswith(("http://", "https://")):
            self._host.hang_up_locked(call, (HTTP_RETRIEVAL_FAILURE, f"{target!r} is not an absolute http(s) URL"))
            return None
        return Fetch(url, method, purpose, params)

    def _advance_locked(self, call: Call) -> Fetch | None:
        """Play verbs until one takes time (a step is scheduled), needs a document, or the call ends."""
        program: Program = call.program
        while True:
            if not program.stack:
                self._host.hang_up_locked(call)  # end of document: Twilio hangs up
                return None
            frame = program.stack[-1]
            if frame.index >= len(frame.verbs):
                program.stack.pop()
                if frame.gather is not None:
                    self._await_input_locked(call, frame.gather)
                    return None
                continue
            verb = frame.verbs[frame.index]
            frame.index += 1
            if isinstance(verb, Say):
                loops = verb.loop or ENDLESS_LOOP
                self._host.audible_locked(call, speech=True)
                call.spoken.extend([(verb.text, verb.voice, verb.language)] * loops)
                self._host.after(call, verb.seconds() * loops, Step("resume"))
                return None
            if isinstance(verb, Play):
                loops = verb.loop or ENDLESS_LOOP
                self._host.audible_locked(call, speech=False)
                call.played.extend([verb.url] * loops)
                self._host.after(call, PLAY_SECONDS * loops, Step("resume"))
                return None
            if isinstance(verb, Pause):
                self._host.silent_locked(call)
                self._host.after(call, verb.length, Step("resume"))
                return None
            if isinstance(verb, Gather):
                program.stack.append(Frame(verb.children, verb))
                continue
            if isinstance(verb, Dial):
                self._host.audible_locked(call, speech=False)
                call.dialed.extend(verb.numbers)
                self._host.after(call, DIAL_LEG_SECONDS, Step("dial-done", verb=verb))
                return None
            if isinstance(verb, Redirect):
                return self._fetch_locked(call, verb.url, verb.method, "redirect")
            if isinstance(verb, Hangup | Reject):
                self._host.hang_up_locked(call)
                return None

    def _await_input_locked(self, call: Call, gather: Gather) -> None:
        keys = call.persona.keys
        number = call.gather_count
        call.gather_count += 1
        key = keys[number] if number < len(keys) and "dtmf" in gather.input else None
        self._host.silent_locked(call)
        if key is not None and gather.timeout >= PRESS_AFTER:
            self._host.after(call, PRESS_AFTER, Step("digits", verb=gather, digits=key))
        else:
            # No input: Twilio falls through to the verb after the Gather.
            self._host.after(call, gather.timeout, Step("resume"))
