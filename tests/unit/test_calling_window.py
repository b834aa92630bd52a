"""The calling window: 8:00 to 21:00 local, weekdays, no federal holidays, in every zone the taxpayer may be in."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from contact_service.domain.calling_window import CallingWindow
from contact_service.domain.federal_holidays import is_federal_holiday
from contact_service.domain.phone import parse_phone, possible_time_zones

WINDOW = CallingWindow()  # the automated part of a call may last five minutes: last start 20:55
NY = {"America/New_York"}
FL = {"America/New_York", "America/Chicago"}


def at(zone: str, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def test_edges_of_the_day_in_one_zone() -> None:
    assert not WINDOW.allows(at("America/New_York", 2026, 11, 24, 7, 59), NY)
    assert WINDOW.allows(at("America/New_York", 2026, 11, 24, 8, 0), NY)
    assert WINDOW.allows(at("America/New_York", 2026, 11, 24, 20, 55), NY)
    assert not WINDOW.allows(at("America/New_York", 2026, 11, 24, 20, 56), NY)  # would run past 21:00
    assert not WINDOW.allows(at("America/New_York", 2026, 11, 24, 21, 30), NY)


def test_weekends_and_holidays_are_closed() -> None:
    assert not WINDOW.allows(at("America/New_York", 2026, 11, 28, 12, 0), NY)  # Saturday
    assert not WINDOW.allows(at("America/New_York", 2026, 11, 26, 12, 0), NY)  # Thanksgiving
    # Friday 20:58 in New York: the next opening is Monday 8:00 (Saturday and Sunday closed).
    assert WINDOW.next_opening(at("America/New_York", 2026, 11, 27, 20, 58), NY) == at(
        "America/New_York", 2026, 11, 30, 8, 0
    )
    # The Wednesday before Thanksgiving after hours: next is Friday.
    assert WINDOW.next_opening(at("America/New_York", 2026, 11, 25, 22, 0), NY) == at(
        "America/New_York", 2026, 11, 27, 8, 0
    )


def test_a_state_with_two_zones_waits_for_the_later_opening_and_closes_with_the_earlier() -> None:
    # 8:30 in Miami is 7:30 in Pensacola: not yet.
    assert not WINDOW.allows(at("America/New_York", 2026, 11, 24, 8, 30), FL)
    assert WINDOW.next_opening(at("America/New_York", 2026, 11, 24, 8, 30), FL) == at(
        "America/Chicago", 2026, 11, 24, 8, 0
    )
    # 20:55 in Pensacola is 21:55 in Miami: closed.
    assert not WINDOW.allows(at("America/Chicago", 2026, 11, 24, 20, 50), FL)
    assert WINDOW.allows(at("America/New_York", 2026, 11, 24, 20, 55), FL)


def test_a_number_from_another_zone_than_the_state_narrows_the_window() -> None:
    # A New York mobile number, a taxpayer on record in California: 8:00 Pacific to 20:55 Eastern.
    zones = possible_time_zones(parse_phone("(212) 555-0101").zones, "CA")
    assert zones == {"America/New_York", "America/Los_Angeles"}
    assert not WINDOW.allows(at("America/New_York", 2026, 11, 24, 10, 0), zones)
    assert WINDOW.next_opening(at("America/New_York", 2026, 11, 24, 10, 0), zones) == at(
        "America/Los_Angeles", 2026, 11, 24, 8, 0
    )
    assert not WINDOW.allows(at("America/Los_Angeles", 2026, 11, 24, 18, 0), zones)  # 21:00 in New York


def test_no_zone_means_no_window() -> None:
    assert not WINDOW.allows(at("America/New_York", 2026, 11, 24, 12, 0), set())
    assert WINDOW.next_opening(at("America/New_York", 2026, 11, 24, 12, 0), set()) is None


US_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Adak",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "Pacific/Guam",
    "Pacific/Pago_Pago",
    "America/Boise",
    "America/Indiana/Indianapolis",
    "America/Detroit",
    "America/Menominee",
    "Pacific/Saipan",
    "America/St_Thomas",
    "Pacific/Kiritimati",
    "Asia/Kolkata",
]
MOMENTS = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(dt.UTC)
)
ZONE_SETS = st.sets(st.sampled_from(US_ZONES), min_size=1, max_size=4)


def open_in(zone: str, moment: dt.datetime) -> bool:
    """An independent statement of the rule for one zone."""
    local = moment.astimezone(ZoneInfo(zone))
    return (
        local.weekday() < 5
        and not is_federal_holiday(local.date())
        and dt.time(8, 0) <= local.time() <= dt.time(20, 55)
    )


@settings(max_examples=400)
@given(MOMENTS, ZONE_SETS)
def test_the_next_opening_is_inside_every_zones_window_and_is_the_earliest(moment, zones) -> None:  # type: ignore[no-untyped-def]
    opening = WINDOW.next_opening(moment, zones)
    if opening is None:
        return
    assert opening >= moment
    assert all(open_in(zone, opening) for zone in zones)
    if opening > moment:
        # Openings happen at 8:00 in some zone: one second earlier, some zone was still closed.
        assert not all(open_in(zone, opening - dt.timedelta(seconds=1)) for zone in zones)
