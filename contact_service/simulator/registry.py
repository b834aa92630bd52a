"""The account's calls: lookup by SID, creation order, retention of finished calls, and running counts
(kept apart from the calls themselves so statistics survive eviction)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, deque
from typing import Any

from contact_service.simulator.call import Call


class CallBook:
    """Thread-safe; its lock is taken after a call's lock, never before."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, Call] = {}
        self._finished: deque[str] = deque()
        self._clear_counts()

    def _clear_counts(self) -> None:
        self.created = self.active = self.rejected = 0
        self._by_status: Counter[str] = Counter()
        self._by_persona: Counter[str] = Counter()
        self._first_start: dt.datetime | None = None
        self._last_start: dt.datetime | None = None

    def reset(self) -> list[Call]:
        """Forget every call and count; return the calls that were known."""
        with self._lock:
            calls = list(self._calls.values())
            self._calls.clear()
            self._finished.clear()
            self._clear_counts()
        return calls

    def next_index(self) -> int:
        """Reserve the creation number (1, 2, ...) of a new call."""
        with self._lock:
            self.created += 1
            return self.created

    def count_rejected(self) -> None:
        """A create refused because of the number's persona (invalid, unreachable)."""
        with self._lock:
            self.rejected += 1

    def add(self, call: Call) -> None:
        """Register a new (queued) call."""
        with self._lock:
            self._calls[call.sid] = call
            self._by_status[call.status] += 1
            self._by_persona[call.persona.name] += 1
            self.active += 1

    def get(self, sid: str) -> Call | None:
        """The call with this SID, if retained."""
        return self._calls.get(sid)

    def snapshot(self) -> list[Call]:
        """The retained calls, oldest first."""
        with self._lock:
            return list(self._calls.values())

    def started(self, moment: dt.datetime) -> None:
        """A call left the queue at `moment`."""
        with self._lock:
            self._first_start = self._first_start or moment
            self._last_start = moment

    def moved(self, call: Call, old: str, new: str) -> None:
        """A call changed status (`call.ended` already set if `new` is final)."""
        with self._lock:
            self._by_status[old] -= 1
            self._by_status[new] += 1
            if call.ended and self._calls.get(call.sid) is call:
                self.active -= 1

    def finished(self, call: Call, retain: int | None) -> None:
        """A call ended; evict the oldest finished calls beyond `retain` (None keeps all)."""
        with self._lock:
            self._finished.append(call.sid)
            while retain is not None and len(self._finished) > retain:
                self._calls.pop(self._finished.popleft(), None)

    def counts(self) -> dict[str, Any]:
        """Counters for the stats endpoint."""
        with self._lock:
            return {
                "calls": self.created,
                "active": self.active,
                "rejected_creates": self.rejected,
                "by_status": {status: n for status, n in self._by_status.items() if n},
                "by_persona": dict(self._by_persona),
                "started_first_at": self._first_start.isoformat() if self._first_start else None,
                "started_last_at": self._last_start.isoformat() if self._last_start else None,
            }
