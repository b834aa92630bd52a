"""The one access policy: roles, the permissions each carries, and what each actor may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from contact_service.domain.errors import Forbidden
from contact_service.domain.states import EntryStatus


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
    # Correct or withdraw a recorded response; resolve a callback whose number matched several cases.
    REVIEW_RESPONSES = "review_responses"


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
SYSTEM_ACTORS = (SYSTEM, CALL_CENTRE_PLATFORM)


def is_system_name(name: str) -> bool:
    """True for a name the service's own actors act under (or the word "system"): no token or account may carry
    one, so no person's action can be mistaken in the audit trail for the service's, or the reverse."""
    folded = name.strip().casefold()
    return folded in {actor.name.casefold() for actor in SYSTEM_ACTORS} | {role.value for role in ActorRole}


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


# --- what a representative may see and work ----------------------------------------------------------------


@dataclass(frozen=True)
class EntryFacts:
    """What the policy needs to know about one call-list entry (of a case, or asked for by id)."""

    call_list_id: int
    status: str
    claimed_by: str | None
    claim_expires_at: dt.datetime | None


def sees_every_case(actor: Actor) -> bool:
    """Supervisors, operators, viewers and the service itself see every case; a representative only her own."""
    return actor.role is not Role.REPRESENTATIVE


def holds_claim(actor: Actor, entry: EntryFacts, now: dt.datetime) -> bool:
    """Whether `actor` holds the entry right now: claimed by her, and the claim has not run out."""
    return (
        entry.status == EntryStatus.CLAIMED.value
        and entry.claimed_by == actor.name
        and (entry.claim_expires_at is None or entry.claim_expires_at > now)
    )


def may_see_entry(actor: Actor, entry: EntryFacts, assigned_list_ids: Collection[int], now: dt.datetime) -> bool:
    """An entry is visible to whoever sees every list, to a representative assigned to its list (open, claimed
    or closed: her list's history is hers), and to the representative who holds it."""
    return sees_every_list(actor) or entry.call_list_id in assigned_list_ids or holds_claim(actor, entry, now)


def may_see_case(
    actor: Actor, entries: Iterable[EntryFacts], assigned_list_ids: Collection[int], now: dt.datetime
) -> bool:
    """A representative sees a case only through its call-list entries: one on a list assigned to her, or one
    she holds. A case she may not see does not exist for her (the entry points answer 404, revealing nothing)."""
    return sees_every_case(actor) or any(may_see_entry(actor, e, assigned_list_ids, now) for e in entries)


def why_claim_cannot_be_disposed(
    actor: Actor, entry: EntryFacts, assigned_list_ids: Collection[int], now: dt.datetime
) -> str | None:
    """Why a disposition on this claimed entry is refused now (None: it may be recorded). A claim past its time
    limit is no one's any more (the sweep returns it to its list); a representative unassigned from the list
    may give the case back (release) but no longer work it."""
    if entry.claim_expires_at is not None and entry.claim_expires_at <= now:
        return f"the claim ran out at {entry.claim_expires_at.isoformat(timespec='seconds')}; take the case again"
    if not sees_every_list(actor) and entry.call_list_id not in assigned_list_ids:
        return "this list is no longer assigned to you; release the case"
    return None
