"""The contact policy: eligibility, per-case caps across campaigns, the window, and the retry plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contact_service.domain.call_outcome import Outcome
from contact_service.domain.cases import NoticeStage
from contact_service.domain.contact_policy import (
    CaseFacts,
    ContactPolicy,
    RetryPolicy,
    SkipReason,
    cap_ready,
    decide,
    retry_delay,
    within_caps,
)

POLICY = ContactPolicy()
NOW = dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.UTC)  # Tuesday, noon in New York
CALLABLE = CaseFacts(
    has_active_hold=False,
    poa_on_file=False,
    notice_stage=NoticeStage.CP504,
    last_notice_on=dt.date(2026, 9, 15),
    balance_cents=451233,
    phone_callable=True,
    zones=frozenset({"America/New_York"}),
)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"responded": True}, SkipReason.RESPONDED),
        ({"has_active_hold": True}, SkipReason.HOLD),
        ({"poa_on_file": True}, SkipReason.REPRESENTATIVE_ON_FILE),
        ({"balance_cents": 0}, SkipReason.NO_BALANCE),
        ({"notice_stage": NoticeStage.CP503}, SkipReason.NOTICE_STAGE),
        ({"last_notice_on": dt.date(2026, 11, 10)}, SkipReason.NOTICE_TOO_RECENT),
        ({"phone_callable": False}, SkipReason.NO_CALLABLE_NUMBER),
        ({"zones": None}, SkipReason.TIMEZONE_UNKNOWN),
    ],
)
def test_each_reason_a_case_is_not_called(change: dict, reason: SkipReason) -> None:  # type: ignore[type-arg]
    assert decide(replace(CALLABLE, **change), [], NOW, POLICY).reason is reason


def test_a_hold_outranks_everything_else_but_a_response() -> None:
    case = replace(CALLABLE, has_active_hold=True, poa_on_file=True, phone_callable=False)
    assert decide(case, [], NOW, POLICY).reason is SkipReason.HOLD


def test_the_notice_must_be_21_days_old() -> None:
    assert decide(replace(CALLABLE, last_notice_on=dt.date(2026, 11, 3)), [], NOW, POLICY).action == "dial"
    assert (
        decide(replace(CALLABLE, last_notice_on=dt.date(2026, 11, 4)), [], NOW, POLICY).reason
        is SkipReason.NOTICE_TOO_RECENT
    )


def test_a_callable_case_is_dialled_inside_the_window_and_deferred_outside() -> None:
    assert decide(CALLABLE, [], NOW, POLICY).action == "dial"
    evening = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)  # 22:00 in New York
    decision = decide(CALLABLE, [], evening, POLICY)
    assert decision.action == "defer" and decision.until == dt.datetime(2026, 11, 25, 13, 0, tzinfo=dt.UTC)


def test_one_attempt_a_day_across_campaigns() -> None:
    earlier_today = NOW - dt.timedelta(hours=3)
    decision = decide(CALLABLE, [earlier_today], NOW, POLICY)
    assert decision.action == "defer" and decision.until == earlier_today + dt.timedelta(days=1)


def test_three_attempts_in_any_seven_days() -> None:
    history = [NOW - dt.timedelta(days=days) for days in (1.2, 3, 5)]
    decision = decide(CALLABLE, history, NOW, POLICY)
    # The oldest of the three leaves the 7-day window two days from now, in the morning window.
    assert decision.action == "defer"
    assert decision.until >= NOW - dt.timedelta(days=5) + dt.timedelta(days=7)
    assert within_caps(history, decision.until, POLICY)


def test_cap_ready_is_none_without_history() -> None:
    assert cap_ready([], POLICY) is None


@pytest.mark.parametrize(
    ("outcome", "attempt", "bad", "expected"),
    [
        (Outcome.REACHED, 1, False, None),
        (Outcome.VOICEMAIL_LEFT, 1, False, None),
        (Outcome.BUSY, 1, False, dt.timedelta(hours=1)),
        (Outcome.NO_ANSWER, 2, False, dt.timedelta(hours=4)),
        (Outcome.FAILED, 1, False, dt.timedelta(days=1)),
        (Outcome.FAILED, 1, True, None),
        (Outcome.NO_ANSWER, 3, False, None),
    ],
)
def test_the_retry_plan(outcome: Outcome, attempt: int, bad: bool, expected: dt.timedelta | None) -> None:
    assert retry_delay(outcome, attempt, bad, RetryPolicy()) == expected


ZONES = st.sets(
    st.sampled_from(
        [
            "America/New_York",
            "America/Chicago",
            "America/Denver",
            "America/Los_Angeles",
            "America/Anchorage",
            "Pacific/Honolulu",
            "Pacific/Guam",
            "America/Puerto_Rico",
        ]
    ),
    min_size=1,
    max_size=3,
).map(frozenset)
MOMENTS = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31), timezones=st.just(dt.UTC)
)
HISTORIES = st.lists(st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=10)), max_size=6)


@settings(max_examples=400)
@given(ZONES, MOMENTS, HISTORIES)
def test_no_planned_or_placed_call_is_ever_outside_a_window_or_over_a_cap(zones, now, ages) -> None:  # type: ignore[no-untyped-def]
    history = [now - age for age in ages]
    decision = decide(replace(CALLABLE, zones=zones, last_notice_on=dt.date(2025, 1, 1)), history, now, POLICY)
    if decision.action == "skip":
        assert decision.reason is SkipReason.NO_COMMON_WINDOW
        return
    moment = now if decision.action == "dial" else decision.until
    assert POLICY.window.allows(moment, zones)
    assert within_caps(history, moment, POLICY)


@given(HISTORIES, MOMENTS)
def test_cap_ready_is_the_first_moment_within_the_caps(ages, now) -> None:  # type: ignore[no-untyped-def]
    history = [now - age for age in ages]
    ready = cap_ready(history, POLICY)
    if ready is None:
        assert within_caps(history, now, POLICY)
        return
    assert within_caps(history, max(ready, now), POLICY)
    if ready > now:
        assert not within_caps(history, ready - dt.timedelta(seconds=1), POLICY)
