"""Access actions: issue and revoke API tokens. Each authorizes, acts, writes exactly one audit record and
commits once."""

from __future__ import annotations

from contact_service.domain.access import Actor, Permission, Role, authorize
from contact_service.services import api_tokens, audit
from contact_service.services.api_tokens import IssuedToken
from contact_service.services.unit_of_work import UnitOfWork

__all__ = ["IssuedToken", "issue_token", "revoke_token"]


def issue_token(uow: UnitOfWork, actor: Actor, subject: str, role: Role | str) -> IssuedToken:
    """Issue a token for `subject` with `role`; the result carries the token, which is never visible again.
    Invalid naming `subject` or `role` if either is unusable."""
    authorize(actor, Permission.MANAGE_TOKENS)
    with uow:
        issued = api_tokens.issue(uow.session, subject, role, uow.now, issued_by=actor)
        audit.record(
            uow.session, actor, "token_issued", "api_token", issued.id, uow.now, subject=subject, role=issued.role.value
        )
        uow.commit()
        return issued


def revoke_token(uow: UnitOfWork, actor: Actor, subject: str) -> int:
    """Revoke every live token of `subject`; returns how many (none is not an error: the record says so)."""
    authorize(actor, Permission.MANAGE_TOKENS)
    with uow:
        count = api_tokens.revoke(uow.session, subject, uow.now)
        audit.record(uow.session, actor, "tokens_revoked", "api_token", None, uow.now, subject=subject, count=count)
        uow.commit()
        return count
