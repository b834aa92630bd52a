"""US federal holidays (5 U.S.C. 6103), on the days they are observed: a Saturday holiday is observed the
Friday before, a Sunday holiday the Monday after. The IRM treats them as closed days for calls."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

MONDAY, THURSDAY = 0, 3


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> dt.date:
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = next_month - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> dict[dt.date, str]:
    """Observed federal holidays falling in `year`, by date."""
    holidays = {
        _observed(dt.date(year, 1, 1)): "New Year's Day",
        _nth_weekday(year, 1, MONDAY, 3): "Birthday of Martin Luther King, Jr.",
        _nth_weekday(year, 2, MONDAY, 3): "Washington's Birthday",
        _last_weekday(year, 5, MONDAY): "Memorial Day",
        _observed(dt.date(year, 6, 19)): "Juneteenth National Independence Day",
        _observed(dt.date(year, 7, 4)): "Independence Day",
        _nth_weekday(year, 9, MONDAY, 1): "Labor Day",
        _nth_weekday(year, 10, MONDAY, 2): "Columbus Day",
        _observed(dt.date(year, 11, 11)): "Veterans Day",
        _nth_weekday(year, 11, THURSDAY, 4): "Thanksgiving Day",
        _observed(dt.date(year, 12, 25)): "Christmas Day",
    }
    # New Year's Day of the next year can be observed on 31 December of this one.
    next_new_year = _observed(dt.date(year + 1, 1, 1))
    if next_new_year.year == year:
        holidays[next_new_year] = "New Year's Day (observed)"
    return {day: name for day, name in holidays.items() if day.year == year}


def is_federal_holiday(day: dt.date) -> bool:
    """True when `day` is an observed federal holiday."""
    return day in federal_holidays(day.year)
