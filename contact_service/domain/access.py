"""Who may do what through the API: roles and the permissions each carries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
