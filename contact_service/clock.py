"""The clock the whole system reads: real by default, or a simulated clock that starts at a chosen moment and
runs faster than real time (the demo and tests), shared by every process through one spec string.

A simulated clock never loosens a rule: the calling window, caps and retry delays are all read in simulated
time; only waiting gets shorter. Waits that are about the outside world (HTTP timeouts, how long a dead worker
may hold an attempt) stay in real seconds: `simulated(seconds)` converts them.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Protocol

SPEC_PATTERN = re.compile(r"^simulated:(?P<start>[^@]+)@(?P<speed>[0-9.]+)x(?:@(?P<epoch>[0-9.]+))?$")


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime, and how fast it runs."""

    @property
    def speed(self) -> float:
        """Clock seconds per real second (1.0 for real time)."""
        ...

    def now(self) -> dt.datetime:
        """The current moment, aware, in UTC."""
        ...

    def simulated(self, real_seconds: float) -> dt.timedelta:
        """How much clock time passes in `real_seconds` of real time."""
        ...


class SystemClock:
    """Wall-clock time in UTC."""

    speed: float = 1.0

    def now(self) -> dt.datetime:
        """The current moment, timezone-aware, in UTC."""
        return dt.datetime.now(dt.UTC)

    def simulated(self, real_seconds: float) -> dt.timedelta:
        """How much clock time passes in `real_seconds` of real time."""
        return dt.timedelta(seconds=real_seconds)

    def spec(self) -> str:
        """The spec that rebuilds this clock in another process."""
        return "system"


class SimulatedClock:
    """Starts at `start` when real time is `epoch` and runs `speed` times faster than real time."""

    def __init__(self, start: dt.datetime, speed: float, epoch: float | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("a simulated clock needs an aware start time")
        if speed <= 0:
            raise ValueError("a simulated clock's speed must be positive")
        self.start = start.astimezone(dt.UTC)
        self.speed = float(speed)
        self.epoch = time.time() if epoch is None else float(epoch)

    def now(self) -> dt.datetime:
        """The simulated moment."""
        return self.start + dt.timedelta(seconds=(time.time() - self.epoch) * self.speed)

    def simulated(self, real_seconds: float) -> dt.timedelta:
        """How much simulated time passes in `real_seconds` of real time."""
        return dt.timedelta(seconds=real_seconds * self.speed)

    def spec(self) -> str:
        """The spec that rebuilds this very clock (same start, speed and epoch) in another process."""
        return f"simulated:{self.start.isoformat()}@{self.speed:g}x@{self.epoch:.6f}"


class FixedClock:
    """A clock stopped at one moment (tests); `advance` moves it."""

    speed: float = 1.0

    def __init__(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._moment = moment.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        """The stopped moment."""
        return self._moment

    def advance(self, delta: dt.timedelta) -> None:
        """Move the clock forward by `delta`."""
        self._moment += delta

    def simulated(self, real_seconds: float) -> dt.timedelta:
        """Real waits map one to one."""
        return dt.timedelta(seconds=real_seconds)


def clock_from_spec(spec: str) -> SystemClock | SimulatedClock:
    """'system', or 'simulated:<ISO start>@<speed>x[@<real epoch>]' (without an epoch it starts now)."""
    text = spec.strip()
    if text == "system":
        return SystemClock()
    match = SPEC_PATTERN.match(text)
    if not match:
        raise ValueError("must be 'system' or 'simulated:<ISO start>@<speed>x[@<epoch seconds>]'")
    start = dt.datetime.fromisoformat(match["start"])
    return SimulatedClock(start, float(match["speed"]), float(match["epoch"]) if match["epoch"] else None)
