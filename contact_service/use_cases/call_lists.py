"""Call-list actions: take the next case, record a disposition, release a case, assign and unassign
representatives, and the escalation sweep that fills the lists.

Each one authorizes through domain.access, acts through the services, writes exactly one audit record that
says what it did, and commits once. A take that finds nothing changes nothing and records nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from contact_service.domain.access import Actor, Permission, authorize
from contact_service.domain.call_work import Disposition, Next
from contact_service.domain.errors import Invalid, NothingToDo
from contact_service.read import call_lists as read_call_lists
from contact_service.read import people
from contact_service.read.call_lists import CallListSummary, EntryRow
from contact_service.services import audit, call_lists, call_work, escalation
from contact_service.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Taken:
    """The case handed out (its entry, number and balance now), or no entry and why."""

    entry: EntryRow | None
    case_number: str | None = None
    case_balance_cents: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class AssignmentChange:
    """A list after assigning or unassigning a representative; `changed` is False when it already stood so."""

    call_list: CallListSummary
    representative: str
    changed: bool


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: cases listed per list, and the untouched claims it returned to their lists."""

    listed: Mapping[str, int]
    claims_expired: int
    expired_entry_ids: tuple[int, ...] = ()

    @property
    def total_listed(self) -> int:
        """Cases listed by this sweep, over every list."""
        return sum(self.listed.values())


def take_next_case(uow: UnitOfWork, actor: Actor, list_ref: int | str, *, claim_limit: dt.timedelta) -> Taken:
    """Claim the most urgent case on a list that may be called now; never the same case to two people."""
    authorize(actor, Permission.WORK_LISTS)
    with uow:
        target = call_lists.list_for(uow.session, list_ref, actor)
        try:
            claim = call_work.take_next(uow.session, target, actor, uow.now, claim_limit)
        except NothingToDo as nothing:
            return Taken(None, reason=nothing.message)  # leaving uncommitted releases the rows it locked
        entry = claim.entry
        audit.record(
            uow.session,
            actor,
            "case_taken",
            "call_list_entry",
            entry.id,
            uow.now,
            case_id=entry.case_id,
            call_list=target.segment,
            claim_expires_at=entry.claim_expires_at,
        )
        taken = Taken(read_call_lists.entry_row(entry, target.segment), claim.case_number, claim.case_balance_cents)
        uow.commit()
        return taken


def record_disposition(
    uow: UnitOfWork,
    actor: Actor,
    entry_id: int,
    disposition: Disposition | str,
    *,
    callback_at: dt.datetime | None = None,
    note: str | None = None,
) -> EntryRow:
    """Record how the call on a claimed case ended: a response if the taxpayer responded, and the case closed,
    back on its list later, or moved to research (a wrong number)."""
    authorize(actor, Permission.WORK_LISTS)
    with uow:
        done = call_work.record_disposition(uow.session, entry_id, disposition, actor, uow.now, callback_at, note)
        row = read_call_lists.entry(uow.session, entry_id)
        audit.record(
            uow.session,
            actor,
            "disposition_recorded",
            "call_list_entry",
            entry_id,
            uow.now,
            case_id=row.case_id,
            disposition=row.disposition,
            callback_at=callback_at,
            note=note,
            claimed_by=done.previous_claimant,
            response_recorded=done.response_kind.value if done.response_kind else None,
            response_id=done.response_id,
            entry_status=row.status,
            moved_to=row.call_list if done.next is Next.BAD_NUMBER_LIST else None,
            numbers_marked_bad=done.numbers_marked_bad,
        )
        uow.commit()
        return row


def release_case(uow: UnitOfWork, actor: Actor, entry_id: int) -> EntryRow:
    """Give a claimed case back to its list untouched."""
    authorize(actor, Permission.WORK_LISTS)
    with uow:
        _, claimant = call_work.release(uow.session, entry_id, actor, uow.now)
        row = read_call_lists.entry(uow.session, entry_id)
        audit.record(
            uow.session,
            actor,
            "case_released",
            "call_list_entry",
            entry_id,
            uow.now,
            case_id=row.case_id,
            claimed_by=claimant,
        )
        uow.commit()
        return row


def assign_list(uow: UnitOfWork, actor: Actor, list_ref: int | str, representative: str) -> AssignmentChange:
    """Let a representative work a list (and so see it). Invalid naming `representative` unless she exists as
    a representative (read.people decides who does)."""
    authorize(actor, Permission.MANAGE_LISTS)
    with uow:
        call_lists.ensure_call_lists(uow.session)
        target = call_lists.list_for(uow.session, list_ref, actor)
        if not people.is_representative(uow.session, representative):
            raise Invalid(
                "representative",
                "is not a representative with a live token (contact-service tokens create NAME --role representative)",
            )
        changed = call_lists.assign(uow.session, target, representative, actor, uow.now)
        audit.record(
            uow.session,
            actor,
            "list_assigned",
            "call_list",
            target.id,
            uow.now,
            representative=representative,
            call_list=target.segment,
            changed=changed,
        )
        change = AssignmentChange(
            read_call_lists.summary(uow.session, actor, target.id, uow.now), representative, changed
        )
        uow.commit()
        return change


def unassign_list(uow: UnitOfWork, actor: Actor, list_ref: int | str, representative: str) -> AssignmentChange:
    """Stop a representative working a list (cases she holds stay hers until released or expired)."""
    authorize(actor, Permission.MANAGE_LISTS)
    with uow:
        call_lists.ensure_call_lists(uow.session)
        target = call_lists.list_for(uow.session, list_ref, actor)
        changed = call_lists.unassign(uow.session, target, representative)
        audit.record(
            uow.session,
            actor,
            "list_unassigned",
            "call_list",
            target.id,
            uow.now,
            representative=representative,
            call_list=target.segment,
            changed=changed,
        )
        change = AssignmentChange(
            read_call_lists.summary(uow.session, actor, target.id, uow.now), representative, changed
        )
        uow.commit()
        return change


def run_escalation_sweep(uow: UnitOfWork, actor: Actor, *, grace: dt.timedelta) -> SweepResult:
    """List every case whose automated phase ended without a response, and return untouched claims to their
    lists. Safe to run at any time, as often as wanted; one audit record per run says what it did."""
    authorize(actor, Permission.MANAGE_LISTS)
    with uow:
        listed = escalation.list_unanswered_cases(uow.session, uow.now, grace)
        expired = call_work.expire_claims(uow.session, uow.now)
        audit.record(
            uow.session,
            actor,
            "escalation_sweep",
            "call_list",
            None,
            uow.now,
            listed=listed,
            total_listed=sum(listed.values()),
            grace_cutoff=uow.now - grace,
            claims_expired=len(expired),
            expired_claims=[
                {"entry_id": e.entry_id, "case_id": e.case_id, "claimed_by": e.claimed_by} for e in expired
            ],
        )
        uow.commit()
        return SweepResult(listed, len(expired), tuple(e.entry_id for e in expired))
