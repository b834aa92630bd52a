"""Script actions: register a template campaigns may use (it must pass the script guard first)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from contact_service.domain.access import Actor, Permission, authorize
from contact_service.domain.script_guard import ScriptKind
from contact_service.services import audit, call_scripts
from contact_service.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RegisteredScript:
    """A script template as stored: registered once, never edited."""

    id: int
    name: str
    kind: ScriptKind
    created_by: str
    created_at: dt.datetime


def register_script(uow: UnitOfWork, actor: Actor, name: str, kind: ScriptKind, body: str) -> RegisteredScript:
    """Store `body` under a new `name`; ScriptRefused (with the violations) if the guard finds anything."""
    authorize(actor, Permission.RUN_CAMPAIGNS)
    with uow:
        script = call_scripts.register_script(uow.session, name, kind, body, actor.name, uow.now)
        audit.record(uow.session, actor, "script_registered", "call_script", script.id, uow.now, name=name, kind=kind)
        uow.commit()
        return RegisteredScript(
            id=script.id,
            name=script.name,
            kind=ScriptKind(script.kind),
            created_by=script.created_by,
            created_at=script.created_at,
        )
