"""The states things move through, as enums used in code and in SQL alike (`sql_in` renders a set for SQL)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class AttemptState(StrEnum):
    """One automated call: planned -> queued -> dialing (provider asked) -> placed (provider accepted) -> ended;
    or cancelled / skipped before it was dialled."""

    PLANNED = "planned"
    QUEUED = "queued"
    DIALING = "dialing"
    PLACED = "placed"
    ENDED = "ended"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


NOT_YET_DIALLED = (AttemptState.PLANNED, AttemptState.QUEUED)
"""Attempts that can still be stopped without a call being placed."""
IN_FLIGHT = (AttemptState.QUEUED, AttemptState.DIALING, AttemptState.PLACED)
"""Attempts a worker or the provider holds right now."""
UNFINISHED = (AttemptState.PLANNED, *IN_FLIGHT)
"""Attempts that keep a campaign running."""


class CampaignStatus(StrEnum):
    """A campaign's lifecycle: draft -> running <-> paused -> completed, or cancelled from any but completed."""

    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


FINISHED_CAMPAIGN = (CampaignStatus.CANCELLED, CampaignStatus.COMPLETED)


class CampaignCaseState(StrEnum):
    """A case within one campaign: skipped at launch, being called (active), or how its automated phase ended."""

    ACTIVE = "active"
    SKIPPED = "skipped"
    REACHED = "reached"
    VOICEMAIL_LEFT = "voicemail_left"
    EXHAUSTED = "exhausted"
    BAD_NUMBER = "bad_number"
    CANCELLED = "cancelled"
    RESPONDED = "responded"


class EntryStatus(StrEnum):
    """A case on a call list: open (waiting) -> claimed (by one representative) -> open again or closed."""

    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"


class PhoneStatus(StrEnum):
    """A number on record."""

    ACTIVE = "active"
    BAD = "bad"


class ImportRunStatus(StrEnum):
    """One run of `cases import`: running until its summary is recorded, then completed (with or without
    rejected rows)."""

    RUNNING = "running"
    COMPLETED = "completed"
    COMPLETED_WITH_REJECTIONS = "completed_with_rejections"


class CallbackMatch(StrEnum):
    """What an inbound callback's caller number matched: one open case, several (each marked for review),
    none, or it was not a usable number."""

    MATCHED = "matched"
    AMBIGUOUS = "ambiguous"
    UNMATCHED = "unmatched"
    INVALID_NUMBER = "invalid_number"


def sql_in(values: Iterable[StrEnum | str]) -> str:
    """The values as a SQL list body (`'a', 'b'`), for statements written as text. Values are enum members
    or other fixed vocabulary of the code, never input."""
    return ", ".join(f"'{value}'" for value in values)
