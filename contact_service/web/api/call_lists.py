"""Call-list endpoints: lists, their entries, take next, disposition, release, assignments."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from flask import g
from pydantic import AwareDatetime, Field

from contact_service.domain.access import Permission
from contact_service.domain.call_work import Disposition
from contact_service.domain.states import EntryStatus
from contact_service.read import call_lists as read_call_lists
from contact_service.read import cases as read_cases
from contact_service.read.call_lists import CallListSummary, EntryRow
from contact_service.read.pages import PageRequest
from contact_service.use_cases import call_lists as list_actions
from contact_service.web.api import operation
from contact_service.web.api.cases import CaseView, EntryView
from contact_service.web.api.fields import Note, Page, PageQuery
from contact_service.web.api.operations import Schema
from contact_service.web.context import container

TAG = "call lists"
if TYPE_CHECKING:  # the type checker reads them as text; pydantic (and the OpenAPI document) as the enums' values
    DispositionName = str
    EntryStatusName = str
else:
    DispositionName = Literal[tuple(d.value for d in Disposition)]
    EntryStatusName = Literal[tuple(s.value for s in EntryStatus)]


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

    status: EntryStatusName | None = None


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


def _entry_view(row: EntryRow) -> EntryView:
    return EntryView.model_validate(row, from_attributes=True)


def _summary_view(summary: CallListSummary) -> CallListView:
    return CallListView(
        id=summary.id,
        segment=summary.segment,
        title=summary.title,
        open=summary.counts.open,
        claimed=summary.counts.claimed,
        callbacks_due=summary.counts.callbacks_due,
        assigned=list(summary.assigned),
    )


@operation(
    "GET",
    "/call-lists",
    summary="The call lists with their counts",
    tag=TAG,
    permission=Permission.READ,
    response=CallListsView,
)
def list_call_lists() -> CallListsView:
    c = container()
    with c.sessions() as session:
        found = read_call_lists.summaries(session, g.actor, c.clock.now())
    return CallListsView(items=[_summary_view(s) for s in found])


@operation(
    "GET",
    "/call-lists/{list_id}/entries",
    summary="A list's cases in the order they are handed out",
    tag=TAG,
    permission=Permission.READ,
    query=EntriesQuery,
    response=EntryPage,
)
def list_entries(list_id: int, query: EntriesQuery) -> EntryPage:
    c = container()
    status = EntryStatus(query.status) if query.status is not None else None
    with c.sessions() as session:
        page = read_call_lists.entries(
            session, g.actor, list_id, c.clock.now(), status, PageRequest(query.limit, query.offset)
        )
    return EntryPage(
        items=[_entry_view(e) for e in page.items],
        page=Page(total=page.total, limit=page.limit, offset=page.offset),
    )


@operation(
    "POST",
    "/call-lists/{list_id}/take",
    summary="Take the next case (never the same one twice)",
    tag=TAG,
    permission=Permission.WORK_LISTS,
    response=Taken,
)
def take_next(list_id: int) -> Taken:
    c = container()
    limit = dt.timedelta(minutes=c.settings.claim_timeout_minutes)
    taken = list_actions.take_next_case(c.unit_of_work(), g.actor, list_id, claim_limit=limit)
    if taken.entry is None:
        return Taken(entry=None, case=None, reason=taken.reason)
    with c.sessions() as session:
        case = read_cases.summary(session, taken.entry.case_id, g.actor, c.clock.now())
    return Taken(entry=_entry_view(taken.entry), case=CaseView.model_validate(case, from_attributes=True), reason=None)


@operation(
    "POST",
    "/call-list-entries/{entry_id}/disposition",
    summary="Record how the call ended",
    tag=TAG,
    permission=Permission.WORK_LISTS,
    body=DispositionCreate,
    response=EntryView,
    errors=(409, 422),
)
def record_disposition(entry_id: int, body: DispositionCreate) -> EntryView:
    row = list_actions.record_disposition(
        container().unit_of_work(),
        g.actor,
        entry_id,
        body.disposition,
        callback_at=body.callback_at,
        note=body.note,
    )
    return _entry_view(row)


@operation(
    "POST",
    "/call-list-entries/{entry_id}/release",
    summary="Give a claimed case back to its list",
    tag=TAG,
    permission=Permission.WORK_LISTS,
    response=EntryView,
    errors=(409,),
)
def release(entry_id: int) -> EntryView:
    return _entry_view(list_actions.release_case(container().unit_of_work(), g.actor, entry_id))


@operation(
    "POST",
    "/call-lists/{list_id}/assign",
    summary="Let a representative work this list",
    tag=TAG,
    permission=Permission.MANAGE_LISTS,
    body=Assignment,
    response=CallListsView,
)
def assign(list_id: int, body: Assignment) -> CallListsView:
    change = list_actions.assign_list(container().unit_of_work(), g.actor, list_id, body.representative)
    return CallListsView(items=[_summary_view(change.call_list)])


@operation(
    "POST",
    "/call-lists/{list_id}/unassign",
    summary="Stop a representative working this list",
    tag=TAG,
    permission=Permission.MANAGE_LISTS,
    body=Assignment,
    response=CallListsView,
)
def unassign(list_id: int, body: Assignment) -> CallListsView:
    change = list_actions.unassign_list(container().unit_of_work(), g.actor, list_id, body.representative)
    return CallListsView(items=[_summary_view(change.call_list)])
