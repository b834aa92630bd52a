"""`contact-service escalate`, `tokens ...` and `call-lists ...`: escalation, access and list work from the shell."""

from __future__ import annotations

import datetime as dt
import getpass

import click

from contact_service.cli import Context, cli, fail, pass_context
from contact_service.domain.access import Actor, Role
from contact_service.services import api_tokens, call_lists, call_work
from contact_service.services.call_lists import CallListError, NotPermitted
from contact_service.services.call_work import CallbackOutsideWindow
from contact_service.services.escalation import sweep


@cli.command()
@pass_context
def escalate(context: Context) -> None:
    """List every case whose automated phase ended without a response (safe to run any time)."""
    container = context.container
    grace = dt.timedelta(days=container.settings.escalation_grace_days)
    with container.sessions() as session:
        result = sweep(session, container.clock.now(), grace)
    if not result.listed:
        click.echo("escalation: no new cases to list")
    for segment, count in sorted(result.listed.items()):
        click.echo(f"listed {count:>9,} on {segment}")
    if result.claims_expired:
        click.echo(f"returned {result.claims_expired} untouched claim(s) to their lists")


@cli.group()
def tokens() -> None:
    """API bearer tokens."""


@tokens.command("create")
@click.argument("subject")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What the token may do.")
@pass_context
def create_token(context: Context, subject: str, role: str) -> None:
    """Issue a token for SUBJECT (a representative's or a system's name). It is shown once; only its hash is kept."""
    container = context.container
    with container.sessions() as session:
        try:
            token = api_tokens.issue(session, subject, role, container.clock.now(),
                                     Actor(getpass.getuser(), Role.SUPERVISOR))
        except api_tokens.TokenError as exc:
            fail(str(exc))
    click.echo(token)
    click.echo(f"token for {subject} ({role}); store it now: it cannot be shown again", err=True)


@tokens.command("revoke")
@click.argument("subject")
@pass_context
def revoke_tokens(context: Context, subject: str) -> None:
    """Revoke every token of SUBJECT."""
    container = context.container
    with container.sessions() as session:
        count = api_tokens.revoke(session, subject, container.clock.now(), Actor(getpass.getuser(), Role.SUPERVISOR))
    click.echo(f"revoked {count} token(s) of {subject}")


@cli.group("call-lists")
def call_lists_group() -> None:
    """Representatives' call lists (for scripting; the API is the everyday way)."""


def _actor(name: str | None) -> Actor:
    return Actor(name or getpass.getuser(), Role.SUPERVISOR)


@call_lists_group.command("show")
@pass_context
def show(context: Context) -> None:
    """Every list with its open, claimed and callbacks-due counts."""
    container = context.container
    with container.sessions() as session:
        found = call_lists.summaries(session, _actor(None), container.clock.now())
        session.commit()
    click.echo(f"{'id':>3}  {'list':<24} {'open':>9} {'claimed':>8} {'callbacks due':>14}  assigned")
    for s in found:
        click.echo(f"{s.id:>3}  {s.segment:<24} {s.open:>9,} {s.claimed:>8,} {s.callbacks_due:>14,}  "
                   f"{', '.join(s.assigned) or '-'}")


@call_lists_group.command("assign")
@click.argument("list_ref")
@click.argument("representative")
@pass_context
def assign(context: Context, list_ref: str, representative: str) -> None:
    """Let REPRESENTATIVE work LIST_REF (an id or a segment, like individual)."""
    container = context.container
    with container.sessions() as session:
        try:
            target = call_lists.find_list(session, list_ref, _actor(None))
            added = call_lists.assign(session, target, representative, _actor(None), container.clock.now())
        except (LookupError, CallListError) as exc:
            fail(str(exc).strip("'\""))
    click.echo(f"{representative} {'now works' if added else 'already worked'} {target.segment}")


@call_lists_group.command("take")
@click.argument("list_ref")
@click.option("--as", "name", help="Who takes it (default: you).")
@pass_context
def take(context: Context, list_ref: str, name: str | None) -> None:
    """Take the next case from a list; prints the entry id and the case number."""
    container = context.container
    limit = dt.timedelta(minutes=container.settings.claim_timeout_minutes)
    with container.sessions() as session:
        try:
            target = call_lists.find_list(session, list_ref, _actor(name))
        except LookupError as exc:
            fail(str(exc).strip("'\""))
        taken = call_work.take_next(session, target, _actor(name), container.clock.now(), limit)
        if taken.entry is None:
            fail(taken.reason or "nothing to take", code=1)
        from contact_service.services.case_history import find_case

        case = find_case(session, taken.entry.case_id)
        click.echo(f"entry {taken.entry.id}: case {case.case_number}, balance ${case.balance_cents / 100:,.2f}, "
                   f"claimed until {taken.entry.claim_expires_at:%Y-%m-%d %H:%M} UTC")


@call_lists_group.command("disposition")
@click.argument("entry_id", type=int)
@click.argument("disposition")
@click.option("--callback-at", help="ISO time with offset (with callback_scheduled).")
@click.option("--note")
@click.option("--as", "name", help="Who records it (default: you).")
@pass_context
def disposition(context: Context, entry_id: int, disposition: str, callback_at: str | None, note: str | None,
                name: str | None) -> None:
    """Record how the call on a claimed case ended."""
    container = context.container
    when = None
    if callback_at:
        try:
            when = dt.datetime.fromisoformat(callback_at)
        except ValueError:
            fail("--callback-at: an ISO 8601 time with an offset, like 2026-11-25T15:00:00-05:00")
    with container.sessions() as session:
        try:
            entry = call_work.record_disposition(session, entry_id, disposition, _actor(name), container.clock.now(),
                                                 callback_at=when, note=note)
        except CallbackOutsideWindow as exc:
            allowed = f"; the next allowed time is {exc.next_allowed.isoformat()}" if exc.next_allowed else ""
            fail(f"{exc}{allowed}", code=1)
        except (LookupError, CallListError, NotPermitted) as exc:
            fail(str(exc).strip("'\""))
    click.echo(f"entry {entry.id}: {entry.disposition}; now {entry.status}")


@call_lists_group.command("release")
@click.argument("entry_id", type=int)
@click.option("--as", "name", help="Who releases it (default: you).")
@pass_context
def release(context: Context, entry_id: int, name: str | None) -> None:
    """Give a claimed case back to its list."""
    container = context.container
    with container.sessions() as session:
        try:
            entry = call_work.release(session, entry_id, _actor(name), container.clock.now())
        except (LookupError, CallListError, NotPermitted) as exc:
            fail(str(exc).strip("'\""))
    click.echo(f"entry {entry.id} is back on its list")
