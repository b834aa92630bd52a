"""Case actions: import a case file, record a response, take the call-centre platform's inbound-callback
report. Each authorizes, acts, writes exactly one audit record and commits once; each returns plain data.

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
from contact_service.read import cases as read_cases
from contact_service.read.cases import ResponseRow
from contact_service.services import audit, case_import, import_runs, responses
from contact_service.services.case_import import CaseFileError, CaseWriter, ImportSummary, Rejection
from contact_service.services.responses import InboundResult
from contact_service.services.unit_of_work import UnitOfWork

__all__ = [
    "CaseFileError",
    "CaseWriter",
    "ImportSummary",
    "InboundResult",
    "Rejection",
    "import_cases",
    "record_inbound_callback",
    "record_response",
]


def import_cases(
    uow: UnitOfWork,
    actor: Actor,
    source: BinaryIO,
    store: CaseWriter,
    *,
    source_name: str,
    batch_size: int,
    workers: int = 1,
    on_rejection: Callable[[Rejection], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Validate a case file and upsert its good rows through `store`, batch by batch; then record the run's
    summary and the one audit record, together. CaseFileError, before anything is written, if the file is
    unusable."""
    authorize(actor, Permission.IMPORT_CASES)
    return case_import.import_cases(
        source,
        _SummaryWithAudit(store, uow, actor, source_name),
        uow.clock,
        source_name=source_name,
        batch_size=batch_size,
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
) -> ResponseRow:
    """Record that the taxpayer responded (default: now); stops the case's automated calls at once and closes
    its waiting call-list entries. NotFound for an unknown case, Invalid naming the field at fault."""
    authorize(actor, Permission.RECORD_RESPONSES)
    with uow:
        recorded = responses.record_response(uow.session, case_id, kind, responded_at, actor, uow.now, note)
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
    uow: UnitOfWork, actor: Actor, caller: str, called_at: dt.datetime, call_id: str | None
) -> InboundResult:
    """Log the platform's report that someone called the official line and mark the cases the caller's number
    matches as responded (several: each listed for review). A report seen before changes nothing and leaves no
    audit record: the platform retrying a delivery is not a second action."""
    authorize(actor, Permission.RECORD_RESPONSES)
    with uow:
        result = responses.record_inbound_callback(uow.session, caller, called_at, call_id, actor, uow.now)
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
