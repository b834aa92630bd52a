"""What happened on a call, decided from the whole set of provider events, never from their arrival order.

Twilio retries and reorders callbacks; classifying from the set (not the sequence) makes a duplicate a
no-op and a late "ringing" after "completed" harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    REACHED = "reached"  # a person answered (or pressed a key)
    VOICEMAIL_LEFT = "voicemail_left"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    CANCELED = "canceled"


# Twilio CallStatus values in the order a call moves through them; every final status ranks last.
STATUS_RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3}
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
MACHINE_ANSWERS = frozenset({"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other"})
# SIP responses and Twilio error codes that mean the number itself is wrong, not that the line was busy.
BAD_NUMBER_SIP_CODES = frozenset({404, 410, 484, 604})
BAD_NUMBER_ERROR_CODES = frozenset({13223, 13224, 21211, 21214, 21217, 21401, 21407})


def status_rank(status: str | None) -> int:
    """How far along a call a CallStatus is; final statuses outrank all others, unknown ones rank lowest."""
    if status in FINAL_STATUSES:
        return 10
    return STATUS_RANK.get(status or "", -1)


def furthest_status(current: str | None, new: str | None) -> str | None:
    """The status to keep when `new` arrives: never move backwards, and the first final status stays."""
    if new is None:
        return current
    if current in FINAL_STATUSES:
        return current
    return new if status_rank(new) > status_rank(current) else current


@dataclass(frozen=True)
class CallFacts:
    """One provider event, reduced to what classification needs."""

    kind: str  # status | amd | gather | voice
    call_status: str | None = None
    answered_by: str | None = None
    digits: str | None = None
    detail: str | None = None  # for voice events: which message we served ("human", "voicemail", ...)
    error_code: int | None = None
    sip_code: int | None = None


@dataclass(frozen=True)
class Classification:
    """The outcome of an ended call, and whether the number should be marked bad."""

    outcome: Outcome
    bad_number: bool = False
    error_code: int | None = None
    sip_code: int | None = None


def final_status(events: Iterable[CallFacts]) -> str | None:
    """The call's final CallStatus, if a final status callback has arrived."""
    status = None
    for event in events:
        if event.kind == "status":
            status = furthest_status(status, event.call_status)
    return status if status in FINAL_STATUSES else None


def answered_by(events: Iterable[CallFacts]) -> str | None:
    """What answered, per answering-machine detection (AMD callback or status callback)."""
    found = [event.answered_by for event in events if event.answered_by]
    # A definite verdict beats "unknown" whichever arrived first.
    definite = [value for value in found if value != "unknown"]
    return (definite or found)[0] if found else None


def is_machine_verdict(answered_by: str | None) -> bool:
    """A machine whose greeting has ended (with DetectMessageEnd); `machine_start` comes too early."""
    return answered_by in MACHINE_ANSWERS and answered_by != "machine_start"


def classify(events: Iterable[CallFacts]) -> Classification | None:
    """The outcome of a call from all its events; None while no final status has arrived."""
    events = list(events)
    status = final_status(events)
    if status is None:
        return None
    error_code = next((e.error_code for e in events if e.error_code), None)
    sip_code = next((e.sip_code for e in events if e.sip_code), None)
    if status == "canceled":
        return Classification(Outcome.CANCELED, error_code=error_code, sip_code=sip_code)
    if status == "busy":
        return Classification(Outcome.BUSY, sip_code=sip_code)
    if status == "no-answer":
        return Classification(Outcome.NO_ANSWER, sip_code=sip_code)
    if status == "failed":
        bad = sip_code in BAD_NUMBER_SIP_CODES or error_code in BAD_NUMBER_ERROR_CODES
        return Classification(Outcome.FAILED, bad_number=bad, error_code=error_code, sip_code=sip_code)
    # completed: somebody or something answered.
    if any(event.kind == "gather" and event.digits for event in events):
        return Classification(Outcome.REACHED, sip_code=sip_code)
    answer = answered_by(events)
    if answer == "fax":
        return Classification(Outcome.FAILED, bad_number=True, sip_code=sip_code)
    if answer in MACHINE_ANSWERS:
        left = any(event.kind == "voice" and event.detail == "voicemail" for event in events)
        return Classification(Outcome.VOICEMAIL_LEFT if left else Outcome.NO_ANSWER, sip_code=sip_code)
    # "human", "unknown" or no detection at all: a call that was answered and completed reached someone.
    return Classification(Outcome.REACHED, sip_code=sip_code)
