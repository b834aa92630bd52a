"""Registering operator script templates: every template passes the script guard or is refused.

Only flushes; the use case that calls it (use_cases/scripts.py) audits and commits.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallScript
from contact_service.domain.errors import Conflict, Invalid, ScriptRefused
from contact_service.domain.script_guard import ScriptKind, check_template

KIND_HEADER = re.compile(r"^#\s*kind:\s*(human|voicemail)\s*$", re.IGNORECASE)
SCRIPT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")


def parse_script_file(text: str, kind: ScriptKind | None = None) -> tuple[str, ScriptKind]:
    """Template text and kind from a script file: '#' lines are comments (a '# kind: voicemail' line sets the
    kind); they are blanked, not removed, so reported line numbers match the file."""
    found_kind = kind
    lines = []
    for line in text.splitlines():
        header = KIND_HEADER.match(line.strip())
        if header and found_kind is None:
            found_kind = ScriptKind(header.group(1).lower())
        lines.append("" if line.lstrip().startswith("#") else line)
    return "\n".join(lines), found_kind or ScriptKind.HUMAN


def register_script(
    session: Session, name: str, kind: ScriptKind, body: str, created_by: str, now: dt.datetime
) -> CallScript:
    """Add a template under a new name once the guard accepts it (flushed, so it has its id)."""
    if not SCRIPT_NAME.match(name):
        raise Invalid("name", "a script name has letters, digits, spaces and . _ - (at most 100)")
    violations = check_template(body, kind)
    if violations:
        raise ScriptRefused(violations)
    if session.scalar(select(CallScript.id).where(CallScript.name == name)) is not None:
        raise Conflict(f"a script named {name!r} already exists; scripts are never edited in place", field="name")
    script = CallScript(name=name, kind=kind.value, body=body.strip(), created_by=created_by[:100], created_at=now)
    session.add(script)
    session.flush()
    return script
