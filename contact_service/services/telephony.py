"""The Telephony port: what the services need from a voice provider. Adapters implement it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CallRequest:
    """Everything needed to place one automated call."""

    to: str
    from_: str
    voice_url: str
    status_callback_url: str
    amd_callback_url: str
    ring_timeout_seconds: int
    time_limit_seconds: int


@dataclass(frozen=True)
class ProviderCall:
    """A call as the provider knows it."""

    sid: str
    to: str
    status: str
    start_time: dt.datetime | None = None
    date_created: dt.datetime | None = None
    answered_by: str | None = None  # what answering-machine detection found (human, machine_end_beep, ...)


class CallRejected(Exception):
    """The provider refused to place the call; it was certainly not placed."""

    def __init__(self, code: int | None, message: str, bad_number: bool = False, retryable: bool = False) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.message = message
        self.bad_number = bad_number
        self.retryable = retryable


class ProviderUnavailable(Exception):
    """The provider could not be asked. `maybe_placed` is True when the request may have reached it
    (a timeout after sending), so the call must be looked up before anything is dialled again."""

    def __init__(self, message: str, maybe_placed: bool) -> None:
        super().__init__(message)
        self.maybe_placed = maybe_placed


class Telephony(Protocol):
    """Places and inspects calls."""

    def place_call(self, request: CallRequest) -> ProviderCall:
        """Ask the provider to call; raises CallRejected or ProviderUnavailable."""
        ...

    def fetch_call(self, sid: str) -> ProviderCall | None:
        """The call with this SID, or None if the provider does not know it."""
        ...

    def find_calls(self, to: str, created_after: dt.datetime) -> list[ProviderCall]:
        """Calls placed to a number since a moment (to reconcile a call whose SID we never recorded)."""
        ...

    def redirect_call(self, sid: str, url: str) -> None:
        """Make a live call fetch new instructions from `url` (e.g. the voicemail once a machine answered)."""
        ...
