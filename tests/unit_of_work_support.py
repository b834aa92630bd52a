"""Proving an action is all or nothing: a unit of work whose commit fails after the action's work, and a look
at what the audit trail and the tables hold afterwards."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select, text

from contact_service.adapters.db.access_models import AuditRecord
from contact_service.services.unit_of_work import UnitOfWork


class InjectedCommitFailure(RuntimeError):
    """Raised in place of the commit, after every change of the action was flushed."""


class FailingCommitUnitOfWork(UnitOfWork):
    """Does all the work and flushes it (so constraint checks and triggers ran), then fails to commit."""

    def commit(self) -> None:
        self.flush()
        raise InjectedCommitFailure("commit refused by the test")


def audit_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every audit record, oldest first, as plain dicts."""
    with engine.connect() as connection:
        rows = connection.execute(select(AuditRecord).order_by(AuditRecord.id)).mappings().all()
    return [dict(row) for row in rows]


def audit_count(engine: Engine) -> int:
    """How many audit records there are."""
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(AuditRecord)) or 0)


def table_snapshot(engine: Engine, *tables: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of `tables`, ordered, to compare before and after a failed action."""
    snapshot = {}
    with engine.connect() as connection:
        for table in tables:
            snapshot[table] = [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
    return snapshot
