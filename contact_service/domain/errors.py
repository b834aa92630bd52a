"""Every refusal the service makes, as typed errors that carry their data.

Use cases raise these; the web layer maps them to an HTTP status and the one JSON error shape in a single
handler, the CLI to a one-line message and an exit code. Nothing anywhere parses or matches their messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contact_service.domain.script_guard import Violation


class ServiceError(Exception):
    """A request the service refused; `message` says why in one line an operator can act on."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class NotFound(ServiceError):
    """There is no `what` called `which` (or the actor may not know it exists)."""

    def __init__(self, what: str, which: object, field: str | None = None) -> None:
        shown = which if isinstance(which, int) else repr(which)
        super().__init__(f"no {what} {shown}", field)
        self.what = what
        self.which = which


class Invalid(ServiceError):
    """`field` has a value the service cannot take, for `reason`."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", field)
        self.reason = reason


class Conflict(ServiceError):
    """The request is well formed but the thing it acts on is not in a state that allows it."""


class Forbidden(ServiceError):
    """The actor lacks `permission` (or may not act on this particular thing)."""

    def __init__(self, message: str, permission: str | None = None) -> None:
        super().__init__(message)
        self.permission = permission


class OutsideCallingWindow(Invalid):
    """A time the taxpayer may not be called at; `next_allowed` is the earliest that is allowed (if any)."""

    def __init__(self, field: str, reason: str, next_allowed: dt.datetime | None) -> None:
        super().__init__(field, reason)
        self.next_allowed = next_allowed


class NothingToDo(ServiceError):
    """The request was fine but found nothing to act on (no case waiting on a list, say)."""


class InvalidCombination(Invalid):
    """Values that are each acceptable but not together: `fields` names them, and no single `field` is at fault."""

    def __init__(self, fields: tuple[str, ...], label: str, reason: str) -> None:
        super().__init__(label, reason)
        self.field = None
        self.fields = fields


class ScriptRefused(Invalid):
    """A script template breaks the rules of what a call may say; `violations` say where and how."""

    def __init__(self, violations: Sequence[Violation], field: str = "body") -> None:
        super().__init__(field, f"{len(violations)} violation(s)")
        self.violations = list(violations)
