"""Who may see which case: the facts `domain.access` decides on (a case's call-list entries, the lists assigned
to the actor), read from the database. Reads only; used by the read side and by the use cases that act on a
case, so a case a representative may not see is "no such case" everywhere alike."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallListEntry
from contact_service.domain.access import Actor, EntryFacts, may_see_case, sees_every_case
from contact_service.domain.errors import NotFound
from contact_service.services.call_lists import visible_list_ids


def entry_facts(entry: CallListEntry) -> EntryFacts:
    """The policy's view of one loaded entry."""
    return EntryFacts(entry.call_list_id, entry.status, entry.claimed_by, entry.claim_expires_at)


def assigned_list_ids(session: Session, actor: Actor) -> frozenset[int]:
    """The lists assigned to `actor` (empty for whoever sees every list: the policy asks them nothing more)."""
    visible = visible_list_ids(session, actor)
    return frozenset() if visible is None else frozenset(visible)


def case_visible(session: Session, actor: Actor, case_id: int, now: dt.datetime) -> bool:
    """Whether `actor` may see the case `case_id` (domain.access.may_see_case)."""
    if sees_every_case(actor):
        return True
    entries = session.execute(
        select(
            CallListEntry.call_list_id, CallListEntry.status, CallListEntry.claimed_by, CallListEntry.claim_expires_at
        ).where(CallListEntry.case_id == case_id)
    ).all()
    facts = [EntryFacts(*row) for row in entries]
    return may_see_case(actor, facts, assigned_list_ids(session, actor), now)


def check_case_visible(session: Session, actor: Actor, case_id: int, now: dt.datetime) -> None:
    """NotFound("case") — the same answer as for a case that does not exist — unless `actor` may see it."""
    if not case_visible(session, actor, case_id, now):
        raise NotFound("case", case_id)
