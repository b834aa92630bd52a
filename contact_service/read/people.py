"""The people the service knows, and in what role.

Today a person exists for the service by holding a live API token (issued, not revoked); the dashboard's user
accounts (`contact-service users create`) will be a second way in, added here so every rule that asks "is this
a representative?" keeps asking this one function.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.access_models import ApiToken
from contact_service.domain.access import Role


def is_representative(session: Session, name: str) -> bool:
    """Whether `name` is a representative who exists: someone holding a live token with the representative role."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    ApiToken.subject == name,
                    ApiToken.role == Role.REPRESENTATIVE.value,
                    ApiToken.revoked_at.is_(None),
                )
            )
        )
    )
