"""Why the calling window is closed at a moment, in the zones a taxpayer may be in (the reason a planned call
waits, as `campaign status` reports it)."""

from __future__ import annotations

import datetime as dt

import pytest

from contact_service.domain.calling_window import CallingWindow

NEW_YORK = ["America/New_York"]
WINDOW = CallingWindow()


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("moment", "zones", "reason"),
    [
        (utc(2026, 12, 1, 19, 0), NEW_YORK, None),  # Tuesday 14:00: open
        (utc(2026, 12, 5, 17, 0), NEW_YORK, "weekend"),  # Saturday noon
        (utc(2026, 11, 26, 17, 0), NEW_YORK, "federal_holiday"),  # Thanksgiving
        (utc(2026, 12, 1, 11, 0), NEW_YORK, "outside_calling_hours"),  # 6:00
        (utc(2026, 12, 2, 1, 58), NEW_YORK, "outside_calling_hours"),  # 20:58: a call could not end by 21:00
        # Friday 15:00 in Los Angeles is already Saturday 9:00 in Guam.
        (utc(2026, 12, 4, 23, 0), ["America/Los_Angeles", "Pacific/Guam"], "weekend"),
        # 9:00 in New York, 6:00 in Los Angeles: the strictest zone decides.
        (utc(2026, 12, 1, 14, 0), ["America/New_York", "America/Los_Angeles"], "outside_calling_hours"),
    ],
)
def test_the_reason_the_window_is_closed(moment: dt.datetime, zones: list[str], reason: str | None) -> None:
    assert WINDOW.closed_because(moment, zones) == reason
    assert (reason is None) == WINDOW.allows(moment, zones)


def test_no_zone_gives_no_reason() -> None:
    assert WINDOW.closed_because(utc(2026, 12, 5, 17, 0), []) is None
