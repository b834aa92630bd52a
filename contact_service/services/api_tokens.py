"""API bearer tokens: issue (shown once), authenticate, revoke. Only a SHA-256 of each token is stored:
the tokens are 256 random bits, so a fast hash is enough (no password stretching needed).

Issuing and revoking work in the caller's transaction (they flush, never commit, write no audit record):
`use_cases.access` is the door that authorizes, audits and commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.access_models import ApiToken
from contact_service.domain.access import SYSTEM, Actor, Role, is_system_name
from contact_service.domain.errors import Invalid

TOKEN_PREFIX = "cs_"
SUBJECT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


@dataclass(frozen=True)
class IssuedToken:
    """A new token: its row id, who it is for and with what role, and the token itself (shown this once)."""

    id: int
    subject: str
    role: Role
    token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(session: Session, subject: str, role: Role | str, now: dt.datetime, issued_by: Actor = SYSTEM) -> IssuedToken:
    """Create a token for `subject` with `role`. Flushes. Invalid naming `subject` or `role` if either is unusable."""
    if not SUBJECT_PATTERN.match(subject or ""):
        raise Invalid("subject", "letters, digits and . _ @ - (at most 100 characters)")
    if is_system_name(subject):
        raise Invalid("subject", "is the name the service itself acts under; choose a person's name")
    try:
        token_role = Role(role)
    except ValueError:
        raise Invalid("role", f"must be one of {', '.join(r.value for r in Role)}") from None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=_digest(token), subject=subject, role=token_role.value, created_by=issued_by.name, created_at=now
    )
    session.add(row)
    session.flush()
    return IssuedToken(row.id, subject, token_role, token)


def authenticate(session: Session, token: str) -> Actor | None:
    """The actor a presented token stands for, or None if it is unknown or revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.execute(
        select(ApiToken.subject, ApiToken.role).where(
            ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None)
        )
    ).first()
    return Actor(row.subject, Role(row.role)) if row else None


def revoke(session: Session, subject: str, now: dt.datetime) -> int:
    """Revoke every live token of `subject`; returns how many. Flushes."""
    revoked = session.scalars(
        update(ApiToken)
        .where(ApiToken.subject == subject, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(ApiToken.id)
    ).all()
    session.flush()
    return len(revoked)
