"""The account's calls-per-second limit: at most `cps` call starts in any one-second window (real time)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

# Starts are spaced a hair more than a second apart so observers timing them with another clock, a few
# microseconds later, never see cps + 1 starts inside one second.
MARGIN = 0.002


class CpsPacer:
    """Sliding-window limiter over the last `cps` start times; not thread-safe (the engine serializes it)."""

    def __init__(self, cps: int, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._recent: deque[float] = deque(maxlen=cps)
        self._window: deque[float] = deque()
        self.max_in_any_second = 0

    @property
    def cps(self) -> int:
        """The current limit."""
        return self._recent.maxlen or 0

    @cps.setter
    def cps(self, value: int) -> None:
        self._recent = deque(self._recent, maxlen=value)

    def wait(self) -> float:
        """Seconds until the next start is allowed (0.0: now)."""
        if len(self._recent) < self.cps:
            return 0.0
        return max(0.0, self._recent[0] + 1.0 + MARGIN - self._now())

    def take(self) -> float:
        """Record a start now (call only when `wait()` is 0) and return its time."""
        moment = self._now()
        self._recent.append(moment)
        self._window.append(moment)
        while self._window[0] <= moment - 1.0:
            self._window.popleft()
        self.max_in_any_second = max(self.max_in_any_second, len(self._window))
        return moment

    def reset_stats(self) -> None:
        """Forget the observed maximum (the limit itself keeps its recent starts)."""
        self._window.clear()
        self.max_in_any_second = 0
