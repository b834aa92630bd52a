"""A call's life as timed events: paced start, initiated → ringing → answered/busy/no-answer/failed, answering
machine detection, the callee hanging up, and the end. Also what the TwiML interpreter asks of the engine.
Methods ending in _locked must be called with the call's lock held."""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from contact_service.clock import Clock
from contact_service.simulator import draws
from contact_service.simulator.call import Call
from contact_service.simulator.config import SimulatorConfig
from contact_service.simulator.flow import CallFlow, Fetch, Step
from contact_service.simulator.notifier import Notifier
from contact_service.simulator.pacer import CpsPacer
from contact_service.simulator.registry import CallBook
from contact_service.simulator.scheduler import Scheduler, Timeline
from contact_service.simulator.webhook import WebhookResponse, WebhookSender

MESSAGE_HEARD_PATIENCE = 3.0  # an answering machine stops recording this long after a message ends


class CallLifecycle:
    """Moves calls through their statuses; one per engine."""

    def __init__(
        self,
        config: Callable[[], SimulatorConfig],
        clock: Clock,
        timeline: Timeline,
        scheduler: Scheduler,
        notifier: Notifier,
        sender: WebhookSender,
        book: CallBook,
    ) -> None:
        self._config, self._clock, self._timeline = config, clock, timeline
        self._scheduler, self._notifier, self._sender, self._book = scheduler, notifier, sender, book
        self._flow = CallFlow(self)
        self._lock = threading.Lock()  # the queue and the pacer
        self._queue: deque[Call] = deque()
        self.pacer = CpsPacer(config().cps)
        self._pump_scheduled = False
        self.running = False

    def enqueue(self, call: Call) -> None:
        """Queue a new call; it starts when the calls-per-second limit allows."""
        with self._lock:
            self._queue.append(call)
        self.pump()

    def set_cps(self, cps: int) -> None:
        """Change the limit and start what it now allows."""
        with self._lock:
            self.pacer.cps = cps
        self.pump()

    def stopped(self) -> None:
        """The scheduler stopped: its pending pump timer is gone."""
        with self._lock:
            self._pump_scheduled = False

    def reset(self, calls: list[Call]) -> None:
        """Silence `calls` for good and empty the queue."""
        with self._lock:
            self._queue.clear()
            self.pacer.reset_stats()
        for call in calls:
            with call.lock:
                call.ended = True
                call.gen += 1
                self._notifier.forget_locked(call)

    def pump(self, from_timer: bool = False) -> None:
        """Start queued calls in FIFO order as far as the pacer allows; come back when it allows more."""
        starting = []
        with self._lock:
            if from_timer:
                self._pump_scheduled = False
            while self._queue and self.running:
                wait = self.pacer.wait()
                if wait > 0:
                    if not self._pump_scheduled:
                        self._pump_scheduled = True
                        self._scheduler.later(wait, self.pump, True)
                    break
                call = self._queue.popleft()
                if call.status == "queued":  # canceled calls just leave the queue
                    self.pacer.take()
                    starting.append(call)
        for call in starting:
            self._start(call)

    def _start(self, call: Call) -> None:
        with call.lock:
            if call.ended or call.status != "queued":
                return
            call.start_time = self._clock.now()
            self._book.started(call.start_time)
            self._set_status_locked(call, "initiated")
            if call.persona.outcome == "failed":
                self._later(call, call.ring_after, self._fail_locked)
            else:
                self._later(call, call.ringing_after, self._ringing_locked)

    def _ringing_locked(self, call: Call) -> None:
        if call.status != "initiated":
            return
        self._set_status_locked(call, "ringing")
        timeout = call.request.ring_timeout
        outcome = call.persona.outcome
        if outcome == "busy" and call.ring_after < timeout:
            self._later(call, call.ring_after, self.finish_locked, "busy", 486)
        elif outcome == "answered" and call.ring_after < timeout:
            self._later(call, call.ring_after, self._answer_locked)
        else:
            self._later(call, timeout, self.finish_locked, "no-answer", 487)

    def _fail_locked(self, call: Call) -> None:
        self.finish_locked(call, "failed", call.persona.sip_code, call.persona.error)

    def _answer_locked(self, call: Call) -> None:
        if call.status != "ringing":
            return
        call.answered_sim = self._timeline.now()
        self._set_status_locked(call, "in-progress")
        self._later(call, call.request.time_limit, self._callee_hangs_up_locked)
        if call.persona.hangs_up_after is not None:
            self._later(call, call.persona.hangs_up_after, self._callee_hangs_up_locked)
        request = call.request
        if request.machine_detection:
            self._later(call, call.amd_after, self._amd_done_locked)
        if not request.machine_detection or request.async_amd:
            self.start_flow_locked(call, with_answered_by=False)

    def _amd_done_locked(self, call: Call) -> None:
        if call.status != "in-progress" or call.answered_by is not None:
            return
        call.answered_by = call.amd_result
        if call.request.async_amd:
            self._notifier.amd_locked(call, int(call.amd_after * 1000))
        elif not call.flow_started:
            # Synchronous AMD: the voice URL is requested only now, with the result.
            self.start_flow_locked(call, with_answered_by=True)

    def start_flow_locked(self, call: Call, with_answered_by: bool) -> None:
        """Play the call's current voice URL (or inline TwiML) from the top."""
        call.flow_started = True
        if call.twiml is not None:
            step = Step("inline", twiml=call.twiml)
        else:
            extra = (("AnsweredBy", call.answered_by),) if with_answered_by and call.answered_by else ()
            step = Step("fetch", fetch=Fetch(call.voice_url or "", call.voice_method, "voice", extra))
        self._scheduler.soon(self._flow.run, call, call.gen, step)

    def _callee_hangs_up_locked(self, call: Call) -> None:
        if call.status == "in-progress":
            self.finish_locked(call, "completed", 200)

    def _silence_over_locked(self, call: Call, epoch: int) -> None:
        if call.silence_epoch == epoch:
            self._callee_hangs_up_locked(call)

    def finish_locked(self, call: Call, status: str, sip_code: int, error: tuple[int, str] | None = None) -> None:
        """End the call with a final status and send the final callback (then any held-back ones)."""
        if call.ended:
            return
        call.ended = True
        call.gen += 1  # every pending step of the call's documents becomes a no-op
        call.program = None
        if call.start_time is not None:
            call.end_time = self._clock.now()
        answered_sim = call.answered_sim
        answered = answered_sim is not None
        call.duration = max(1, round(self._timeline.now() - answered_sim)) if answered_sim is not None else 0
        if answered and call.request.machine_detection and call.answered_by is None:
            call.answered_by = "unknown"
        if error is not None and status == "failed":
            call.errors.append(error)
        self._set_status_locked(call, status, notify=False)
        self._notifier.final_locked(call, sip_code, error if status == "failed" else None)
        self._book.finished(call, self._config().retain_calls)

    def _set_status_locked(self, call: Call, status: str, notify: bool = True) -> None:
        old, call.status = call.status, status
        call.date_updated = self._clock.now()
        self._book.moved(call, old, status)
        if notify:
            self._notifier.status_locked(call)

    def _later(self, call: Call, seconds: float, handler: Callable[..., None], *args: Any) -> None:
        self._scheduler.later(self._timeline.real_seconds(seconds), self._on_time, call, handler, args)

    @staticmethod
    def _on_time(call: Call, handler: Callable[..., None], args: tuple[Any, ...]) -> None:
        with call.lock:
            if not call.ended:
                handler(call, *args)

    # FlowHost: what the TwiML interpreter asks for

    def fetch(self, call: Call, fetch: Fetch) -> WebhookResponse:
        """Request a TwiML document for the call (no lock held) and record the attempt."""
        with call.lock:
            params = call.base_params()
            params.update(fetch.params)
        response = self._sender.send(fetch.url, fetch.method, params, draws.token(call.sid, uuid.uuid4().hex))
        with call.lock:
            call.documents.append(
                (fetch.url, fetch.method, fetch.purpose, response.status_code, response.error, response.elapsed_ms)
            )
        return response

    def after(self, call: Call, seconds: float, step: Step) -> None:
        """Run `step` of the current document after `seconds` of simulated time."""
        self._scheduler.later(self._timeline.real_seconds(seconds), self._flow.run, call, call.gen, step)

    def hang_up_locked(self, call: Call, error: tuple[int, str] | None = None) -> None:
        """Twilio ends the call (end of document, <Hangup>, or an error it records)."""
        if error is not None:
            call.errors.append(error)
        self.finish_locked(call, "completed", 200)

    def audible_locked(self, call: Call, speech: bool) -> None:
        """Something is playing: the silence is over; a machine past its beep records speech."""
        call.silence_epoch += 1
        call.silent_from = None
        if (
            speech
            and call.persona.amd == "machine"
            and call.answered_sim is not None
            and self._timeline.now() >= call.answered_sim + call.beep_after
        ):
            call.heard_after_beep = True

    def silent_locked(self, call: Call) -> None:
        """Nothing is playing: the callee's patience starts (a machine's only after its beep)."""
        if call.silent_from is not None or call.answered_sim is None:
            return
        now = self._timeline.now()
        call.silent_from = max(now, call.answered_sim + call.beep_after)
        patience = MESSAGE_HEARD_PATIENCE if call.heard_after_beep else self._config().silence_patience
        self._later(call, call.silent_from + patience - now, self._silence_over_locked, call.silence_epoch)
