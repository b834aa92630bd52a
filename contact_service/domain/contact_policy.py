"""The contact policy, in one place: who may be called by automation, when, and how often.

Checked when a campaign plans its attempts and again by the dial job right before each call: holds and a
representative on file (IRC 6304(a)(2)) stop a call; the notice ladder must be far enough along; the call
must fall in the calling window of every zone the taxpayer may be in; and per-case caps across all
campaigns (IRC 6304(b): not repeatedly) bound how often.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from contact_service.domain.call_outcome import Outcome
from contact_service.domain.calling_window import CallingWindow
from contact_service.domain.cases import NoticeStage

DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)


class SkipReason(StrEnum):
    """Why a case is not called by automation (reported by preview and launch)."""

    RESPONDED = "responded"
    HOLD = "hold"
    REPRESENTATIVE_ON_FILE = "representative_on_file"
    NO_BALANCE = "no_balance"
    NOTICE_STAGE = "notice_stage"
    NOTICE_TOO_RECENT = "notice_too_recent"
    NO_CALLABLE_NUMBER = "no_callable_number"
    TIMEZONE_UNKNOWN = "timezone_unknown"
    NO_COMMON_WINDOW = "no_common_window"


@dataclass(frozen=True)
class ContactPolicy:
    """The rules' parameters; the defaults are the design's (CP504 or later, 21 days, 1 a day, 3 a week)."""

    min_notice_stage: NoticeStage = NoticeStage.CP504
    min_days_since_notice: int = 21
    daily_cap: int = 1
    weekly_cap: int = 3
    window: CallingWindow = field(default_factory=CallingWindow)


@dataclass(frozen=True)
class CaseFacts:
    """What the policy needs to know about a case, as it is now."""

    has_active_hold: bool
    poa_on_file: bool
    notice_stage: NoticeStage
    last_notice_on: dt.date
    balance_cents: int
    phone_callable: bool  # a primary number exists and has not been found bad
    zones: frozenset[str] | None  # every zone the taxpayer may be in; None when unknown
    responded: bool = False


class Action(StrEnum):
    """What the policy says to do with a call right now."""

    DIAL = "dial"
    DEFER = "defer"
    SKIP = "skip"


@dataclass(frozen=True)
class Decision:
    """Dial now, wait until `until`, or never (skip, with the reason)."""

    action: Action
    until: dt.datetime | None = None
    reason: SkipReason | None = None

    @classmethod
    def dial(cls) -> Decision:
        """Call now."""
        return cls(Action.DIAL)

    @classmethod
    def defer(cls, until: dt.datetime) -> Decision:
        """Call, but not before `until`."""
        return cls(Action.DEFER, until=until)

    @classmethod
    def skip(cls, reason: SkipReason) -> Decision:
        """Do not call (automation must leave the case alone)."""
        return cls(Action.SKIP, reason=reason)


def ineligibility(case: CaseFacts, today: dt.date, policy: ContactPolicy) -> SkipReason | None:
    """Why the case may not be called by automation at all, or None if it may (timing aside)."""
    if case.responded:
        return SkipReason.RESPONDED
    if case.has_active_hold:
        return SkipReason.HOLD
    if case.poa_on_file:
        return SkipReason.REPRESENTATIVE_ON_FILE
    if case.balance_cents <= 0:
        return SkipReason.NO_BALANCE
    if not case.notice_stage.at_least(policy.min_notice_stage):
        return SkipReason.NOTICE_STAGE
    if (today - case.last_notice_on).days < policy.min_days_since_notice:
        return SkipReason.NOTICE_TOO_RECENT
    if not case.phone_callable:
        return SkipReason.NO_CALLABLE_NUMBER
    if not case.zones:
        return SkipReason.TIMEZONE_UNKNOWN
    return None


def cap_ready(dialed_at: Sequence[dt.datetime], policy: ContactPolicy) -> dt.datetime | None:
    """The earliest moment the per-case caps allow another automated attempt (None: no attempt limits it).

    `dialed_at` holds every automated attempt on the case, in any campaign. Caps are rolling windows: at
    most `daily_cap` in any 24 hours and `weekly_cap` in any 7 days.
    """
    recent = sorted(dialed_at, reverse=True)
    limits = []
    if len(recent) >= policy.daily_cap:
        limits.append(recent[policy.daily_cap - 1] + DAY)
    if len(recent) >= policy.weekly_cap:
        limits.append(recent[policy.weekly_cap - 1] + WEEK)
    return max(limits) if limits else None


def within_caps(dialed_at: Sequence[dt.datetime], moment: dt.datetime, policy: ContactPolicy) -> bool:
    """True when one more attempt at `moment` keeps every rolling window within its cap."""
    in_day = sum(1 for when in dialed_at if moment - DAY < when <= moment)
    in_week = sum(1 for when in dialed_at if moment - WEEK < when <= moment)
    return in_day < policy.daily_cap and in_week < policy.weekly_cap


def decide(case: CaseFacts, dialed_at: Sequence[dt.datetime], now: dt.datetime, policy: ContactPolicy) -> Decision:
    """Whether to call the case now, when, or never."""
    reason = ineligibility(case, now.date(), policy)
    if reason is not None:
        return Decision.skip(reason)
    earliest = max(now, cap_ready(dialed_at, policy) or now)
    opening = policy.window.next_opening(earliest, case.zones or ())
    if opening is None:
        return Decision.skip(SkipReason.NO_COMMON_WINDOW)
    return Decision.dial() if opening <= now else Decision.defer(opening)


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a campaign makes per case, and how long to wait after each outcome (None: stop)."""

    max_attempts: int = 3
    delays: Mapping[Outcome, dt.timedelta | None] = field(
        default_factory=lambda: {
            Outcome.BUSY: dt.timedelta(hours=1),
            Outcome.NO_ANSWER: dt.timedelta(hours=4),
            Outcome.FAILED: dt.timedelta(days=1),
            Outcome.CANCELED: dt.timedelta(hours=1),
            # A message was left: wait for the taxpayer to call back (escalation watches the grace period).
            Outcome.VOICEMAIL_LEFT: None,
            Outcome.REACHED: None,
        }
    )


def retry_delay(outcome: Outcome, attempt_number: int, bad_number: bool, policy: RetryPolicy) -> dt.timedelta | None:
    """How long to wait before the next attempt after this outcome, or None when the case is done."""
    if outcome is Outcome.REACHED or bad_number or attempt_number >= policy.max_attempts:
        return None
    return policy.delays.get(outcome)
