"""The audit trail: who did what, when. Records are only ever added (the database refuses changes)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.access_models import AuditRecord
from contact_service.domain.access import Actor


def record(session: Session, actor: Actor, action: str, subject_type: str, subject_id: int | None,
           now: dt.datetime, case_id: int | None = None, **detail: Any) -> None:
    """Add one audit record in the caller's transaction (it commits with the change it describes)."""
    session.execute(insert(AuditRecord).values(
        at=now, actor=actor.name, role=str(actor.role), action=action, subject_type=subject_type,
        subject_id=subject_id, case_id=case_id, detail=json.dumps(detail, sort_keys=True, default=str),
    ))


def record_many(session: Session, actor: Actor, action: str, subject_type: str, rows: list[tuple[int, int | None]],
                now: dt.datetime, **detail: Any) -> None:
    """Add one audit record per (subject id, case id) in one statement."""
    if not rows:
        return
    text = json.dumps(detail, sort_keys=True, default=str)
    session.execute(insert(AuditRecord), [
        {"at": now, "actor": actor.name, "role": str(actor.role), "action": action, "subject_type": subject_type,
         "subject_id": subject_id, "case_id": case_id, "detail": text}
        for subject_id, case_id in rows
    ])


def for_case(session: Session, case_id: int) -> list[dict[str, Any]]:
    """Every audit record about a case, oldest first."""
    records = session.scalars(select(AuditRecord).where(AuditRecord.case_id == case_id).order_by(AuditRecord.id))
    return [
        {"at": r.at, "actor": r.actor, "role": r.role, "action": r.action, "subject_type": r.subject_type,
         "subject_id": r.subject_id, "detail": json.loads(r.detail)}
        for r in records
    ]
