"""A representative's work on a call list: take the next case, record a disposition, release it; claims expire.

Taking is atomic: on PostgreSQL the candidates are read `FOR UPDATE SKIP LOCKED`, so two representatives
asking at once lock different rows and never get the same case; on SQLite every write transaction begins
IMMEDIATE (one writer at a time), which gives the same guarantee. The claim itself is also a compare-and-set
on the entry's status. A case is handed out only while it may be called (8:00-21:00 in every zone the
taxpayer may be in, weekdays); research lists (bad numbers) call nobody and are not held to the window.

Functions here only flush; the use case that calls them authorizes, writes the audit record and commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import CallList, CallListEntry
from contact_service.adapters.db.models import Case, CaseHold, PhoneNumber, Taxpayer
from contact_service.domain import external_time
from contact_service.domain.access import Actor, may_see_entry, may_work_claim, why_claim_cannot_be_disposed
from contact_service.domain.call_work import EFFECTS, NOT_REACHED_RETRY, Disposition, Next
from contact_service.domain.calling_window import CallingWindow
from contact_service.domain.cases import Hold
from contact_service.domain.errors import Conflict, Forbidden, Invalid, NotFound, NothingToDo, OutsideCallingWindow
from contact_service.domain.escalation import EscalationReason, ResponseKind, Segment
from contact_service.domain.phone import decode_zones, possible_time_zones
from contact_service.domain.states import EntryStatus, PhoneStatus
from contact_service.services import responses
from contact_service.services.call_lists import list_id_of, priority_order
from contact_service.services.case_visibility import assigned_list_ids, entry_facts

BATCH = 8
MAX_BATCHES = 64  # look this deep for a case callable now before saying there is none
CALLBACK_HORIZON = dt.timedelta(days=30)
HUMAN_CALL_WINDOW = CallingWindow(call_allowance=dt.timedelta(minutes=15))  # a person's call runs longer
NOTHING_WAITING = "no case is waiting on this list"
NOTHING_CALLABLE = "no case on this list may be called at this hour (8:00-21:00 in every zone the taxpayer may be in)"


@dataclass(frozen=True)
class Claim:
    """A case handed to a representative: the claimed entry and the case's number and balance now."""

    entry: CallListEntry
    case_number: str
    case_balance_cents: int


@dataclass(frozen=True)
class Disposed:
    """What a disposition did: the entry afterwards, the response it recorded, where the entry went."""

    entry: CallListEntry
    previous_claimant: str | None
    response_kind: ResponseKind | None
    response_id: int | None
    next: Next
    numbers_marked_bad: int


@dataclass(frozen=True)
class ExpiredClaim:
    """A claim left untouched past its limit and returned to its list."""

    entry_id: int
    case_id: int
    claimed_by: str | None


def _possible_zones(zones_text: str | None, state: str) -> frozenset[str] | None:
    """Every zone the taxpayer may be in: the primary number's and the state's (None when unknown)."""
    return possible_time_zones(decode_zones(zones_text) if zones_text is not None else None, state)


def _zones(session: Session, case_id: int) -> frozenset[str] | None:
    row = session.execute(
        select(Taxpayer.state, PhoneNumber.zones)
        .select_from(Case)
        .join(Taxpayer, Taxpayer.id == Case.taxpayer_id)
        .outerjoin(PhoneNumber, and_(PhoneNumber.taxpayer_id == Taxpayer.id, PhoneNumber.is_primary))
        .where(Case.id == case_id)
    ).first()
    return None if row is None else _possible_zones(row.zones, row.state)


def take_next(
    session: Session, call_list: CallList, actor: Actor, now: dt.datetime, claim_limit: dt.timedelta
) -> Claim:
    """Claim the most urgent case on the list that may be called now: due callbacks first, then priority.

    NothingToDo (saying why) when there is none; the caller then rolls back, which releases the row locks."""
    needs_window = call_list.segment != Segment.BAD_NUMBER.value
    available = or_(CallListEntry.available_at.is_(None), CallListEntry.available_at <= now)
    # Each candidate comes with the zones the taxpayer may be in, so the window check needs no more queries.
    base = (
        select(CallListEntry.id, Taxpayer.state, PhoneNumber.zones, Case.case_number, Case.balance_cents)
        .join(Case, Case.id == CallListEntry.case_id)
        .join(Taxpayer, Taxpayer.id == Case.taxpayer_id)
        .outerjoin(PhoneNumber, and_(PhoneNumber.taxpayer_id == Taxpayer.id, PhoneNumber.is_primary))
        .where(
            CallListEntry.call_list_id == call_list.id,
            CallListEntry.status == EntryStatus.OPEN.value,
            # A hold that arrived after listing (bankruptcy, deceased...) stops people calling too.
            ~exists().where(
                CaseHold.case_id == CallListEntry.case_id,
                CaseHold.released_at.is_(None),
                CaseHold.hold != Hold.BAD_NUMBER.value,
            ),
        )
    )
    callbacks = base.where(CallListEntry.callback_at.is_not(None), CallListEntry.callback_at <= now).order_by(
        CallListEntry.callback_at, CallListEntry.id
    )
    by_priority = base.where(available).order_by(*priority_order())
    verdicts: dict[tuple[str | None, str], bool] = {}
    outside_window = 0
    for query in (callbacks, by_priority):
        for batch in range(MAX_BATCHES):
            rows = session.execute(
                query.limit(BATCH).offset(batch * BATCH).with_for_update(skip_locked=True, of=CallListEntry)
            ).all()
            for entry_id, state, zones_text, case_number, balance_cents in rows:
                if needs_window and not _callable_now(verdicts, state, zones_text, now):
                    outside_window += 1
                    continue
                entry = _claim(session, entry_id, actor, now, claim_limit)
                if entry is not None:
                    return Claim(entry, case_number, balance_cents)
            if len(rows) < BATCH:
                break
    raise NothingToDo(NOTHING_CALLABLE if outside_window else NOTHING_WAITING)


def _callable_now(
    verdicts: dict[tuple[str | None, str], bool], state: str, zones_text: str | None, now: dt.datetime
) -> bool:
    """Whether a person may be called now, by the zones of their number and state (memoized per take)."""
    key = (zones_text, state)
    if key not in verdicts:
        zones = _possible_zones(zones_text, state)
        verdicts[key] = bool(zones) and HUMAN_CALL_WINDOW.allows(now, zones or ())
    return verdicts[key]


def _claim(
    session: Session, entry_id: int, actor: Actor, now: dt.datetime, claim_limit: dt.timedelta
) -> CallListEntry | None:
    """Compare-and-set open -> claimed; the claimed entry, or None if someone else got it first."""
    return session.scalars(
        update(CallListEntry)
        .where(CallListEntry.id == entry_id, CallListEntry.status == EntryStatus.OPEN.value)
        .values(
            status=EntryStatus.CLAIMED.value,
            claimed_by=actor.name,
            claimed_at=now,
            claim_expires_at=now + claim_limit,
        )
        .returning(CallListEntry)
        .execution_options(populate_existing=True)
    ).first()


def held_entry(session: Session, entry_id: int, actor: Actor, now: dt.datetime, *, disposing: bool) -> CallListEntry:
    """The entry, locked, if `actor` may act on its claim (domain.access): NotFound if she may not see it (an
    entry on a list not assigned to her, that she does not hold, does not exist for her), Conflict if it is
    not claimed, Forbidden if someone else holds it; and for a disposition, Conflict if the claim ran out or
    her list was unassigned since she took it (she may still release it)."""
    entry = session.scalar(select(CallListEntry).where(CallListEntry.id == entry_id).with_for_update())
    if entry is None:
        raise NotFound("call list entry", entry_id)
    facts, assigned = entry_facts(entry), assigned_list_ids(session, actor)
    if not may_see_entry(actor, facts, assigned, now):
        raise NotFound("call list entry", entry_id)
    if entry.status != EntryStatus.CLAIMED.value:
        raise Conflict(f"entry {entry_id} is {entry.status}, not claimed; take it from its list first")
    if not may_work_claim(actor, entry.claimed_by):
        raise Forbidden(f"entry {entry_id} is claimed by someone else")
    refusal = why_claim_cannot_be_disposed(actor, facts, assigned, now) if disposing else None
    if refusal is not None:
        raise Conflict(f"entry {entry_id}: {refusal}")
    return entry


def parse_disposition(disposition: Disposition | str, callback_at: dt.datetime | None, note: str | None) -> Disposition:
    """The disposition, once its arguments fit together (a callback time with callback_scheduled only)."""
    try:
        parsed = Disposition(disposition)
    except ValueError:
        raise Invalid("disposition", f"must be one of {', '.join(d.value for d in Disposition)}") from None
    if (callback_at is not None) != (parsed is Disposition.CALLBACK_SCHEDULED):
        raise Invalid("callback_at", "required with callback_scheduled, and only with it")
    if note is not None and len(note) > responses.NOTE_LIMIT:
        raise Invalid("note", f"at most {responses.NOTE_LIMIT} characters")
    return parsed


def record_disposition(
    session: Session,
    entry_id: int,
    disposition: Disposition | str,
    actor: Actor,
    now: dt.datetime,
    callback_at: dt.datetime | None = None,
    note: str | None = None,
) -> Disposed:
    """Record how the call on a claimed case ended, and move the case on (closed, back later, or research)."""
    parsed = parse_disposition(disposition, callback_at, note)
    entry = held_entry(session, entry_id, actor, now, disposing=True)
    if callback_at is not None:
        check_callback(session, entry.case_id, callback_at, now)
    effect = EFFECTS[parsed]
    response_id = None
    if effect.response is not None:
        response_id = responses.record_in_transaction(session, entry.case_id, effect.response, actor, now, note)
    previous_claimant = entry.claimed_by
    entry.disposition = parsed.value
    entry.claimed_by = entry.claimed_at = entry.claim_expires_at = None
    entry.last_contact_at = now
    marked_bad = 0
    if effect.next is Next.CLOSE:
        entry.status, entry.closed_at = EntryStatus.CLOSED.value, now
    elif effect.next is Next.BACK_LATER:
        entry.status = EntryStatus.OPEN.value
        entry.callback_at = callback_at
        entry.available_at = callback_at or now + NOT_REACHED_RETRY
        entry.ever_reached = entry.ever_reached or parsed is Disposition.CALLBACK_SCHEDULED
    else:
        entry.status = EntryStatus.OPEN.value
        entry.callback_at = entry.available_at = None
        entry.reason = EscalationReason.WRONG_NUMBER.value
        entry.call_list_id = list_id_of(session, Segment.BAD_NUMBER)
        marked_bad = mark_primary_number_bad(session, entry.case_id, now)
    session.flush()
    return Disposed(entry, previous_claimant, effect.response, response_id, effect.next, marked_bad)


def mark_primary_number_bad(session: Session, case_id: int, now: dt.datetime) -> int:
    """A representative found the taxpayer's primary number wrong: no one calls it again. How many changed."""
    changed = session.execute(
        update(PhoneNumber)
        .where(
            PhoneNumber.taxpayer_id == select(Case.taxpayer_id).where(Case.id == case_id).scalar_subquery(),
            PhoneNumber.is_primary,
            PhoneNumber.status == PhoneStatus.ACTIVE.value,
        )
        .values(status=PhoneStatus.BAD.value, bad_reason="wrong number (representative)", marked_bad_at=now)
        .returning(PhoneNumber.id)
    ).all()
    return len(changed)


def check_callback(session: Session, case_id: int, callback_at: dt.datetime, now: dt.datetime) -> None:
    """Refuse a callback time in the past, too far ahead (domain.external_time), or outside the taxpayer's
    calling window."""
    external_time.future_time("callback_at", callback_at, now, horizon=CALLBACK_HORIZON)
    zones = _zones(session, case_id)
    if not zones:
        raise OutsideCallingWindow(
            "callback_at", "the taxpayer's time zone is unknown; a call cannot be scheduled", None
        )
    if not HUMAN_CALL_WINDOW.allows(callback_at, zones):
        raise OutsideCallingWindow(
            "callback_at",
            "outside the taxpayer's calling window (8:00-21:00 local time, weekdays, in every zone "
            f"they may be in: {', '.join(sorted(zones))})",
            HUMAN_CALL_WINDOW.next_opening(callback_at, zones),
        )


def release(session: Session, entry_id: int, actor: Actor, now: dt.datetime) -> tuple[CallListEntry, str | None]:
    """Give a claimed case back to its list untouched; the entry and who held it."""
    entry = held_entry(session, entry_id, actor, now, disposing=False)
    previous_claimant = entry.claimed_by
    entry.status = EntryStatus.OPEN.value
    entry.claimed_by = entry.claimed_at = entry.claim_expires_at = None
    session.flush()
    return entry, previous_claimant


def expire_claims(session: Session, now: dt.datetime) -> list[ExpiredClaim]:
    """Return claims left untouched past their limit to their lists; which ones, and who held them."""
    stale = session.execute(
        select(CallListEntry.id, CallListEntry.case_id, CallListEntry.claimed_by)
        .where(CallListEntry.status == EntryStatus.CLAIMED.value, CallListEntry.claim_expires_at <= now)
        .order_by(CallListEntry.id)
        .with_for_update()  # one being disposed of right now is re-checked once its disposition commits
    ).all()
    if not stale:
        return []
    session.execute(
        update(CallListEntry)
        .where(CallListEntry.id.in_([row.id for row in stale]), CallListEntry.status == EntryStatus.CLAIMED.value)
        .values(status=EntryStatus.OPEN.value, claimed_by=None, claimed_at=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return [ExpiredClaim(row.id, row.case_id, row.claimed_by) for row in stale]
