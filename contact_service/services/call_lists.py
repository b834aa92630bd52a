"""Call lists: what is on them, who may work them, and assigning representatives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallList, CallListAssignment, CallListEntry
from contact_service.domain.access import Actor, Permission, Role
from contact_service.services import audit
from contact_service.services.escalation import ensure_call_lists

ENTRY_STATUSES = ("open", "claimed", "closed")


class CallListError(ValueError):
    """A call-list request was refused; the message names the field at fault."""


class NotPermitted(PermissionError):
    """The actor may not do this (a representative working a list not assigned to them, say)."""


@dataclass(frozen=True)
class CallListSummary:
    """A list with its counts."""

    id: int
    segment: str
    title: str
    open: int
    claimed: int
    callbacks_due: int
    assigned: tuple[str, ...]


def sees_every_list(actor: Actor) -> bool:
    """Supervisors, operators and viewers see every list; a representative only the lists assigned to them."""
    return actor.role is not Role.REPRESENTATIVE


def visible_list_ids(session: Session, actor: Actor) -> set[int] | None:
    """The ids of the lists `actor` may see; None means all of them."""
    if sees_every_list(actor):
        return None
    return set(session.scalars(select(CallListAssignment.call_list_id)
                               .where(CallListAssignment.representative == actor.name)))


def find_list(session: Session, reference: str | int, actor: Actor) -> CallList:
    """A list by id or segment that `actor` may see; LookupError if none, NotPermitted if not theirs."""
    ensure_call_lists(session)
    text_reference = str(reference)
    call_list = session.get(CallList, int(text_reference)) if text_reference.isdigit() else \
        session.scalar(select(CallList).where(CallList.segment == text_reference))
    if call_list is None:
        raise LookupError(f"no call list {reference!r}")
    visible = visible_list_ids(session, actor)
    if visible is not None and call_list.id not in visible:
        raise NotPermitted(f"call list {call_list.segment!r} is not assigned to {actor.name}")
    return call_list


def summaries(session: Session, actor: Actor, now: dt.datetime) -> list[CallListSummary]:
    """Every list `actor` may see, with how many cases are open, claimed and due a callback."""
    ensure_call_lists(session)
    visible = visible_list_ids(session, actor)
    counts = {
        (list_id, status): count for list_id, status, count in session.execute(
            select(CallListEntry.call_list_id, CallListEntry.status, func.count())
            .where(CallListEntry.status != "closed").group_by(CallListEntry.call_list_id, CallListEntry.status))
    }
    due = dict(session.execute(
        select(CallListEntry.call_list_id, func.count())
        .where(CallListEntry.status == "open", CallListEntry.callback_at <= now).group_by(CallListEntry.call_list_id)
    ).all())
    assigned: dict[int, list[str]] = {}
    for list_id, name in session.execute(select(CallListAssignment.call_list_id, CallListAssignment.representative)
                                         .order_by(CallListAssignment.representative)):
        assigned.setdefault(list_id, []).append(name)
    lists = session.scalars(select(CallList).order_by(CallList.id))
    return [
        CallListSummary(cl.id, cl.segment, cl.title, counts.get((cl.id, "open"), 0), counts.get((cl.id, "claimed"), 0),
                        due.get(cl.id, 0), tuple(assigned.get(cl.id, ())))
        for cl in lists if visible is None or cl.id in visible
    ]


def entries(session: Session, call_list: CallList, status: str | None, limit: int, offset: int,
            now: dt.datetime) -> tuple[list[CallListEntry], int]:
    """A page of the list's entries in the order representatives get them, and how many there are."""
    where = [CallListEntry.call_list_id == call_list.id]
    if status is not None:
        if status not in ENTRY_STATUSES:
            raise CallListError(f"status: must be one of {', '.join(ENTRY_STATUSES)}")
        where.append(CallListEntry.status == status)
    else:
        where.append(CallListEntry.status != "closed")
    total = session.scalar(select(func.count()).select_from(CallListEntry).where(*where)) or 0
    rows = session.scalars(select(CallListEntry).where(*where).order_by(*work_order(now)).limit(limit).offset(offset))
    return list(rows), total


def work_order(now: dt.datetime) -> tuple:  # type: ignore[type-arg]
    """Due callbacks first (earliest first), then the list's priority (domain.escalation.priority_key)."""
    callback_due = and_(CallListEntry.callback_at.is_not(None), CallListEntry.callback_at <= now)
    return (case((callback_due, 0), else_=1), case((callback_due, CallListEntry.callback_at), else_=None), *priority_order())


def priority_order() -> tuple:  # type: ignore[type-arg]
    """The priority columns in the order of `ix_call_list_entries_priority`."""
    return (CallListEntry.ever_reached.asc(), CallListEntry.balance_cents.desc(), CallListEntry.csed_on.asc(),
            CallListEntry.last_contact_at.asc().nulls_first(), CallListEntry.id.asc())


def assign(session: Session, call_list: CallList, representative: str, actor: Actor, now: dt.datetime) -> bool:
    """Let `representative` work `call_list`; False if they already could. Commits."""
    if not actor.can(Permission.MANAGE_LISTS):
        raise NotPermitted("only a supervisor assigns call lists")
    if not representative or len(representative) > 100:
        raise CallListError("representative: a name of 1 to 100 characters")
    if session.get(CallListAssignment, (call_list.id, representative)) is not None:
        return False
    session.add(CallListAssignment(call_list_id=call_list.id, representative=representative,
                                   assigned_by=actor.name, assigned_at=now))
    audit.record(session, actor, "list_assigned", "call_list", call_list.id, now, representative=representative)
    session.commit()
    return True


def unassign(session: Session, call_list: CallList, representative: str, actor: Actor, now: dt.datetime) -> bool:
    """Stop `representative` working `call_list`; False if they could not anyway. Commits."""
    if not actor.can(Permission.MANAGE_LISTS):
        raise NotPermitted("only a supervisor assigns call lists")
    row = session.get(CallListAssignment, (call_list.id, representative))
    if row is None:
        return False
    session.delete(row)
    audit.record(session, actor, "list_unassigned", "call_list", call_list.id, now, representative=representative)
    session.commit()
    return True
