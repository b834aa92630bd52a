"""Status and AMD callbacks: built as Twilio builds them, faults injected (duplicates, reordering), and
delivered in order per call by a bounded worker pool, so a slow endpoint never holds up other calls' flows."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from contact_service.clock import Clock
from contact_service.simulator import draws
from contact_service.simulator.call import Call, Callback, Delivery, FinalFacts, rfc2822
from contact_service.simulator.config import SimulatorConfig
from contact_service.simulator.webhook import WebhookSender

# The StatusCallbackEvent that asks for each non-final status.
EVENT_FOR_STATUS = {"initiated": "initiated", "ringing": "ringing", "in-progress": "answered"}


class Notifier:
    """Builds, holds back, duplicates and delivers callbacks. Methods ending in _locked need `call.lock`."""

    def __init__(self, config: Callable[[], SimulatorConfig], sender: WebhookSender, clock: Clock) -> None:
        self._config = config
        self._sender = sender
        self._clock = clock
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self.pending = 0  # callbacks generated and not yet delivered (held ones included)
        self._last_timestamp: tuple[object, str] = (None, "")
        self.sent = 0
        self.failed = 0

    def start(self, workers: int) -> None:
        """Create the delivery pool."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="sim-callback")

    def stop(self) -> None:
        """Finish deliveries in progress and drop the rest."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def reset_counts(self) -> None:
        """Zero the sent/failed statistics."""
        with self._lock:
            self.sent = self.failed = 0

    def status_locked(self, call: Call) -> None:
        """A non-final status change: notify it if that event was requested."""
        request = call.request
        if request.status_callback is None or EVENT_FOR_STATUS.get(call.status) not in request.events:
            return
        callback = self._status_callback_locked(call, None)
        config = self._config()
        number = call.callback_count - 1
        reorder = draws.unit(config.seed, call.index, number, "reorder") < config.reorder_rate
        if call.status in config.hold_back or reorder:
            callback.held_back = True
            call.held.append(callback)
            self._count_pending(1)
        else:
            self._enqueue_locked(call, callback)

    def final_locked(self, call: Call, sip_code: int, error: tuple[int, str] | None) -> None:
        """The final status: always notified when there is a StatusCallback; held-back ones follow it."""
        if call.request.status_callback is not None:
            final = FinalFacts(call.duration or 0, sip_code, error)
            self._enqueue_locked(call, self._status_callback_locked(call, final))
        held, call.held = call.held, []
        for callback in held:
            self._enqueue_locked(call, callback, counted=True)

    def amd_locked(self, call: Call, detection_ms: int) -> None:
        """The asynchronous answering-machine-detection result, if a callback URL was given."""
        request = call.request
        if request.amd_callback is None:
            return
        callback = self._new_callback_locked(call, request.amd_callback, request.amd_callback_method)
        callback.detection_ms = detection_ms
        self._enqueue_locked(call, callback)

    def forget_locked(self, call: Call) -> None:
        """Drop a call's held and queued callbacks (simulation reset)."""
        dropped = len(call.held) + len(call.outbox)
        call.held, call.outbox = [], []
        self._count_pending(-dropped)

    def _status_callback_locked(self, call: Call, final: FinalFacts | None) -> Callback:
        request = call.request
        callback = self._new_callback_locked(call, request.status_callback or "", request.status_callback_method)
        callback.status = call.status
        callback.timestamp = self._timestamp()
        callback.sequence = call.seq
        callback.final = final
        call.seq += 1
        return callback

    def _timestamp(self) -> str:
        # Callbacks of the same second share one string: thousands of retained calls, one copy per second.
        now = self._clock.now().replace(microsecond=0)
        moment, text = self._last_timestamp  # one attribute: threads never see a half-updated pair
        if now != moment:
            text = rfc2822(now) or ""
            self._last_timestamp = (now, text)
        return text

    def _new_callback_locked(self, call: Call, url: str, method: str) -> Callback:
        number = call.callback_count
        call.callback_count += 1
        answered_by = call.answered_by if call.request.machine_detection else None
        callback = Callback(url, method, draws.token(call.sid, "callback", number), answered_by)
        config = self._config()
        callback.duplicate = draws.unit(config.seed, call.index, number, "duplicate") < config.duplicate_rate
        return callback

    def _enqueue_locked(self, call: Call, callback: Callback, counted: bool = False) -> None:
        if not counted:
            self._count_pending(1)
        call.outbox.append(callback)
        if call.delivering or self._pool is None:
            return
        call.delivering = True
        try:
            self._pool.submit(self._drain, call)
        except RuntimeError:
            call.delivering = False  # shutting down

    def _drain(self, call: Call) -> None:
        # One worker empties one call's outbox in order: callbacks of a call arrive in the order they were
        # generated (except the faults injected on purpose), and calls do not wait for each other.
        while True:
            with call.lock:
                if not call.outbox:
                    call.delivering = False
                    return
                callback = call.outbox.pop(0)
                params = callback.params(call)
            for attempt in range(1, 3 if callback.duplicate else 2):
                response = self._sender.send(callback.url, callback.method, params, callback.token)
                with call.lock:
                    call.deliveries.append(
                        Delivery(callback, attempt, response.status_code, response.error, response.elapsed_ms)
                    )
                with self._lock:
                    self.sent += 1
                    self.failed += 0 if response.ok else 1
            self._count_pending(-1)

    def _count_pending(self, change: int) -> None:
        with self._lock:
            self.pending += change
