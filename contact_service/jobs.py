"""RQ job functions. They take ids and re-read the database; the worker process only starts them."""

from __future__ import annotations

import datetime as dt

from contact_service.bootstrap import Container, bootstrap
from contact_service.domain.access import SYSTEM
from contact_service.services.dialing import dial_attempt
from contact_service.use_cases.call_lists import run_escalation_sweep

_container: Container | None = None


def use_container(container: Container) -> None:
    """The container jobs in this process use (the worker sets it; otherwise built from the environment)."""
    global _container
    _container = container


def _current() -> Container:
    global _container
    if _container is None:
        _container = bootstrap()
    return _container


def dial(attempt_id: int) -> str:
    """Place the call of one queued attempt (or find out why not); returns what happened."""
    return dial_attempt(_current().dial_context, attempt_id).value


def escalate() -> dict[str, int]:
    """Run the escalation sweep as the service itself (scheduled); returns cases listed per list and claims
    expired."""
    container = _current()
    grace = dt.timedelta(days=container.settings.escalation_grace_days)
    result = run_escalation_sweep(container.unit_of_work(), SYSTEM, grace=grace)
    return {**result.listed, "claims_expired": result.claims_expired}
