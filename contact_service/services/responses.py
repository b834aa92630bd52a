"""Responses: a taxpayer called the official line, paid, asked for an agreement or offer, disputed, or was
reached by a representative. A response stops the case's automated calls at once and keeps it off the
call lists the escalation sweep would otherwise put it on.

Every time that comes from outside is held to `domain.external_time` (not ahead of the clock by more than the
allowed skew, not before the floor, a response not before its case was imported). A caller number that
matches several open cases records nothing on its own: the report waits for a supervisor's resolution. A
supervisor may correct a response's time or withdraw it; the case's `last_response_at` is then recomputed from
the responses that still count, so later campaigns and the sweep see the case as it really stands.

Everything here works in the caller's transaction: it flushes, never commits, and writes no audit record (the
use case that called it writes the one record of its action, with what `Recorded` says changed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case as sql_case
from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contact_service.adapters.db.escalation_models import (
    CallListEntry,
    CaseResponse,
    InboundCallback,
    InboundCallbackMatch,
)
from contact_service.adapters.db.models import CallAttempt, CampaignCase, Case, PhoneNumber
from contact_service.domain import external_time
from contact_service.domain.access import Actor
from contact_service.domain.errors import Conflict, Invalid, NotFound
from contact_service.domain.escalation import ResponseKind
from contact_service.domain.phone import normalize_caller
from contact_service.domain.states import NOT_YET_DIALLED, AttemptState, CallbackMatch, CampaignCaseState, EntryStatus

NOTE_LIMIT = 500
REASON_LIMIT = 500
MAX_RESOLVED_CASES = 100  # a resolution names cases among those the number matched; more is not a request


@dataclass(frozen=True)
class Recorded:
    """What recording responses changed: the new responses, and the call-list entries waiting on those cases
    that were closed because a response makes a call needless."""

    response_ids: tuple[int, ...]
    closed_entry_ids: tuple[int, ...]


@dataclass(frozen=True)
class InboundResult:
    """What an inbound callback report matched: matched (one case: a response recorded), ambiguous (several:
    nothing recorded, waiting for a supervisor's resolution), unmatched or invalid_number (logged only).
    `case_ids` are the cases the number matched. `duplicate` when the report was seen before (then nothing
    changed)."""

    callback_id: int
    status: CallbackMatch
    case_ids: tuple[int, ...]
    duplicate: bool = False
    recorded: Recorded = Recorded((), ())


@dataclass(frozen=True)
class Resolved:
    """A supervisor's resolution of an inbound callback: the cases it was about, and what recording their
    responses changed."""

    callback_id: int
    case_ids: tuple[int, ...]
    candidates: tuple[int, ...]
    recorded: Recorded


@dataclass(frozen=True)
class Amended:
    """A corrected or withdrawn response: its case, its time before and after, the case's latest response
    before and after, and (withdrawn) the campaign cases and call-list entries it had closed, now reopened."""

    response_id: int
    case_id: int
    responded_at_before: dt.datetime
    responded_at_after: dt.datetime
    last_response_before: dt.datetime | None
    last_response_after: dt.datetime | None
    campaigns_reopened: tuple[int, ...] = ()
    entries_reopened: tuple[int, ...] = ()


def parse_kind(kind: ResponseKind | str) -> ResponseKind:
    """The response kind named by `kind`; Invalid("kind") if there is none of that name."""
    try:
        return ResponseKind(kind)
    except ValueError:
        raise Invalid("kind", f"must be one of {', '.join(k.value for k in ResponseKind)}") from None


def check_note(note: str | None) -> None:
    """Invalid("note") when a note is longer than a response keeps."""
    if note is not None and len(note) > NOTE_LIMIT:
        raise Invalid("note", f"at most {NOTE_LIMIT} characters")


def check_reason(reason: str) -> str:
    """The supervisor's reason for amending a response, trimmed; Invalid("reason") if empty or too long."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > REASON_LIMIT:
        raise Invalid("reason", f"say why, in 1 to {REASON_LIMIT} characters")
    return text


def record_inbound_callback(
    session: Session,
    caller: str,
    called_at: dt.datetime,
    call_id: str | None,
    actor: Actor,
    now: dt.datetime,
    skew: dt.timedelta = external_time.DEFAULT_SKEW,
) -> InboundResult:
    """Log a report that someone called the official line and match the caller to open cases. Flushes.

    Invalid("called_at") for a time ahead of the clock (beyond `skew`) or before the floor: such a report is
    refused whole. One match records a response; several record nothing and wait for review. A report sent
    twice (same call id, or same caller and time) is stored once and changes nothing."""
    called_at = external_time.past_time("called_at", called_at, now, skew=skew)
    e164 = normalize_caller(caller)
    dedup_key = f"call:{call_id}" if call_id else f"caller:{e164 or caller.strip()}@{called_at.isoformat()}"
    seen = session.scalar(select(InboundCallback).where(InboundCallback.dedup_key == dedup_key))
    if seen is not None:
        return _result_of(session, seen)
    case_ids: list[int] = []
    if e164 is not None:
        case_ids = list(
            session.scalars(
                select(Case.id)
                .join(PhoneNumber, PhoneNumber.taxpayer_id == Case.taxpayer_id)
                .where(PhoneNumber.e164 == e164, Case.balance_cents > 0)
                .distinct()
                .order_by(Case.id)
            )
        )
    status = _match_of(e164, case_ids)
    try:
        with session.begin_nested():
            callback_id = session.execute(
                insert(InboundCallback)
                .values(
                    dedup_key=dedup_key[:200],
                    caller_raw=caller.strip()[:64],
                    caller_e164=e164,
                    called_at=called_at,
                    received_at=now,
                    match_status=status.value,
                    cases_matched=len(case_ids),
                )
                .returning(InboundCallback.id)
            ).scalar_one()
    except IntegrityError:  # the same report, arriving concurrently: the other request records it
        seen = session.scalar(select(InboundCallback).where(InboundCallback.dedup_key == dedup_key))
        if seen is None:
            raise
        return _result_of(session, seen)
    if case_ids:
        session.execute(
            insert(InboundCallbackMatch), [{"inbound_callback_id": callback_id, "case_id": c} for c in case_ids]
        )
    recorded = Recorded((), ())
    if status is CallbackMatch.MATCHED:
        # One number, one case: it responded. Several: a switchboard or a shared line must not stop anyone's
        # calls on its own word; the report waits for a supervisor (resolve_inbound_callback).
        recorded = _record(
            session,
            case_ids,
            ResponseKind.CALLBACK,
            called_at,
            actor,
            now,
            inbound_callback_id=callback_id,
            needs_review=False,
            note=None,
        )
    session.flush()
    return InboundResult(callback_id, status, tuple(case_ids), recorded=recorded)


def _match_of(e164: str | None, case_ids: list[int]) -> CallbackMatch:
    if e164 is None:
        return CallbackMatch.INVALID_NUMBER
    if not case_ids:
        return CallbackMatch.UNMATCHED
    return CallbackMatch.MATCHED if len(case_ids) == 1 else CallbackMatch.AMBIGUOUS


def _result_of(session: Session, callback: InboundCallback) -> InboundResult:
    return InboundResult(
        callback.id, CallbackMatch(callback.match_status), _candidates(session, callback.id), duplicate=True
    )


def _candidates(session: Session, callback_id: int) -> tuple[int, ...]:
    return tuple(
        session.scalars(
            select(InboundCallbackMatch.case_id)
            .where(InboundCallbackMatch.inbound_callback_id == callback_id)
            .order_by(InboundCallbackMatch.case_id)
        )
    )


def resolve_inbound_callback(
    session: Session, callback_id: int, case_ids: list[int], actor: Actor, now: dt.datetime
) -> Resolved:
    """Say which of the cases an ambiguous callback's number matched the caller was about (one, several or
    none), and record a callback response on each, at the time of the call. Flushes.

    NotFound for no such callback; Conflict when it matched one case or none (nothing to resolve) or was
    resolved already; Invalid("case_ids") for a case that is not one of its candidates."""
    callback = session.scalar(select(InboundCallback).where(InboundCallback.id == callback_id).with_for_update())
    if callback is None:
        raise NotFound("inbound callback", callback_id)
    if callback.match_status != CallbackMatch.AMBIGUOUS.value:
        raise Conflict(
            f"inbound callback {callback_id} is {callback.match_status}; only an ambiguous one waits for review"
        )
    if callback.resolved_at is not None:
        raise Conflict(
            f"inbound callback {callback_id} was resolved by {callback.resolved_by} "
            f"at {callback.resolved_at.isoformat(timespec='seconds')}"
        )
    if len(case_ids) > MAX_RESOLVED_CASES:
        raise Invalid("case_ids", f"at most {MAX_RESOLVED_CASES} cases")
    chosen = sorted(set(case_ids))
    candidates = _candidates(session, callback_id)
    strangers = [case_id for case_id in chosen if case_id not in candidates]
    if strangers:
        raise Invalid(
            "case_ids",
            f"case {strangers[0]} is not one this number matched ({', '.join(str(c) for c in candidates)})",
        )
    recorded = Recorded((), ())
    if chosen:
        recorded = _record(
            session,
            chosen,
            ResponseKind.CALLBACK,
            callback.called_at,
            actor,
            now,
            inbound_callback_id=callback_id,
            needs_review=False,
            note=None,
        )
    callback.resolved_at, callback.resolved_by = now, actor.name
    session.flush()
    return Resolved(callback_id, tuple(chosen), candidates, recorded)


def record_response(
    session: Session,
    case_id: int,
    kind: ResponseKind | str,
    responded_at: dt.datetime | None,
    actor: Actor,
    now: dt.datetime,
    note: str | None = None,
    skew: dt.timedelta = external_time.DEFAULT_SKEW,
) -> Recorded:
    """Record a response on one case (by an operator, a representative or a system). Flushes.

    NotFound when there is no such case; Invalid naming the field for a bad kind, note or time (ahead of the
    clock beyond `skew`, before the floor, or before the case was imported)."""
    imported_at = session.scalar(select(Case.created_at).where(Case.id == case_id))
    if imported_at is None:
        raise NotFound("case", case_id)
    response_kind = parse_kind(kind)
    check_note(note)
    responded_at = _response_time(responded_at or now, imported_at, now, skew)
    return _record(session, [case_id], response_kind, responded_at, actor, now, None, False, note)


def _response_time(
    responded_at: dt.datetime, imported_at: dt.datetime, now: dt.datetime, skew: dt.timedelta
) -> dt.datetime:
    return external_time.past_time(
        "responded_at",
        responded_at,
        now,
        skew=skew,
        not_before=imported_at,
        not_before_reason=f"the case was imported ({imported_at.isoformat(timespec='seconds')})",
    )


def correct_response(
    session: Session,
    response_id: int,
    responded_at: dt.datetime,
    now: dt.datetime,
    skew: dt.timedelta = external_time.DEFAULT_SKEW,
) -> Amended:
    """Set a response's time to `responded_at` (held to the same bounds as when it is recorded) and recompute
    the case's latest response. Flushes. NotFound, Conflict for a withdrawn response, Invalid("responded_at")."""
    response, imported_at = _response_for_update(session, response_id)
    if response.withdrawn_at is not None:
        raise Conflict(f"response {response_id} was withdrawn; a withdrawn response is not corrected")
    corrected = _response_time(responded_at, imported_at, now, skew)
    before, last_before = response.responded_at, _last_response(session, response.case_id)
    response.responded_at = corrected
    session.flush()
    last_after = _recompute_last_response(session, response.case_id)
    return Amended(response.id, response.case_id, before, corrected, last_before, last_after)


def withdraw_response(session: Session, response_id: int, actor: Actor, now: dt.datetime) -> Amended:
    """Withdraw a response: it no longer counts. The case's latest response is recomputed from the others, and
    what the response itself closed is reopened: the campaign cases it ended (as `exhausted`, since their calls
    were stopped and are not replayed: the sweep lists them for a representative) and the call-list entries it
    closed (open again, unless the case has another entry open by now). Flushes. NotFound, Conflict if it was
    withdrawn already."""
    response, _ = _response_for_update(session, response_id)
    if response.withdrawn_at is not None:
        raise Conflict(
            f"response {response_id} was withdrawn by {response.withdrawn_by} "
            f"at {response.withdrawn_at.isoformat(timespec='seconds')}"
        )
    last_before = _last_response(session, response.case_id)
    response.withdrawn_at, response.withdrawn_by = now, actor.name
    session.flush()
    last_after = _recompute_last_response(session, response.case_id)
    # What this response closed was closed in its own transaction, at the moment it was recorded.
    campaigns = session.scalars(
        update(CampaignCase)
        .where(
            CampaignCase.case_id == response.case_id,
            CampaignCase.state == CampaignCaseState.RESPONDED.value,
            CampaignCase.closed_at == response.recorded_at,
        )
        .values(state=CampaignCaseState.EXHAUSTED.value)
        .returning(CampaignCase.campaign_id)
    ).all()
    entries: list[int] = []
    still_open = session.scalar(
        select(
            exists().where(CallListEntry.case_id == response.case_id, CallListEntry.status != EntryStatus.CLOSED.value)
        )
    )
    closed_by_it = session.scalar(
        select(CallListEntry.id)
        .where(
            CallListEntry.case_id == response.case_id,
            CallListEntry.status == EntryStatus.CLOSED.value,
            CallListEntry.closed_at == response.recorded_at,
        )
        .order_by(CallListEntry.id.desc())
        .limit(1)
    )
    if closed_by_it is not None and not still_open:
        try:
            with session.begin_nested():
                session.execute(
                    update(CallListEntry)
                    .where(CallListEntry.id == closed_by_it)
                    .values(status=EntryStatus.OPEN.value, closed_at=None, available_at=None, callback_at=None)
                )
            entries.append(closed_by_it)
        except IntegrityError:  # a sweep listed the case again meanwhile: that entry is the one to work
            pass
    session.flush()
    return Amended(
        response.id,
        response.case_id,
        response.responded_at,
        response.responded_at,
        last_before,
        last_after,
        tuple(sorted(campaigns)),
        tuple(entries),
    )


def _response_for_update(session: Session, response_id: int) -> tuple[CaseResponse, dt.datetime]:
    """The response, locked (two supervisors amending it at once take turns), and its case's import time."""
    found = session.execute(
        select(CaseResponse, Case.created_at)
        .join(Case, Case.id == CaseResponse.case_id)
        .where(CaseResponse.id == response_id)
        .with_for_update(of=CaseResponse)
    ).first()
    if found is None:
        raise NotFound("response", response_id)
    return found[0], found[1]


def _last_response(session: Session, case_id: int) -> dt.datetime | None:
    return session.scalar(select(Case.last_response_at).where(Case.id == case_id))


def _recompute_last_response(session: Session, case_id: int) -> dt.datetime | None:
    """The case's latest response is the latest of those that still count (None when none does)."""
    latest = (
        select(func.max(CaseResponse.responded_at))
        .where(CaseResponse.case_id == case_id, CaseResponse.withdrawn_at.is_(None))
        .scalar_subquery()
    )
    session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(last_response_at=latest)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return _last_response(session, case_id)


def record_in_transaction(
    session: Session, case_id: int, kind: ResponseKind, actor: Actor, now: dt.datetime, note: str | None = None
) -> int:
    """Record a response inside the caller's transaction (a representative's disposition); returns its id.
    Flushes; the caller's own audit record covers it."""
    [response_id] = _record(session, [case_id], kind, now, actor, now, None, False, note).response_ids
    return response_id


def _record(
    session: Session,
    case_ids: list[int],
    kind: ResponseKind,
    responded_at: dt.datetime,
    actor: Actor,
    now: dt.datetime,
    inbound_callback_id: int | None,
    needs_review: bool,
    note: str | None,
) -> Recorded:
    """Store the responses and stop automated calls to the cases, in the caller's transaction."""
    ids = tuple(
        session.scalars(
            insert(CaseResponse).returning(CaseResponse.id),
            [
                {
                    "case_id": case_id,
                    "kind": kind.value,
                    "responded_at": responded_at,
                    "recorded_at": now,
                    "recorded_by": actor.name,
                    "inbound_callback_id": inbound_callback_id,
                    "needs_review": needs_review,
                    "note": note,
                }
                for case_id in case_ids
            ],
        )
    )
    session.execute(
        update(Case)
        .where(Case.id.in_(case_ids))
        .values(
            last_response_at=sql_case((Case.last_response_at > responded_at, Case.last_response_at), else_=responded_at)
        )
    )
    # Calls not yet placed are cancelled now; one a dial job already claimed is stopped by its check again.
    session.execute(
        update(CallAttempt)
        .where(CallAttempt.case_id.in_(case_ids), CallAttempt.state.in_([s.value for s in NOT_YET_DIALLED]))
        .values(state=AttemptState.CANCELLED.value, queued_at=None)
    )
    session.execute(
        update(CampaignCase)
        .where(CampaignCase.case_id.in_(case_ids), CampaignCase.state == CampaignCaseState.ACTIVE.value)
        .values(state=CampaignCaseState.RESPONDED.value, closed_at=now)
    )
    # A case waiting on a call list needs no call now; one a representative holds is theirs to close.
    closed = session.scalars(
        update(CallListEntry)
        .where(CallListEntry.case_id.in_(case_ids), CallListEntry.status == EntryStatus.OPEN.value)
        .values(status=EntryStatus.CLOSED.value, closed_at=now)
        .returning(CallListEntry.id)
    ).all()
    session.flush()
    return Recorded(ids, tuple(sorted(closed)))
