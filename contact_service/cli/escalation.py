"""`contact-service escalate` and `call-lists ...`: the escalation sweep and call-list work from the shell.

Every action runs as a named actor (`--as`, default: your login name) and leaves one audit record."""

from __future__ import annotations

import datetime as dt

import click

from contact_service.cli import Context, acting, actor_named, cli, fail, pass_context
from contact_service.domain.errors import NothingToDo
from contact_service.read import call_lists as read_call_lists
from contact_service.use_cases import call_lists as list_actions


@cli.command()
@acting
@pass_context
def escalate(context: Context, acting_as: str | None) -> None:
    """List every case whose automated phase ended without a response (safe to run any time)."""
    container = context.container
    grace = dt.timedelta(days=container.settings.escalation_grace_days)
    result = list_actions.run_escalation_sweep(container.unit_of_work(), actor_named(acting_as), grace=grace)
    if not result.listed:
        click.echo("escalation: no new cases to list")
    for segment, count in sorted(result.listed.items()):
        click.echo(f"listed {count:>9,} on {segment}")
    if result.claims_expired:
        click.echo(f"returned {result.claims_expired} untouched claim(s) to their lists")


@cli.group("call-lists")
def call_lists_group() -> None:
    """Representatives' call lists (for scripting; the API is the everyday way)."""


@call_lists_group.command("show")
@pass_context
def show(context: Context) -> None:
    """Every list with its open, claimed and callbacks-due counts."""
    container = context.container
    with container.sessions() as session:
        found = read_call_lists.summaries(session, actor_named(None), container.clock.now())
    click.echo(f"{'id':>3}  {'list':<24} {'open':>9} {'claimed':>8} {'callbacks due':>14}  assigned")
    for s in found:
        click.echo(
            f"{s.id:>3}  {s.segment:<24} {s.counts.open:>9,} {s.counts.claimed:>8,} {s.counts.callbacks_due:>14,}  "
            f"{', '.join(s.assigned) or '-'}"
        )


@call_lists_group.command("assign")
@click.argument("list_ref")
@click.argument("representative")
@acting
@pass_context
def assign(context: Context, list_ref: str, representative: str, acting_as: str | None) -> None:
    """Let REPRESENTATIVE work LIST_REF (an id or a segment, like individual)."""
    container = context.container
    change = list_actions.assign_list(container.unit_of_work(), actor_named(acting_as), list_ref, representative)
    click.echo(f"{representative} {'now works' if change.changed else 'already worked'} {change.call_list.segment}")


@call_lists_group.command("unassign")
@click.argument("list_ref")
@click.argument("representative")
@acting
@pass_context
def unassign(context: Context, list_ref: str, representative: str, acting_as: str | None) -> None:
    """Stop REPRESENTATIVE working LIST_REF (an id or a segment)."""
    container = context.container
    change = list_actions.unassign_list(container.unit_of_work(), actor_named(acting_as), list_ref, representative)
    click.echo(f"{representative} {'no longer works' if change.changed else 'did not work'} {change.call_list.segment}")


@call_lists_group.command("take")
@click.argument("list_ref")
@acting
@pass_context
def take(context: Context, list_ref: str, acting_as: str | None) -> None:
    """Take the next case from a list; prints the entry id and the case number."""
    container = context.container
    limit = dt.timedelta(minutes=container.settings.claim_timeout_minutes)
    taken = list_actions.take_next_case(container.unit_of_work(), actor_named(acting_as), list_ref, claim_limit=limit)
    if taken.entry is None:
        raise NothingToDo(taken.reason or "nothing to take")
    click.echo(
        f"entry {taken.entry.id}: case {taken.case_number}, balance ${(taken.case_balance_cents or 0) / 100:,.2f}, "
        f"claimed until {taken.entry.claim_expires_at:%Y-%m-%d %H:%M} UTC"
    )


@call_lists_group.command("disposition")
@click.argument("entry_id", type=int)
@click.argument("disposition")
@click.option("--callback-at", help="ISO time with offset (with callback_scheduled).")
@click.option("--note")
@acting
@pass_context
def disposition(
    context: Context,
    entry_id: int,
    disposition: str,
    callback_at: str | None,
    note: str | None,
    acting_as: str | None,
) -> None:
    """Record how the call on a claimed case ended."""
    container = context.container
    when = None
    if callback_at:
        try:
            when = dt.datetime.fromisoformat(callback_at)
        except ValueError:
            fail("--callback-at: an ISO 8601 time with an offset, like 2026-11-25T15:00:00-05:00")
    entry = list_actions.record_disposition(
        container.unit_of_work(), actor_named(acting_as), entry_id, disposition, callback_at=when, note=note
    )
    click.echo(f"entry {entry.id}: {entry.disposition}; now {entry.status}")


@call_lists_group.command("release")
@click.argument("entry_id", type=int)
@acting
@pass_context
def release(context: Context, entry_id: int, acting_as: str | None) -> None:
    """Give a claimed case back to its list."""
    container = context.container
    entry = list_actions.release_case(container.unit_of_work(), actor_named(acting_as), entry_id)
    click.echo(f"entry {entry.id} is back on its list")
