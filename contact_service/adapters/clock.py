"""The clock the whole system reads. Real by default; a simulated clock arrives with the dialer."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> dt.datetime:
        """The current moment, timezone-aware, in UTC."""
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock stopped at one moment (tests); `advance` moves it."""

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
