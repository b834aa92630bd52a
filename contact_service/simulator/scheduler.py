"""Timed work without a thread per wait: one timer thread keeps a heap of due times and hands due work to a
pool of worker threads. Also the simulated timeline that `speed` accelerates."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class Timeline:
    """Simulated seconds since the start, running `speed` times faster than real (monotonic) time."""

    def __init__(self, speed: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._origin_real = monotonic()
        self._origin_sim = 0.0
        self._speed = speed

    @property
    def speed(self) -> float:
        """The current acceleration factor."""
        return self._speed

    def now(self) -> float:
        """Simulated seconds elapsed."""
        with self._lock:
            return self._origin_sim + (self._monotonic() - self._origin_real) * self._speed

    def real_seconds(self, simulated: float) -> float:
        """How long `simulated` seconds last in real time at the current speed."""
        return simulated / self._speed

    def set_speed(self, speed: float) -> None:
        """Change the speed from now on; time already simulated is kept."""
        with self._lock:
            real = self._monotonic()
            self._origin_sim += (real - self._origin_real) * self._speed
            self._origin_real, self._speed = real, speed


class Scheduler:
    """Runs `fn(*args)` on a worker pool, now or after a delay in real seconds."""

    def __init__(self, workers: int, name: str) -> None:
        self._name = name
        self._workers = workers
        self._heap: list[tuple[float, int, Callable[..., Any], tuple[Any, ...]]] = []
        self._order = itertools.count()
        self._wakeup = threading.Condition()
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        """Start the timer thread and the pool (idempotent)."""
        with self._wakeup:
            if self._thread is not None:
                return
            self._stopping = False
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix=self._name)
            self._thread = threading.Thread(target=self._run, name=f"{self._name}-timer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Drop pending timers, let running work finish, and stop the threads."""
        with self._wakeup:
            thread, pool = self._thread, self._pool
            self._stopping = True
            self._heap.clear()
            self._wakeup.notify()
        if thread is not None:
            thread.join(timeout=5)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        with self._wakeup:
            self._thread = self._pool = None

    def soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run on a worker as soon as one is free."""
        pool = self._pool
        if pool is None or self._stopping:
            return
        # A pool shutting down refuses work: it belongs to a simulation that is ending.
        with contextlib.suppress(RuntimeError):
            pool.submit(self._guarded, fn, args)

    def later(self, delay: float, fn: Callable[..., Any], *args: Any) -> None:
        """Run on a worker after `delay` real seconds."""
        if delay <= 0:
            self.soon(fn, *args)
            return
        with self._wakeup:
            if self._stopping:
                return
            entry = (time.monotonic() + delay, next(self._order), fn, args)
            heapq.heappush(self._heap, entry)
            if self._heap[0] is entry:
                self._wakeup.notify()

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._stopping:
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    if wait is not None and wait <= 0:
                        break
                    self._wakeup.wait(wait)
                if self._stopping:
                    return
                _, _, fn, args = heapq.heappop(self._heap)
            self.soon(fn, *args)

    @staticmethod
    def _guarded(fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("simulator task %s failed", getattr(fn, "__qualname__", fn))
