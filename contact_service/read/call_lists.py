"""The read side of the call lists: what each list holds, its entries in work order, who holds which claim.

Plain frozen dataclasses for the API views, the CLI tables and (next) the dashboards. What an actor sees is
decided by domain.access (a representative: only the lists assigned to her). Every count comes from one
grouped query over the entries, so a rollup table can serve it later without changing its callers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallList, CallListAssignment, CallListEntry
from contact_service.domain.access import Actor
from contact_service.domain.errors import NotFound
from contact_service.domain.states import EntryStatus
from contact_service.read.pages import Page, PageRequest
from contact_service.services.call_lists import list_for, visible_list_ids, work_order


@dataclass(frozen=True)
class ListCounts:
    """How a list's entries stand at one moment (closed entries are not counted)."""

    open: int = 0  # waiting to be taken, due callbacks included
    claimed: int = 0  # held by a representative
    callbacks_due: int = 0  # open, with a callback time that has come
    claims_expired: int = 0  # claimed past their limit, not yet returned by the sweep
    oldest_waiting_since: dt.datetime | None = None  # when the longest-waiting open entry was listed


@dataclass(frozen=True)
class CallListSummary:
    """A list, its counts and the representatives assigned to it."""

    id: int
    segment: str
    title: str
    counts: ListCounts
    assigned: tuple[str, ...]


@dataclass(frozen=True)
class EntryRow:
    """A case on a call list (the API's entry view has exactly these fields)."""

    id: int
    call_list: str  # the list's segment
    case_id: int
    reason: str
    status: str
    balance_cents: int
    csed_on: dt.date
    last_contact_at: dt.datetime | None
    ever_reached: bool
    listed_at: dt.datetime
    available_at: dt.datetime | None
    callback_at: dt.datetime | None
    claimed_by: str | None
    claim_expires_at: dt.datetime | None
    disposition: str | None
    closed_at: dt.datetime | None


@dataclass(frozen=True)
class ClaimRow:
    """A case a representative holds: who, since when, until when, and whether the claim has run out."""

    entry_id: int
    call_list: str
    case_id: int
    claimed_by: str | None  # always set on a claimed entry; the columns allow NULL for open and closed ones
    claimed_at: dt.datetime | None
    claim_expires_at: dt.datetime | None
    expired: bool


def entry_row(entry: CallListEntry, segment: str) -> EntryRow:
    """One entry as plain data (`segment`: its list's)."""
    return EntryRow(
        id=entry.id,
        call_list=segment,
        case_id=entry.case_id,
        reason=entry.reason,
        status=entry.status,
        balance_cents=entry.balance_cents,
        csed_on=entry.csed_on,
        last_contact_at=entry.last_contact_at,
        ever_reached=entry.ever_reached,
        listed_at=entry.listed_at,
        available_at=entry.available_at,
        callback_at=entry.callback_at,
        claimed_by=entry.claimed_by,
        claim_expires_at=entry.claim_expires_at,
        disposition=entry.disposition,
        closed_at=entry.closed_at,
    )


def _count_of(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def counts_by_list(session: Session, now: dt.datetime, list_ids: Iterable[int] | None = None) -> dict[int, ListCounts]:
    """Each list's counts (all lists, or those of `list_ids`); a list with no entries is absent."""
    is_open = CallListEntry.status == EntryStatus.OPEN.value
    is_claimed = CallListEntry.status == EntryStatus.CLAIMED.value
    query = (
        select(
            CallListEntry.call_list_id,
            _count_of(is_open),
            _count_of(is_claimed),
            _count_of(is_open & (CallListEntry.callback_at <= now)),
            _count_of(is_claimed & (CallListEntry.claim_expires_at <= now)),
            func.min(case((is_open, CallListEntry.listed_at), else_=None)),
        )
        .where(CallListEntry.status != EntryStatus.CLOSED.value)
        .group_by(CallListEntry.call_list_id)
    )
    if list_ids is not None:
        query = query.where(CallListEntry.call_list_id.in_(list(list_ids)))
    return {
        list_id: ListCounts(int(opened), int(claimed), int(due), int(expired), oldest)
        for list_id, opened, claimed, due, expired, oldest in session.execute(query)
    }


def _assigned(session: Session) -> dict[int, tuple[str, ...]]:
    names: dict[int, list[str]] = {}
    for list_id, name in session.execute(
        select(CallListAssignment.call_list_id, CallListAssignment.representative).order_by(
            CallListAssignment.representative
        )
    ):
        names.setdefault(list_id, []).append(name)
    return {list_id: tuple(found) for list_id, found in names.items()}


def summaries(session: Session, actor: Actor, now: dt.datetime) -> list[CallListSummary]:
    """Every list `actor` may see, by id, with its counts and who is assigned."""
    visible = visible_list_ids(session, actor)
    lists = [
        cl for cl in session.scalars(select(CallList).order_by(CallList.id)) if visible is None or cl.id in visible
    ]
    counts = counts_by_list(session, now, None if visible is None else visible)
    assigned = _assigned(session)
    return [_summary(cl, counts.get(cl.id, ListCounts()), assigned.get(cl.id, ())) for cl in lists]


def summary(session: Session, actor: Actor, list_ref: int | str, now: dt.datetime) -> CallListSummary:
    """One list `actor` may see, by id or segment (NotFound, Forbidden)."""
    call_list = list_for(session, list_ref, actor)
    counts = counts_by_list(session, now, [call_list.id]).get(call_list.id, ListCounts())
    return _summary(call_list, counts, _assigned(session).get(call_list.id, ()))


def _summary(call_list: CallList, counts: ListCounts, assigned: tuple[str, ...]) -> CallListSummary:
    return CallListSummary(call_list.id, call_list.segment, call_list.title, counts, assigned)


def entries(
    session: Session,
    actor: Actor,
    list_ref: int | str,
    now: dt.datetime,
    status: EntryStatus | None = None,
    page: PageRequest | None = None,
) -> Page[EntryRow]:
    """A page of a list's entries in the order representatives get them (open and claimed by default)."""
    page = page or PageRequest()
    call_list = list_for(session, list_ref, actor)
    where = [
        CallListEntry.call_list_id == call_list.id,
        CallListEntry.status == status.value
        if status is not None
        else CallListEntry.status != EntryStatus.CLOSED.value,
    ]
    total = session.scalar(select(func.count()).select_from(CallListEntry).where(*where)) or 0
    rows = session.scalars(
        select(CallListEntry).where(*where).order_by(*work_order(now)).limit(page.limit).offset(page.offset)
    )
    return Page([entry_row(e, call_list.segment) for e in rows], total, page.limit, page.offset)


def entry(session: Session, entry_id: int) -> EntryRow:
    """One entry by id (NotFound)."""
    found = session.execute(
        select(CallListEntry, CallList.segment)
        .join(CallList, CallList.id == CallListEntry.call_list_id)
        .where(CallListEntry.id == entry_id)
    ).first()
    if found is None:
        raise NotFound("call list entry", entry_id)
    return entry_row(found[0], found[1])


def entries_of_case(session: Session, case_id: int) -> list[EntryRow]:
    """Every entry a case has had, on any list, oldest first (for its contact history)."""
    listed = session.execute(
        select(CallListEntry, CallList.segment)
        .join(CallList, CallList.id == CallListEntry.call_list_id)
        .where(CallListEntry.case_id == case_id)
        .order_by(CallListEntry.id)
    ).all()
    return [entry_row(e, segment) for e, segment in listed]


def claims(
    session: Session,
    actor: Actor,
    now: dt.datetime,
    list_ref: int | str | None = None,
    page: PageRequest | None = None,
) -> Page[ClaimRow]:
    """The claims held now on the lists `actor` may see (or on one list), oldest claim first."""
    page = page or PageRequest()
    where: list[ColumnElement[bool]] = [CallListEntry.status == EntryStatus.CLAIMED.value]
    if list_ref is not None:
        where.append(CallListEntry.call_list_id == list_for(session, list_ref, actor).id)
    else:
        visible = visible_list_ids(session, actor)
        if visible is not None:
            where.append(CallListEntry.call_list_id.in_(visible))
    total = session.scalar(select(func.count()).select_from(CallListEntry).where(*where)) or 0
    rows = session.execute(
        select(CallListEntry, CallList.segment)
        .join(CallList, CallList.id == CallListEntry.call_list_id)
        .where(*where)
        .order_by(CallListEntry.claimed_at, CallListEntry.id)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return Page(
        [
            ClaimRow(
                entry_id=e.id,
                call_list=segment,
                case_id=e.case_id,
                claimed_by=e.claimed_by,
                claimed_at=e.claimed_at,
                claim_expires_at=e.claim_expires_at,
                expired=e.claim_expires_at is not None and e.claim_expires_at <= now,
            )
            for e, segment in rows
        ],
        total,
        page.limit,
        page.offset,
    )
