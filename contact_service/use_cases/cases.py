"""Case actions: import a case file, record a response, take the call-centre platform's inbound-callback
report, resolve a report whose number matched several cases, correct or withdraw a response. Each authorizes,
acts, writes exactly one audit record and commits once; each returns plain data.

Acting on a case also asks the access policy whether the actor may see it: a case a representative may not
see is NotFound, as if it did not exist.

A case import is the one action that cannot be a single transaction (a million rows): its batches commit on
their own, as the case store writes them, and a failed batch leaves none of its rows. The import's audit
record goes into the transaction that records the run's summary (`finish_run`): a run without its summary is
a run that did not finish, and it has no audit record either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import BinaryIO

from contact_service.domain.access import Actor, Permission, authorize
from contact_service.domain.case_record import CaseRecord
from contact_service.domain.escalation import ResponseKind
from contact_service.domain.external_time import DEFAULT_SKEW
from contact_service.read import cases as read_cases
from contact_service.read.cases import ResponseRow
from contact_service.services import audit, case_import, import_runs, responses
from contact_service.services.case_import import CaseFileError, CaseWriter, ImportSummary, Rejection
from contact_service.services.case_visibility import check_case_visible
from contact_service.services.responses import InboundResult, Resolved
from contact_service.services.unit_of_work import UnitOfWork

__all__ = [
    "CaseFileError",
    "CaseWriter",
    "ImportSummary",
    "InboundResult",
    "Rejection",
    "Resolved",
    "correct_response",
    "import_cases",
    "record_inbound_callback",
    "record_response",
    "resolve_inbound_callback",
    "withdraw_response",
]


def import_cases(
    uow: UnitOfWork,
    actor: Actor,
    source: BinaryIO,
    store: CaseWriter,
    *,
    source_name: str,
    batch_size: int,
    batch_bytes: int = case_import.DEFAULT_BATCH_BYTES,
    workers: int = 1,
    on_rejection: Callable[[Rejection], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Validate a case file and upsert its good rows through `store`, batch by batch (of `batch_size` rows or
    `batch_bytes` of the file, whichever fills first); then record the run's summary and the one audit record,
    together. CaseFileError, before anything is written, if the file is unusable."""
    authorize(actor, Permission.IMPORT_CASES)
    return case_import.import_cases(
        source,
        _SummaryWithAudit(store, uow, actor, source_name),
        uow.clock,
        source_name=source_name,
        batch_size=batch_size,
        batch_bytes=batch_bytes,
        workers=workers,
        on_rejection=on_rejection,
        on_progress=on_progress,
    )


class _SummaryWithAudit:
    """The store's own transactions for the run's start and each batch; the run's summary and its audit
    record in the unit of work, committed once."""

    def __init__(self, store: CaseWriter, uow: UnitOfWork, actor: Actor, source_name: str) -> None:
        self._store, self._uow, self._actor, self._source_name = store, uow, actor, source_name

    def start_run(self, source_name: str, now: dt.datetime) -> int:
        return self._store.start_run(source_name, now)

    def upsert(self, records: list[CaseRecord], now: dt.datetime) -> None:
        self._store.upsert(records, now)

    def finish_run(self, run_id: int, rows_read: int, rows_imported: int, rows_rejected: int, now: dt.datetime) -> None:
        with self._uow as uow:
            import_runs.finish_run(uow.session, run_id, rows_read, rows_imported, rows_rejected, uow.now)
            audit.record(
                uow.session,
                self._actor,
                "cases_imported",
                "import_run",
                run_id,
                uow.now,
                source=self._source_name,
                rows_read=rows_read,
                rows_imported=rows_imported,
                rows_rejected=rows_rejected,
            )
            uow.commit()


def record_response(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    kind: ResponseKind | str,
    responded_at: dt.datetime | None = None,
    note: str | None = None,
    *,
    skew: dt.timedelta = DEFAULT_SKEW,
) -> ResponseRow:
    """Record that the taxpayer responded (default: now); stops the case's automated calls at once and closes
    its waiting call-list entries. NotFound for an unknown case (or one the actor may not see), Invalid naming
    the field at fault (a time ahead of the clock beyond `skew`, or before the case was imported)."""
    authorize(actor, Permission.RECORD_RESPONSES)
    with uow:
        check_case_visible(uow.session, actor, case_id, uow.now)
        recorded = responses.record_response(uow.session, case_id, kind, responded_at, actor, uow.now, note, skew)
        [response_id] = recorded.response_ids
        row = read_cases.response(uow.session, response_id)
        audit.record(
            uow.session,
            actor,
            "response_recorded",
            "case_response",
            response_id,
            uow.now,
            case_id=case_id,
            kind=row.kind,
            responded_at=row.responded_at,
            entries_closed=list(recorded.closed_entry_ids),
        )
        uow.commit()
        return row


def record_inbound_callback(
    uow: UnitOfWork,
    actor: Actor,
    caller: str,
    called_at: dt.datetime,
    call_id: str | None,
    *,
    skew: dt.timedelta = DEFAULT_SKEW,
) -> InboundResult:
    """Log the platform's report that someone called the official line; a number that matches one open case
    marks it responded, one that matches several records nothing and waits for a supervisor's resolution.
    Invalid("called_at") for a time out of bounds. A report seen before changes nothing and leaves no audit
    record: the platform retrying a delivery is not a second action."""
    authorize(actor, Permission.RECORD_RESPONSES)
    with uow:
        result = responses.record_inbound_callback(uow.session, caller, called_at, call_id, actor, uow.now, skew)
        if result.duplicate:
            return result
        audit.record(
            uow.session,
            actor,
            "inbound_callback_recorded",
            "inbound_callback",
            result.callback_id,
            uow.now,
            case_id=result.case_ids[0] if len(result.case_ids) == 1 else None,
            match=result.status.value,
            called_at=called_at,
            cases=list(result.case_ids),
            responses=list(result.recorded.response_ids),
            entries_closed=list(result.recorded.closed_entry_ids),
        )
        uow.commit()
        return result


def resolve_inbound_callback(uow: UnitOfWork, actor: Actor, callback_id: int, case_ids: list[int]) -> Resolved:
    """A supervisor says which of the cases an ambiguous callback's number matched the caller was about: one,
    several or none. Only now are responses recorded (and those cases' automated calls stopped)."""
    authorize(actor, Permission.REVIEW_RESPONSES)
    with uow:
        resolved = responses.resolve_inbound_callback(uow.session, callback_id, case_ids, actor, uow.now)
        audit.record(
            uow.session,
            actor,
            "inbound_callback_resolved",
            "inbound_callback",
            callback_id,
            uow.now,
            case_id=resolved.case_ids[0] if len(resolved.case_ids) == 1 else None,
            cases=list(resolved.case_ids),
            candidates=list(resolved.candidates),
            responses=list(resolved.recorded.response_ids),
            entries_closed=list(resolved.recorded.closed_entry_ids),
        )
        uow.commit()
        return resolved


def correct_response(
    uow: UnitOfWork,
    actor: Actor,
    response_id: int,
    responded_at: dt.datetime,
    reason: str,
    *,
    skew: dt.timedelta = DEFAULT_SKEW,
) -> ResponseRow:
    """A supervisor corrects when a response happened (a mistyped or impossible time); the case's latest
    response follows. Invalid("responded_at") out of bounds, Invalid("reason") without a reason."""
    authorize(actor, Permission.REVIEW_RESPONSES)
    why = responses.check_reason(reason)
    with uow:
        amended = responses.correct_response(uow.session, response_id, responded_at, uow.now, skew)
        audit.record(
            uow.session,
            actor,
            "response_corrected",
            "case_response",
            response_id,
            uow.now,
            case_id=amended.case_id,
            reason=why,
            responded_at_before=amended.responded_at_before,
            responded_at_after=amended.responded_at_after,
            last_response_before=amended.last_response_before,
            last_response_after=amended.last_response_after,
        )
        row = read_cases.response(uow.session, response_id)
        uow.commit()
        return row


def withdraw_response(uow: UnitOfWork, actor: Actor, response_id: int, reason: str) -> ResponseRow:
    """A supervisor withdraws a response that should not count (a false report, the wrong case): the case is
    treated as not responded by later campaigns and the sweep. Invalid("reason") without a reason."""
    authorize(actor, Permission.REVIEW_RESPONSES)
    why = responses.check_reason(reason)
    with uow:
        amended = responses.withdraw_response(uow.session, response_id, actor, uow.now)
        audit.record(
            uow.session,
            actor,
            "response_withdrawn",
            "case_response",
            response_id,
            uow.now,
            case_id=amended.case_id,
            reason=why,
            responded_at=amended.responded_at_before,
            last_response_before=amended.last_response_before,
            last_response_after=amended.last_response_after,
            campaigns_reopened=list(amended.campaigns_reopened),
            entries_reopened=list(amended.entries_reopened),
        )
        row = read_cases.response(uow.session, response_id)
        uow.commit()
        return row
