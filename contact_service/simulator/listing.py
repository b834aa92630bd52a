"""The Calls list endpoint's filters and pages, in Twilio's list format (what the SDK's Page reads)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from contact_service.simulator.call import RESOURCE_STATUSES, Call, resource_status
from contact_service.simulator.errors import bad_parameter

FILTER_NAMES = ("To", "From", "Status", "StartTime", "StartTime>", "StartTime<", "EndTime", "EndTime>", "EndTime<")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class CallQuery:
    """Filters and paging of one list request."""

    filters: tuple[tuple[str, str], ...]
    tests: tuple[Callable[[Call], bool], ...]
    page: int
    page_size: int
    page_token: str | None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> CallQuery:
        """Parse the query string; raise a 400 TwilioApiError for malformed values."""
        filters = tuple((name, args[name]) for name in FILTER_NAMES if args.get(name))
        return cls(
            filters=filters,
            tests=tuple(_test(name, value) for name, value in filters),
            page=_int(args, "Page", 0, 0, 10**9),
            page_size=_int(args, "PageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
            page_token=args.get("PageToken") or None,
        )

    def matches(self, call: Call) -> bool:
        """True if the call passes every filter."""
        return all(test(call) for test in self.tests)


def page_document(calls_newest_first: Sequence[Call], query: CallQuery, path: str) -> dict[str, Any]:
    """One page of the matching calls with the paging links the SDK follows."""
    matching = [call for call in calls_newest_first if query.matches(call)]
    first = query.page * query.page_size
    if query.page_token and query.page_token.startswith("PA"):
        # A token continues after the last call of the previous page, even if calls arrived since.
        after = query.page_token[2:]
        position = next((i for i, call in enumerate(matching) if call.sid == after), None)
        if position is not None:
            first = position + 1
    items = matching[first : first + query.page_size]
    resources = []
    for call in items:
        with call.lock:
            resources.append(call.resource())
    start = query.page * query.page_size
    has_next = first + query.page_size < len(matching)

    def uri(page: int, token: str | None = None) -> str:
        params = [*query.filters, ("PageSize", str(query.page_size)), ("Page", str(page))]
        if token:
            params.append(("PageToken", token))
        return f"{path}?{urlencode(params)}"

    return {
        "calls": resources,
        "end": start + max(len(items) - 1, 0),
        "first_page_uri": uri(0),
        "next_page_uri": uri(query.page + 1, f"PA{items[-1].sid}") if has_next and items else None,
        "page": query.page,
        "page_size": query.page_size,
        "previous_page_uri": uri(query.page - 1) if query.page > 0 else None,
        "start": start,
        "uri": uri(query.page, query.page_token),
    }


def _test(name: str, value: str) -> Callable[[Call], bool]:
    if name in ("To", "From"):
        return lambda call: (call.request.to if name == "To" else call.request.from_) == value
    if name == "Status":
        if value not in RESOURCE_STATUSES:
            raise bad_parameter(name, f"{value!r} is not a call status ({', '.join(sorted(RESOURCE_STATUSES))})")
        # The filter sees the status the resource shows (a call being dialled is queued).
        return lambda call: resource_status(call.status) == value
    field_name, operator = name.rstrip("<>"), name[len(name.rstrip("<>")) :]
    moment, whole_day = _when(name, value)
    if not operator:
        # Twilio documents the equality filter as "on this date"; the SDK sends dates as midnight datetimes.
        moment, whole_day = moment.replace(hour=0, minute=0, second=0), True
    low = moment
    high = moment + dt.timedelta(days=1) if whole_day else moment + dt.timedelta(seconds=1)

    def test(call: Call) -> bool:
        at = call.start_time if field_name == "StartTime" else call.end_time
        if at is None:
            return False
        if operator == ">":
            return at >= low
        if operator == "<":
            return at < high
        return low <= at < high

    return test


def _when(name: str, text: str) -> tuple[dt.datetime, bool]:
    """A filter's moment, and whether it names a whole day (YYYY-MM-DD) rather than a second."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC), True
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_parameter(name, f"{text!r} is not a date (YYYY-MM-DD) or ISO 8601 time") from None
    moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    return moment.replace(microsecond=0), False


def _int(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = args.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise bad_parameter(name, f"{text!r} is not a whole number") from None
    if not low <= value <= high:
        raise bad_parameter(name, f"must be between {low} and {high}")
    return value
