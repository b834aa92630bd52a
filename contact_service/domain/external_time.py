"""Times that arrive from outside (webhooks, the API, case files) are held to sane bounds before anything
acts on them.

A time in the past (when someone called, responded, was mailed a notice) may be a little ahead of our clock
(the sender's clock drifts: `skew`, a few minutes), never further; and never before a fixed floor, nor before
the thing it is about existed (a response before its case was imported). A time in the future (a scheduled
callback) must be ahead of the clock and within a horizon. Out of range is `Invalid` naming the field, so the
one error mapping answers 400 with that field everywhere.

The bounds are compared before any conversion: an aware time in year 1 with a +14:00 offset compares fine but
cannot be converted to UTC (OverflowError), and must be refused, not crash.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from contact_service.domain.errors import Invalid

FLOOR: Final = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""No time from outside is older than this: the service's records start long after it."""
FLOOR_DATE: Final = FLOOR.date()
DEFAULT_SKEW: Final = dt.timedelta(minutes=5)
"""How far ahead of our clock a sender's clock may run (configurable: `external_time_skew_seconds`)."""


def _shown(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def past_time(
    field: str,
    value: dt.datetime,
    now: dt.datetime,
    *,
    skew: dt.timedelta = DEFAULT_SKEW,
    not_before: dt.datetime | None = None,
    not_before_reason: str = "",
) -> dt.datetime:
    """`value` in UTC if it is an aware time no later than `now + skew` and no earlier than the floor (and
    `not_before`, when given: `not_before_reason` says what that is); Invalid(field) otherwise."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(field, "give a time zone offset (like 2026-11-24T13:30:00-05:00)")
    if value < FLOOR:
        raise Invalid(field, f"is before {_shown(FLOOR)}; no record here is that old")
    latest = now + skew
    if value > latest:
        raise Invalid(field, f"is in the future (more than {_minutes(skew)} ahead of {_shown(now)})")
    if not_before is not None and value < not_before:
        raise Invalid(field, f"is before {not_before_reason or _shown(not_before)}")
    return value.astimezone(dt.UTC)


def future_time(field: str, value: dt.datetime, now: dt.datetime, *, horizon: dt.timedelta) -> dt.datetime:
    """`value` in UTC if it is an aware time after `now` and at most `horizon` ahead; Invalid(field) otherwise."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(field, "give a time zone offset (like 2026-11-25T15:00:00-05:00)")
    if value <= now:
        raise Invalid(field, "must be in the future")
    if value > now + horizon:
        raise Invalid(field, f"at most {horizon.days} days ahead")
    return value.astimezone(dt.UTC)


def past_date(field: str, value: dt.date, today: dt.date, *, not_before: dt.date = FLOOR_DATE) -> dt.date:
    """`value` if it is no later than `today` and no earlier than `not_before` (default: the floor); Invalid
    otherwise. For dates that say when something already happened (a notice mailed, a tax assessed)."""
    if value < not_before:
        raise Invalid(field, f"is before {not_before.isoformat()}")
    if value > today:
        raise Invalid(field, f"is in the future (after {today.isoformat()})")
    return value


def within_bounds(value: dt.datetime, now: dt.datetime, *, skew: dt.timedelta = DEFAULT_SKEW) -> bool:
    """Whether an informational time (one nothing is decided on, like a provider's event timestamp) is aware
    and inside the floor and `now + skew`; such a time out of range is dropped rather than refused."""
    try:
        past_time("time", value, now, skew=skew)
    except Invalid:
        return False
    return True


def _minutes(span: dt.timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute" + ("" if minutes == 1 else "s")
    return f"{seconds} seconds"
