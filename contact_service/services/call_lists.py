"""Call lists: the lists themselves, who may see them, who is assigned, and the order their cases are worked in.

The lowest of the call-list services: call_work and escalation build on it, it imports neither. Functions
here only flush; the use case that calls them writes the audit record and commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, case, select
from sqlalchemy.orm import Session

from contact_service.adapters.db import dialect
from contact_service.adapters.db.escalation_models import CallList, CallListAssignment, CallListEntry
from contact_service.domain.access import Actor, sees_every_list
from contact_service.domain.errors import Forbidden, Invalid, NotFound
from contact_service.domain.escalation import SEGMENT_TITLES, Segment

REPRESENTATIVE_NAME_LIMIT = 100


def ensure_call_lists(session: Session) -> None:
    """Create any segment's list that is missing (migration 0005 creates them; an emptied database may not)."""
    present = set(session.scalars(select(CallList.segment)))
    missing = [segment for segment in Segment if segment.value not in present]
    if missing:
        session.execute(
            dialect.insert_ignoring_duplicates(session, CallList),  # another process may add them too
            [{"segment": s.value, "title": SEGMENT_TITLES[s]} for s in missing],
        )
        session.flush()


def find_list(session: Session, reference: str | int) -> CallList:
    """A list by id or segment; NotFound if there is none (visibility is `list_for`'s business)."""
    text_reference = str(reference)
    call_list = (
        session.get(CallList, int(text_reference))
        if text_reference.isdigit()
        else session.scalar(select(CallList).where(CallList.segment == text_reference))
    )
    if call_list is None:
        raise NotFound("call list", reference)
    return call_list


def visible_list_ids(session: Session, actor: Actor) -> set[int] | None:
    """The ids of the lists `actor` may see; None means all of them (domain.access decides who sees all)."""
    if sees_every_list(actor):
        return None
    return set(
        session.scalars(select(CallListAssignment.call_list_id).where(CallListAssignment.representative == actor.name))
    )


def list_for(session: Session, reference: str | int, actor: Actor) -> CallList:
    """A list by id or segment that `actor` may see; NotFound if none, Forbidden if it is not theirs."""
    call_list = find_list(session, reference)
    visible = visible_list_ids(session, actor)
    if visible is not None and call_list.id not in visible:
        raise Forbidden(f"call list {call_list.segment!r} is not assigned to {actor.name}")
    return call_list


def list_id_of(session: Session, segment: Segment) -> int:
    """The id of a segment's list (the lists exist: see ensure_call_lists)."""
    list_id = session.scalar(select(CallList.id).where(CallList.segment == segment.value))
    if list_id is None:
        raise NotFound("call list", segment.value)
    return list_id


def work_order(now: dt.datetime) -> tuple[ColumnElement[Any], ...]:
    """Due callbacks first (earliest first), then the list's priority (domain.escalation.priority_key)."""
    callback_due = and_(CallListEntry.callback_at.is_not(None), CallListEntry.callback_at <= now)
    return (
        case((callback_due, 0), else_=1),
        case((callback_due, CallListEntry.callback_at), else_=None),
        *priority_order(),
    )


def priority_order() -> tuple[ColumnElement[Any], ...]:
    """The priority columns in the order of `ix_call_list_entries_priority`."""
    return (
        CallListEntry.ever_reached.asc(),
        CallListEntry.balance_cents.desc(),
        CallListEntry.csed_on.asc(),
        CallListEntry.last_contact_at.asc().nulls_first(),
        CallListEntry.id.asc(),
    )


def _checked_name(representative: str) -> str:
    if not representative or len(representative) > REPRESENTATIVE_NAME_LIMIT:
        raise Invalid("representative", f"a name of 1 to {REPRESENTATIVE_NAME_LIMIT} characters")
    return representative


def assign(session: Session, call_list: CallList, representative: str, assigned_by: Actor, now: dt.datetime) -> bool:
    """Let `representative` work `call_list`; False if they already could."""
    _checked_name(representative)
    if session.get(CallListAssignment, (call_list.id, representative)) is not None:
        return False
    session.add(
        CallListAssignment(
            call_list_id=call_list.id, representative=representative, assigned_by=assigned_by.name, assigned_at=now
        )
    )
    session.flush()
    return True


def unassign(session: Session, call_list: CallList, representative: str) -> bool:
    """Stop `representative` working `call_list`; False if they could not anyway."""
    row = session.get(CallListAssignment, (call_list.id, representative))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
