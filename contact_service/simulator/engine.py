"""The simulation engine: one simulated Twilio account. It accepts, inspects, redirects and cancels calls for
the REST and control APIs; CallLifecycle plays each call, CallBook remembers them."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

from contact_service.clock import Clock, SystemClock
from contact_service.simulator.call import Call, CallRequest
from contact_service.simulator.config import SimulatorConfig
from contact_service.simulator.errors import TwilioApiError, not_found
from contact_service.simulator.lifecycle import CallLifecycle
from contact_service.simulator.notifier import Notifier
from contact_service.simulator.personas import PersonaPicker
from contact_service.simulator.registry import CallBook
from contact_service.simulator.scheduler import Scheduler, Timeline
from contact_service.simulator.timing import plan_timing
from contact_service.simulator.webhook import WebhookSender

INVALID_CALL_STATE = 21220
WAITING_STATUSES = ("queued", "initiated", "ringing")


class SimulatorEngine:
    """All calls of one simulated account; thread-safe."""

    def __init__(self, config: SimulatorConfig, clock: Clock | None = None) -> None:
        self._config = config
        self._start_lock = threading.Lock()
        self.clock: Clock = clock or SystemClock()
        self.timeline = Timeline(config.speed)
        self._book = CallBook()
        self._picker = PersonaPicker(config.seed, config.mix, config.fixed)
        self._sender = WebhookSender(config.auth_token, config.webhook_timeout)
        self._notifier = Notifier(lambda: self._config, self._sender, self.clock)
        self._scheduler = Scheduler(config.workers, "sim-flow")
        self._life = CallLifecycle(
            lambda: self._config, self.clock, self.timeline, self._scheduler, self._notifier, self._sender, self._book
        )

    @property
    def config(self) -> SimulatorConfig:
        """The configuration in force."""
        return self._config

    def start(self) -> None:
        """Start the timer and worker threads (idempotent, cheap enough to call on every request)."""
        if self._life.running:
            return
        with self._start_lock:
            if self._life.running:
                return
            self._scheduler.start()
            self._notifier.start(self._config.workers)
            self._life.running = True
        self._life.pump()

    def stop(self) -> None:
        """Stop the threads; pending timers and undelivered callbacks are dropped."""
        with self._start_lock:
            self._life.running = False
            self._scheduler.stop()
            self._life.stopped()
            self._notifier.stop()

    # REST API

    def create_call(self, request: CallRequest) -> dict[str, Any]:
        """Accept a call (status queued) and return its resource; raise TwilioApiError for refused numbers."""
        self.start()
        persona, k = self._picker.pick(request.to)
        if persona.outcome == "rest-error" and persona.error is not None:
            self._book.count_rejected()
            raise TwilioApiError(400, persona.error[0], persona.error[1])
        index = self._book.next_index()
        call = Call(f"CA{uuid.uuid4().hex}", index, self._config.account_sid, request, persona, k, self.clock.now())
        plan_timing(call, self._config.seed)
        resource = call.resource()
        self._book.add(call)
        self._life.enqueue(call)
        return resource

    def call(self, sid: str) -> Call:
        """The call with this SID; raise a 404 TwilioApiError if unknown (or no longer retained)."""
        call = self._book.get(sid)
        if call is None:
            raise not_found(f"/Calls/{sid}.json")
        return call

    def calls(self) -> list[Call]:
        """A snapshot of the retained calls, oldest first."""
        return self._book.snapshot()

    def update_call(
        self,
        sid: str,
        url: str | None = None,
        method: str = "POST",
        twiml: str | None = None,
        status: str | None = None,
    ) -> dict[str, Any]:
        """Redirect, cancel or hang up a call (REST update); return the call's resource."""
        call = self.call(sid)
        with call.lock:
            if status is not None:
                self._change_status_locked(call, status)
            elif url is not None or twiml is not None:
                if call.ended:
                    raise TwilioApiError(400, INVALID_CALL_STATE, "Call is not in-progress. Cannot redirect.")
                call.voice_url, call.voice_method, call.twiml = url, method, twiml
                if call.status == "in-progress":
                    call.gen += 1  # interrupts whatever the previous document was doing
                    call.program = None
                    self._life.start_flow_locked(call, with_answered_by=False)
                # Otherwise the new document is what the call plays once answered.
            return call.resource()

    def _change_status_locked(self, call: Call, status: str) -> None:
        if status == "canceled":
            if call.status not in WAITING_STATUSES:
                message = f"Call is {call.status}; only queued or ringing calls can be canceled"
                raise TwilioApiError(400, INVALID_CALL_STATE, message)
            self._life.finish_locked(call, "canceled", 487)
        elif status == "completed":
            if call.status in WAITING_STATUSES:
                self._life.finish_locked(call, "canceled", 487)
            elif not call.ended:
                self._life.finish_locked(call, "completed", 200)
        else:
            raise TwilioApiError(400, 21218, f"Invalid Status {status!r}: use canceled or completed")

    # Control API

    def configure(self, changes: Mapping[str, Any]) -> SimulatorConfig:
        """Apply configuration changes (ValueError if invalid); personas and faults apply to calls to come."""
        frozen = sorted({"account_sid", "auth_token"} & set(changes))
        if frozen:
            raise ValueError(f"{frozen[0]}: cannot be changed while the simulator runs")
        config = self._config.merged(changes)
        self._config = config
        self._picker.configure(config.seed, config.mix, config.fixed)
        if config.speed != self.timeline.speed:
            self.timeline.set_speed(config.speed)
        self._sender.timeout = config.webhook_timeout
        self._life.set_cps(config.cps)
        return config

    def reset(self) -> None:
        """Forget every call (running ones stop silently) and every count; the configuration stays."""
        self._life.reset(self._book.reset())
        self._picker.reset()
        self._notifier.reset_counts()

    def records(self, to: str | None = None, active: bool | None = None) -> list[dict[str, Any]]:
        """Full records of the retained calls, oldest first, optionally filtered."""
        records = []
        for call in self.calls():
            if (to is None or call.request.to == to) and (active is None or call.active == active):
                with call.lock:
                    records.append(call.record())
        return records

    def stats(self) -> dict[str, Any]:
        """Counters over every call since the last reset (evicted ones included)."""
        stats = self._book.counts()
        stats["max_started_in_any_second"] = self._life.pacer.max_in_any_second
        stats["callbacks"] = {
            "sent": self._notifier.sent,
            "failed": self._notifier.failed,
            "pending": self._notifier.pending,
        }
        return stats

    def idle(self) -> bool:
        """No active call and no callback waiting to be delivered."""
        return self._book.active == 0 and self._notifier.pending == 0

    def wait_until_idle(self, timeout: float) -> bool:
        """Block until idle or `timeout` real seconds pass; True if idle."""
        deadline = time.monotonic() + timeout
        while not self.idle():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True
