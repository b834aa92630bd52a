"""The audit trail: who did what, when. Records are only ever added (the database refuses changes).

`record` is the one way to write a record; a use case writes exactly one per action, in the transaction of the
change it describes. Reading the trail is the read side's (`contact_service.read.cases.audit_for_case`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from contact_service.adapters.db.access_models import AuditRecord
from contact_service.domain.access import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: int | None,
    now: dt.datetime,
    case_id: int | None = None,
    **detail: Any,
) -> None:
    """Add one audit record in the caller's transaction (it commits with the change it describes)."""
    session.execute(
        insert(AuditRecord).values(
            at=now,
            actor=actor.name,
            role=str(actor.role),
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            case_id=case_id,
            detail=json.dumps(detail, sort_keys=True, default=str),
        )
    )
