"""Import runs: the record each `cases import` leaves of what it read, kept and refused."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import ImportRun
from contact_service.domain.states import ImportRunStatus


def finish_run(
    session: Session, run_id: int, rows_read: int, rows_imported: int, rows_rejected: int, now: dt.datetime
) -> None:
    """Record the counts of a finished import on its run (the summary `cases import` leaves). Flushes."""
    status = ImportRunStatus.COMPLETED_WITH_REJECTIONS if rows_rejected else ImportRunStatus.COMPLETED
    session.execute(
        update(ImportRun)
        .where(ImportRun.id == run_id)
        .values(
            finished_at=now,
            rows_read=rows_read,
            rows_imported=rows_imported,
            rows_rejected=rows_rejected,
            status=status.value,
        )
    )
    session.flush()
