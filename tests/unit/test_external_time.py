"""The bounds every time from outside is held to: whatever the value, an answer in bounds or Invalid naming the
field, never another error (a year-1 time with a +14:00 offset cannot even be written in UTC)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contact_service.domain import external_time
from contact_service.domain.errors import Invalid

NOW = dt.datetime(2026, 11, 24, 19, 0, tzinfo=dt.UTC)
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


@given(st.datetimes(timezones=OFFSETS), st.integers(min_value=0, max_value=3600))
def test_a_past_time_is_in_bounds_or_invalid_never_an_error(value: dt.datetime, skew_seconds: int) -> None:
    skew = dt.timedelta(seconds=skew_seconds)
    try:
        checked = external_time.past_time("called_at", value, NOW, skew=skew)
    except Invalid as refused:
        assert refused.field == "called_at"
        assert value < external_time.FLOOR or value > NOW + skew
        return
    assert checked.tzinfo is dt.UTC and checked == value
    assert external_time.FLOOR <= checked <= NOW + skew


@given(st.datetimes(timezones=OFFSETS))
def test_a_future_time_is_in_bounds_or_invalid_never_an_error(value: dt.datetime) -> None:
    horizon = dt.timedelta(days=30)
    try:
        checked = external_time.future_time("callback_at", value, NOW, horizon=horizon)
    except Invalid as refused:
        assert refused.field == "callback_at"
        return
    assert NOW < checked <= NOW + horizon


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (dt.datetime(2026, 11, 24, 19, 0), "time zone offset"),
        (NOW + dt.timedelta(minutes=5, seconds=1), "in the future"),
        (dt.datetime(1999, 12, 31, 23, 59, tzinfo=dt.UTC), "before 2000-01-01"),
        (NOW - dt.timedelta(days=2), "before the case was imported"),
    ],
)
def test_each_refusal_says_why(value: dt.datetime, reason: str) -> None:
    with pytest.raises(Invalid, match=reason):
        external_time.past_time(
            "responded_at",
            value,
            NOW,
            not_before=NOW - dt.timedelta(days=1),
            not_before_reason="the case was imported",
        )


def test_a_date_from_outside_is_bounded_too() -> None:
    today = NOW.date()
    assert external_time.past_date("last_notice_on", today, today) == today
    for bad in (today + dt.timedelta(days=1), dt.date(1999, 12, 31)):
        with pytest.raises(Invalid, match="last_notice_on"):
            external_time.past_date("last_notice_on", bad, today)
