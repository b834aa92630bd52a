"""A representative's work on a call list: take the next case, record a disposition, release it.

Taking is atomic: on PostgreSQL the candidates are read `FOR UPDATE SKIP LOCKED`, so two representatives
asking at once lock different rows and never get the same case; on SQLite every write transaction begins
IMMEDIATE (one writer at a time), which gives the same guarantee. The claim itself is also a compare-and-set
on the entry's status. A case is handed out only while it may be called (8:00-21:00 in every zone the
taxpayer may be in, weekdays); research lists (bad numbers) call nobody and are not held to the window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallList, CallListEntry
from contact_service.adapters.db.models import Case, CaseHold, PhoneNumber, Taxpayer
from contact_service.domain.access import Actor, Permission
from contact_service.domain.call_work import EFFECTS, NOT_REACHED_RETRY, Disposition, Next
from contact_service.domain.calling_window import CallingWindow
from contact_service.domain.cases import Hold
from contact_service.domain.escalation import EscalationReason, Segment
from contact_service.domain.phone import decode_zones, possible_time_zones
from contact_service.services import audit, responses
from contact_service.services.call_lists import CallListError, NotPermitted, priority_order

BATCH = 8
MAX_BATCHES = 64  # look this deep for a case callable now before saying there is none
CALLBACK_HORIZON = dt.timedelta(days=30)
HUMAN_CALL_WINDOW = CallingWindow(call_allowance=dt.timedelta(minutes=15))  # a person's call runs longer


class CallbackOutsideWindow(CallListError):
    """A callback time the taxpayer may not be called at; `next_allowed` is the earliest that is allowed."""

    def __init__(self, message: str, next_allowed: dt.datetime | None) -> None:
        super().__init__(message)
        self.next_allowed = next_allowed


class EntryConflict(CallListError):
    """The entry is not in a state that allows this (not claimed by you, already closed...)."""


@dataclass(frozen=True)
class Taken:
    """The outcome of asking for the next case: the entry, or None and why."""

    entry: CallListEntry | None
    reason: str | None = None


def _possible_zones(zones_text: str | None, state: str) -> frozenset[str] | None:
    """Every zone the taxpayer may be in: the primary number's and the state's (None when unknown)."""
    return possible_time_zones(decode_zones(zones_text) if zones_text is not None else None, state)


def _zones(session: Session, case_id: int) -> frozenset[str] | None:
    row = session.execute(
        select(Taxpayer.state, PhoneNumber.zones).select_from(Case).join(Taxpayer, Taxpayer.id == Case.taxpayer_id)
        .outerjoin(PhoneNumber, and_(PhoneNumber.taxpayer_id == Taxpayer.id, PhoneNumber.is_primary))
        .where(Case.id == case_id)
    ).first()
    return None if row is None else _possible_zones(row.zones, row.state)


def take_next(session: Session, call_list: CallList, actor: Actor, now: dt.datetime,
              claim_limit: dt.timedelta) -> Taken:
    """Claim the most urgent case on the list that may be called now: due callbacks first, then priority."""
    if not actor.can(Permission.WORK_LISTS):
        raise NotPermitted(f"a {actor.role} does not work call lists")
    needs_window = call_list.segment != Segment.BAD_NUMBER.value
    available = or_(CallListEntry.available_at.is_(None), CallListEntry.available_at <= now)
    # Each candidate comes with the zones the taxpayer may be in, so the window check needs no more queries.
    base = (
        select(CallListEntry.id, CallListEntry.case_id, Taxpayer.state, PhoneNumber.zones)
        .join(Case, Case.id == CallListEntry.case_id).join(Taxpayer, Taxpayer.id == Case.taxpayer_id)
        .outerjoin(PhoneNumber, and_(PhoneNumber.taxpayer_id == Taxpayer.id, PhoneNumber.is_primary))
        .where(CallListEntry.call_list_id == call_list.id, CallListEntry.status == "open",
               # A hold that arrived after listing (bankruptcy, deceased...) stops people calling too.
               ~exists().where(CaseHold.case_id == CallListEntry.case_id, CaseHold.released_at.is_(None),
                               CaseHold.hold != Hold.BAD_NUMBER.value))
    )
    callbacks = base.where(CallListEntry.callback_at.is_not(None), CallListEntry.callback_at <= now) \
        .order_by(CallListEntry.callback_at, CallListEntry.id)
    by_priority = base.where(available).order_by(*priority_order())
    verdicts: dict[tuple[str | None, str], bool] = {}
    outside_window = 0
    for query in (callbacks, by_priority):
        for batch in range(MAX_BATCHES):
            rows = session.execute(
                query.limit(BATCH).offset(batch * BATCH).with_for_update(skip_locked=True, of=CallListEntry)
            ).all()
            for entry_id, case_id, state, zones_text in rows:
                if needs_window and not _callable_now(verdicts, state, zones_text, now):
                    outside_window += 1
                    continue
                entry = _claim(session, entry_id, actor, now, claim_limit)
                if entry is not None:
                    audit.record(session, actor, "case_taken", "call_list_entry", entry_id, now, case_id=case_id,
                                 call_list=call_list.segment)
                    session.commit()
                    return Taken(entry)
            if len(rows) < BATCH:
                break
    session.commit()  # releases the row locks
    reason = ("no case on this list may be called at this hour (8:00-21:00 in every zone the taxpayer may be in)"
              if outside_window else "no case is waiting on this list")
    return Taken(None, reason)


def _callable_now(verdicts: dict[tuple[str | None, str], bool], state: str, zones_text: str | None,
                  now: dt.datetime) -> bool:
    """Whether a person may be called now, by the zones of their number and state (memoized per take)."""
    key = (zones_text, state)
    if key not in verdicts:
        zones = _possible_zones(zones_text, state)
        verdicts[key] = bool(zones) and HUMAN_CALL_WINDOW.allows(now, zones or ())
    return verdicts[key]


def _claim(session: Session, entry_id: int, actor: Actor, now: dt.datetime,
           claim_limit: dt.timedelta) -> CallListEntry | None:
    """Compare-and-set open -> claimed; the claimed entry, or None if someone else got it first."""
    return session.scalars(
        update(CallListEntry).where(CallListEntry.id == entry_id, CallListEntry.status == "open")
        .values(status="claimed", claimed_by=actor.name, claimed_at=now, claim_expires_at=now + claim_limit)
        .returning(CallListEntry).execution_options(populate_existing=True)
    ).first()


def _held_entry(session: Session, entry_id: int, actor: Actor) -> CallListEntry:
    """The entry, locked, if `actor` holds its claim (a supervisor may act on anyone's)."""
    entry = session.scalar(select(CallListEntry).where(CallListEntry.id == entry_id).with_for_update())
    if entry is None:
        raise LookupError(f"no call list entry {entry_id}")
    if entry.status != "claimed":
        raise EntryConflict(f"entry {entry_id} is {entry.status}, not claimed; take it from its list first")
    if entry.claimed_by != actor.name and not actor.can(Permission.MANAGE_LISTS):
        raise NotPermitted(f"entry {entry_id} is claimed by someone else")
    return entry


def record_disposition(session: Session, entry_id: int, disposition: Disposition | str, actor: Actor,
                       now: dt.datetime, callback_at: dt.datetime | None = None, note: str | None = None) -> CallListEntry:
    """Record how the call on a claimed case ended, and move the case on. Commits."""
    if not actor.can(Permission.WORK_LISTS):
        raise NotPermitted(f"a {actor.role} does not work call lists")
    try:
        disposition = Disposition(disposition)
    except ValueError:
        raise CallListError(f"disposition: must be one of {', '.join(d.value for d in Disposition)}") from None
    if (callback_at is not None) != (disposition is Disposition.CALLBACK_SCHEDULED):
        raise CallListError("callback_at: required with callback_scheduled, and only with it")
    if note is not None and len(note) > responses.NOTE_LIMIT:
        raise CallListError(f"note: at most {responses.NOTE_LIMIT} characters")
    entry = _held_entry(session, entry_id, actor)
    if callback_at is not None:
        _check_callback(session, entry.case_id, callback_at, now)
    effect = EFFECTS[disposition]
    if effect.response is not None:
        responses.record_in_transaction(session, entry.case_id, effect.response, actor, now, note)
    values: dict[str, object] = {"disposition": disposition.value, "claimed_by": None, "claimed_at": None,
                                 "claim_expires_at": None, "last_contact_at": now}
    if effect.next is Next.CLOSE:
        values.update(status="closed", closed_at=now)
    elif effect.next is Next.BACK_LATER:
        values.update(status="open", callback_at=callback_at, available_at=callback_at or now + NOT_REACHED_RETRY,
                      ever_reached=entry.ever_reached or disposition is Disposition.CALLBACK_SCHEDULED)
    else:
        values.update(status="open", callback_at=None, available_at=None, reason=EscalationReason.WRONG_NUMBER.value,
                      call_list_id=session.scalar(select(CallList.id).where(CallList.segment == Segment.BAD_NUMBER.value)))
        session.execute(update(PhoneNumber).where(
            PhoneNumber.taxpayer_id == select(Case.taxpayer_id).where(Case.id == entry.case_id).scalar_subquery(),
            PhoneNumber.is_primary, PhoneNumber.status == "active",
        ).values(status="bad", bad_reason="wrong number (representative)", marked_bad_at=now))
    session.execute(update(CallListEntry).where(CallListEntry.id == entry.id).values(**values))
    audit.record(session, actor, "disposition_recorded", "call_list_entry", entry.id, now, case_id=entry.case_id,
                 disposition=disposition.value, callback_at=callback_at, note=note)
    session.commit()
    return session.get(CallListEntry, entry.id, populate_existing=True)


def _check_callback(session: Session, case_id: int, callback_at: dt.datetime, now: dt.datetime) -> None:
    """Refuse a callback time in the past, too far ahead, or outside the taxpayer's calling window."""
    if callback_at.tzinfo is None:
        raise CallListError("callback_at: give a time zone offset (like 2026-11-25T15:00:00-05:00)")
    if callback_at <= now:
        raise CallListError("callback_at: must be in the future")
    if callback_at > now + CALLBACK_HORIZON:
        raise CallListError(f"callback_at: at most {CALLBACK_HORIZON.days} days ahead")
    zones = _zones(session, case_id)
    if not zones:
        raise CallbackOutsideWindow("callback_at: the taxpayer's time zone is unknown; a call cannot be scheduled",
                                    None)
    if not HUMAN_CALL_WINDOW.allows(callback_at, zones):
        allowed = HUMAN_CALL_WINDOW.next_opening(callback_at, zones)
        raise CallbackOutsideWindow(
            "callback_at: outside the taxpayer's calling window (8:00-21:00 local time, weekdays, in every zone "
            f"they may be in: {', '.join(sorted(zones))})", allowed)


def release(session: Session, entry_id: int, actor: Actor, now: dt.datetime) -> CallListEntry:
    """Give a claimed case back to its list untouched. Commits."""
    entry = _held_entry(session, entry_id, actor)
    session.execute(update(CallListEntry).where(CallListEntry.id == entry.id).values(
        status="open", claimed_by=None, claimed_at=None, claim_expires_at=None))
    audit.record(session, actor, "case_released", "call_list_entry", entry.id, now, case_id=entry.case_id,
                 claimed_by=entry.claimed_by)
    session.commit()
    return session.get(CallListEntry, entry.id, populate_existing=True)


def expire_claims(session: Session, now: dt.datetime) -> int:
    """Return claims left untouched past their limit to their lists, in the caller's transaction."""
    from contact_service.domain.access import SYSTEM

    expired = session.execute(
        update(CallListEntry).where(CallListEntry.status == "claimed", CallListEntry.claim_expires_at <= now)
        .values(status="open", claimed_by=None, claimed_at=None, claim_expires_at=None)
        .returning(CallListEntry.id, CallListEntry.case_id)
    ).all()
    audit.record_many(session, SYSTEM, "claim_expired", "call_list_entry", [tuple(row) for row in expired], now)
    return len(expired)
