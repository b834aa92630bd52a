"""Call-list endpoints: lists, their entries, take next, disposition, release, assignments."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from flask import g
from pydantic import AwareDatetime, Field

from contact_service.adapters.db.escalation_models import CallList, CallListEntry
from contact_service.domain.access import Permission
from contact_service.domain.call_work import Disposition
from contact_service.services import call_lists, call_work, case_history
from contact_service.services.call_lists import CallListError, NotPermitted
from contact_service.services.call_work import CallbackOutsideWindow, EntryConflict
from contact_service.web.api import operation
from contact_service.web.api.cases import CaseView, EntryView
from contact_service.web.api.fields import Note, Page, PageQuery
from contact_service.web.api.operations import ApiError, Schema, field_of
from contact_service.web.app import container

TAG = "call lists"
DispositionName = Literal[tuple(d.value for d in Disposition)]  # type: ignore[valid-type]


class CallListView(Schema):
    """A call list and its counts."""

    id: int
    segment: str
    title: str
    open: int
    claimed: int
    callbacks_due: int
    assigned: list[str]


class CallListsView(Schema):
    """The lists the token may see (a representative: only those assigned to them)."""

    items: list[CallListView]


class EntriesQuery(PageQuery):
    """Which entries: open and claimed by default."""

    status: Literal["open", "claimed", "closed"] | None = None


class EntryPage(Schema):
    """A page of a list's entries, in the order representatives get them."""

    items: list[EntryView]
    page: Page


class Taken(Schema):
    """The case handed to the representative, or why there is none."""

    entry: EntryView | None
    case: CaseView | None
    reason: str | None


class DispositionCreate(Schema):
    """How the call ended; `callback_at` (with a UTC offset) only with callback_scheduled."""

    disposition: DispositionName
    callback_at: AwareDatetime | None = None
    note: Note | None = None


class Assignment(Schema):
    """A representative (a token's subject) to add to or remove from a list."""

    representative: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


def _refused(exc: Exception) -> ApiError:
    message = str(exc).strip("'\"")
    if isinstance(exc, NotPermitted):
        return ApiError(403, message)
    if isinstance(exc, LookupError):
        return ApiError(404, message)
    if isinstance(exc, CallbackOutsideWindow):
        allowed = exc.next_allowed.isoformat() if exc.next_allowed else None
        return ApiError(422, message, field_of(message), next_allowed_at=allowed)
    if isinstance(exc, EntryConflict):
        return ApiError(409, message)
    return ApiError(400, message, field_of(message))


def _list(session: Any, list_id: int) -> CallList:
    try:
        return call_lists.find_list(session, list_id, g.actor)
    except (LookupError, NotPermitted) as exc:
        raise _refused(exc) from None


def _entry_view(session: Any, entry: CallListEntry) -> EntryView:
    segment = session.get(CallList, entry.call_list_id).segment
    return EntryView.model_validate(case_history.entry_view(entry, segment))


def _summary_view(summary: call_lists.CallListSummary) -> CallListView:
    return CallListView(id=summary.id, segment=summary.segment, title=summary.title, open=summary.open,
                        claimed=summary.claimed, callbacks_due=summary.callbacks_due, assigned=list(summary.assigned))


@operation("GET", "/call-lists", summary="The call lists with their counts", tag=TAG, permission=Permission.READ,
           response=CallListsView)
def list_call_lists() -> CallListsView:
    c = container()
    with c.sessions() as session:
        found = call_lists.summaries(session, g.actor, c.clock.now())
        session.commit()
        return CallListsView(items=[_summary_view(s) for s in found])


@operation("GET", "/call-lists/{list_id}/entries", summary="A list's cases in the order they are handed out",
           tag=TAG, permission=Permission.READ, query=EntriesQuery, response=EntryPage)
def list_entries(list_id: int, query: EntriesQuery) -> EntryPage:
    c = container()
    with c.sessions() as session:
        target = _list(session, list_id)
        rows, total = call_lists.entries(session, target, query.status, query.limit, query.offset, c.clock.now())
        return EntryPage(items=[_entry_view(session, e) for e in rows],
                         page=Page(total=total, limit=query.limit, offset=query.offset))


@operation("POST", "/call-lists/{list_id}/take", summary="Take the next case (never the same one twice)",
           tag=TAG, permission=Permission.WORK_LISTS, response=Taken)
def take_next(list_id: int) -> Taken:
    c = container()
    limit = c.settings.claim_timeout_minutes
    with c.sessions() as session:
        target = _list(session, list_id)
        taken = call_work.take_next(session, target, g.actor, c.clock.now(), dt.timedelta(minutes=limit))
        if taken.entry is None:
            return Taken(entry=None, case=None, reason=taken.reason)
        case = case_history.find_case(session, taken.entry.case_id)
        return Taken(entry=_entry_view(session, taken.entry),
                     case=CaseView.model_validate(case_history.summary(session, case)), reason=None)


@operation("POST", "/call-list-entries/{entry_id}/disposition", summary="Record how the call ended", tag=TAG,
           permission=Permission.WORK_LISTS, body=DispositionCreate, response=EntryView, errors=(409, 422))
def record_disposition(entry_id: int, body: DispositionCreate) -> EntryView:
    c = container()
    with c.sessions() as session:
        try:
            entry = call_work.record_disposition(session, entry_id, body.disposition, g.actor, c.clock.now(),
                                                 callback_at=body.callback_at, note=body.note)
        except (CallListError, NotPermitted, LookupError) as exc:
            raise _refused(exc) from None
        return _entry_view(session, entry)


@operation("POST", "/call-list-entries/{entry_id}/release", summary="Give a claimed case back to its list",
           tag=TAG, permission=Permission.WORK_LISTS, response=EntryView, errors=(409,))
def release(entry_id: int) -> EntryView:
    c = container()
    with c.sessions() as session:
        try:
            entry = call_work.release(session, entry_id, g.actor, c.clock.now())
        except (CallListError, NotPermitted, LookupError) as exc:
            raise _refused(exc) from None
        return _entry_view(session, entry)


@operation("POST", "/call-lists/{list_id}/assign", summary="Let a representative work this list", tag=TAG,
           permission=Permission.MANAGE_LISTS, body=Assignment, response=CallListsView)
def assign(list_id: int, body: Assignment) -> CallListsView:
    return _change_assignment(list_id, body, call_lists.assign)


@operation("POST", "/call-lists/{list_id}/unassign", summary="Stop a representative working this list", tag=TAG,
           permission=Permission.MANAGE_LISTS, body=Assignment, response=CallListsView)
def unassign(list_id: int, body: Assignment) -> CallListsView:
    return _change_assignment(list_id, body, call_lists.unassign)


def _change_assignment(list_id: int, body: Assignment, change: Any) -> CallListsView:
    c = container()
    with c.sessions() as session:
        target = _list(session, list_id)
        try:
            change(session, target, body.representative, g.actor, c.clock.now())
        except (CallListError, NotPermitted) as exc:
            raise _refused(exc) from None
        found = call_lists.summaries(session, g.actor, c.clock.now())
        return CallListsView(items=[_summary_view(s) for s in found if s.id == target.id])
