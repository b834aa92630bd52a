"""API bearer tokens: issue (shown once), authenticate, revoke. Only a SHA-256 of each token is stored:
the tokens are 256 random bits, so a fast hash is enough (no password stretching needed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.access_models import ApiToken
from contact_service.domain.access import SYSTEM, Actor, Role
from contact_service.services import audit

TOKEN_PREFIX = "cs_"
SUBJECT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


class TokenError(ValueError):
    """A token request was refused; the message says why."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(session: Session, subject: str, role: Role | str, now: dt.datetime, issued_by: Actor = SYSTEM) -> str:
    """Create a token for `subject` with `role`; returns the token (the only time it is visible). Commits."""
    if not SUBJECT_PATTERN.match(subject or ""):
        raise TokenError("subject: letters, digits and . _ @ - (at most 100 characters)")
    try:
        role = Role(role)
    except ValueError:
        raise TokenError(f"role: must be one of {', '.join(r.value for r in Role)}") from None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(token_hash=_digest(token), subject=subject, role=role.value, created_by=issued_by.name,
                   created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, issued_by, "token_issued", "api_token", row.id, now, subject=subject, role=role.value)
    session.commit()
    return token


def authenticate(session: Session, token: str) -> Actor | None:
    """The actor a presented token stands for, or None if it is unknown or revoked."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.execute(
        select(ApiToken.subject, ApiToken.role).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    ).first()
    return Actor(row.subject, Role(row.role)) if row else None


def revoke(session: Session, subject: str, now: dt.datetime, revoked_by: Actor = SYSTEM) -> int:
    """Revoke every live token of `subject`; returns how many. Commits."""
    result = session.execute(
        update(ApiToken).where(ApiToken.subject == subject, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
    )
    audit.record(session, revoked_by, "tokens_revoked", "api_token", None, now, subject=subject, count=result.rowcount)
    session.commit()
    return result.rowcount
