"""Federal holidays on their observed days: closed days for automated calls."""

import datetime as dt

from contact_service.domain.federal_holidays import federal_holidays, is_federal_holiday


def test_the_2026_holidays() -> None:
    assert sorted(federal_holidays(2026)) == [
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 19),
        dt.date(2026, 2, 16),
        dt.date(2026, 5, 25),
        dt.date(2026, 6, 19),
        dt.date(2026, 7, 3),
        dt.date(2026, 9, 7),
        dt.date(2026, 10, 12),
        dt.date(2026, 11, 11),
        dt.date(2026, 11, 26),
        dt.date(2026, 12, 25),
    ]


def test_weekend_holidays_are_observed_on_the_nearest_weekday() -> None:
    assert is_federal_holiday(dt.date(2026, 7, 3))  # 4 July 2026 is a Saturday
    assert not is_federal_holiday(dt.date(2026, 7, 4))
    assert is_federal_holiday(dt.date(2027, 12, 31))  # 1 January 2028 is a Saturday
    assert is_federal_holiday(dt.date(2028, 12, 25)) and is_federal_holiday(dt.date(2027, 12, 24))
    assert is_federal_holiday(dt.date(2023, 1, 2))  # 1 January 2023 was a Sunday


def test_an_ordinary_weekday_is_open() -> None:
    assert not is_federal_holiday(dt.date(2026, 11, 24))
