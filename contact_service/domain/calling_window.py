"""When a taxpayer may be called (IRC 6304(a)(1), IRM 5.1.10.2.1): after 8:00 and before 21:00 local time,
Monday to Friday, not on federal holidays, in EVERY time zone the taxpayer may be in.

A call must also be over by 21:00: the automated part of a call (ring time plus the message) is allowed for,
so the last moment to start one is 21:00 minus that allowance, local time, in every zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from contact_service.domain.federal_holidays import is_federal_holiday

OPENS = dt.time(8, 0)
CLOSES = dt.time(21, 0)
HORIZON_DAYS = 21  # a common window always exists within three weeks, unless the zones never share one


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class CallingWindow:
    """The calling hours, and how long the automated part of a call may last (it must end by closing)."""

    call_allowance: dt.timedelta = dt.timedelta(minutes=5)
    opens: dt.time = OPENS
    closes: dt.time = CLOSES

    def allows(self, moment: dt.datetime, zones: Iterable[str]) -> bool:
        """True when a call may start at `moment` (aware) in every one of `zones`."""
        zones = list(zones)
        return bool(zones) and all(self._allows_in(moment, zone) for zone in zones)

    def closed_because(self, moment: dt.datetime, zones: Iterable[str]) -> str | None:
        """Why a call may not start at `moment` in every one of `zones`: "weekend", "federal_holiday" or
        "outside_calling_hours" (the first that applies in any zone, in that order), or None when it may."""
        zones = list(zones)
        if not zones or self.allows(moment, zones):
            return None
        local_days = [moment.astimezone(_zone(zone)).date() for zone in zones]
        if any(day.weekday() >= 5 for day in local_days):
            return "weekend"
        if any(is_federal_holiday(day) for day in local_days):
            return "federal_holiday"
        return "outside_calling_hours"

    def next_opening(self, moment: dt.datetime, zones: Iterable[str]) -> dt.datetime | None:
        """The earliest moment at or after `moment` when a call may start in every zone; None if there is
        no such moment within three weeks (zones too far apart ever to share calling hours)."""
        zones = sorted(set(zones))
        if not zones:
            return None
        candidate = moment.astimezone(dt.UTC)
        limit = candidate + dt.timedelta(days=HORIZON_DAYS)
        while candidate <= limit:
            blocked = [zone for zone in zones if not self._allows_in(candidate, zone)]
            if not blocked:
                return candidate
            # Jump to the latest of the blocked zones' next openings; the others are re-checked there.
            candidate = max(self._next_opening_in(candidate, zone) for zone in blocked)
        return None

    def _latest_start(self) -> dt.time:
        closing = dt.datetime.combine(dt.date(2000, 1, 3), self.closes) - self.call_allowance
        return closing.time()

    def _allows_in(self, moment: dt.datetime, zone: str) -> bool:
        local = moment.astimezone(_zone(zone))
        if local.weekday() >= 5 or is_federal_holiday(local.date()):
            return False
        return self.opens <= local.time() <= self._latest_start()

    def _next_opening_in(self, moment: dt.datetime, zone: str) -> dt.datetime:
        """The first opening (8:00 on a weekday that is not a holiday) in `zone` strictly after `moment`.

        A zone that is closed at `moment` stays closed until then, so jumping there skips no callable time.
        """
        tz = _zone(zone)
        day = moment.astimezone(tz).date()
        while True:
            if day.weekday() < 5 and not is_federal_holiday(day):
                opening = dt.datetime.combine(day, self.opens, tzinfo=tz)
                if opening > moment:
                    return opening.astimezone(dt.UTC)
            day += dt.timedelta(days=1)
