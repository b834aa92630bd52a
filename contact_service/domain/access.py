"""The one access policy: roles, the permissions each carries, and what each actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contact_service.domain.errors import Forbidden


class Role(StrEnum):
    """The role a token carries."""

    OPERATOR = "operator"  # runs campaigns
    REPRESENTATIVE = "representative"  # works the call lists assigned to them
    SUPERVISOR = "supervisor"  # everything a representative and an operator can, on every list; assigns lists
    VIEWER = "viewer"  # reads dashboards and status, changes nothing


class Permission(StrEnum):
    """One kind of thing an endpoint does."""

    READ = "read"  # campaigns, cases, lists, history
    RUN_CAMPAIGNS = "run_campaigns"
    RECORD_RESPONSES = "record_responses"
    WORK_LISTS = "work_lists"  # take next, disposition, release
    MANAGE_LISTS = "manage_lists"  # assign representatives, see every list
    IMPORT_CASES = "import_cases"  # load or update cases from a case file
    MANAGE_TOKENS = "manage_tokens"  # issue and revoke API tokens


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.OPERATOR: frozenset({Permission.READ, Permission.RUN_CAMPAIGNS, Permission.RECORD_RESPONSES}),
    Role.REPRESENTATIVE: frozenset({Permission.READ, Permission.RECORD_RESPONSES, Permission.WORK_LISTS}),
    Role.SUPERVISOR: frozenset(Permission),
}


def allows(role: Role, permission: Permission) -> bool:
    """True when `role` carries `permission`."""
    return permission in GRANTS[role]


class ActorRole(StrEnum):
    """Who acted, for the audit trail: a role, or the service itself."""

    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a token's subject and role, or the service itself."""

    name: str
    role: Role | ActorRole

    def can(self, permission: Permission) -> bool:
        """True when this actor may do `permission` (the service itself may do anything)."""
        return self.role is ActorRole.SYSTEM or allows(Role(self.role), permission)


SYSTEM = Actor("contact-service", ActorRole.SYSTEM)
# The call-centre platform behind the official line: it reports inbound callbacks (signed, not by token).
CALL_CENTRE_PLATFORM = Actor("call-centre-platform", ActorRole.SYSTEM)


def authorize(actor: Actor, permission: Permission) -> None:
    """Raise Forbidden unless `actor` carries `permission` (every use case asks this first)."""
    if not actor.can(permission):
        raise Forbidden(f"a {actor.role} may not {permission.value.replace('_', ' ')}", permission.value)


def sees_every_list(actor: Actor) -> bool:
    """Supervisors, operators and viewers see every call list; a representative only the lists assigned to her."""
    return actor.role is not Role.REPRESENTATIVE


def may_work_claim(actor: Actor, claimed_by: str | None) -> bool:
    """Whether `actor` may record a disposition on, or release, a case claimed by `claimed_by`: the claimant,
    or whoever manages the lists (a supervisor, the service itself)."""
    return claimed_by == actor.name or actor.can(Permission.MANAGE_LISTS)
