"""`contact-service campaign ...`: create, preview, launch, pause, resume, cancel and watch campaigns."""

from __future__ import annotations

import datetime as dt
import sys
import time
from decimal import Decimal, InvalidOperation

import click

from contact_service.bootstrap import Container
from contact_service.cli import Context, acting, actor_named, cli, fail, pass_context
from contact_service.domain.states import FINISHED_CAMPAIGN
from contact_service.read import campaigns as read_campaigns
from contact_service.read.campaigns import CampaignProgress, CampaignRow, NextDue
from contact_service.read.pages import PageRequest
from contact_service.use_cases import campaigns as use_cases
from contact_service.use_cases.campaigns import CampaignSpec, CaseSelection, Preview

LIST_PAGE = 500


@cli.group()
def campaign() -> None:
    """Call campaigns."""


@campaign.command()
@click.argument("name")
@click.option("--type", "types", multiple=True, help="Taxpayer type (individual, business, estate); repeatable.")
@click.option("--stage", "stages", multiple=True, help="Notice stage (CP14 ... LT11); repeatable.")
@click.option("--state", "states", multiple=True, help="State on record (two letters); repeatable.")
@click.option("--min-balance", help="Smallest balance due, in dollars.")
@click.option("--max-balance", help="Largest balance due, in dollars.")
@click.option("--case", "case_numbers", multiple=True, help="Only these case ids; repeatable.")
@click.option("--human-script", help="Registered script a person hears (default: the built-in one).")
@click.option("--voicemail-script", help="Registered voicemail script (default: the built-in one).")
@click.option("--cps", type=int, help="Calls per second for this campaign.")
@click.option("--max-attempts", type=int, help="Attempts per case in this campaign.")
@click.option("--retry", "retries", multiple=True, help="OUTCOME=MINUTES before the next try (or OUTCOME=stop).")
@acting
@pass_context
def create(
    context: Context,
    name: str,
    types: tuple[str, ...],
    stages: tuple[str, ...],
    states: tuple[str, ...],
    min_balance: str | None,
    max_balance: str | None,
    case_numbers: tuple[str, ...],
    human_script: str | None,
    voicemail_script: str | None,
    cps: int | None,
    max_attempts: int | None,
    retries: tuple[str, ...],
    acting_as: str | None,
) -> None:
    """Create a draft campaign over the selected cases."""
    selection = CaseSelection(
        taxpayer_types=tuple(t.lower() for t in types),
        notice_stages=tuple(s.upper() for s in stages),
        states=tuple(s.upper() for s in states),
        balance_min_cents=_cents("--min-balance", min_balance),
        balance_max_cents=_cents("--max-balance", max_balance),
        case_numbers=tuple(case_numbers),
    )
    spec = CampaignSpec(
        name=name,
        selection=selection,
        human_script=human_script,
        voicemail_script=voicemail_script,
        calls_per_second=cps,
        max_attempts=max_attempts,
        retry_minutes=_retries(retries),
    )
    container = context.container
    created = use_cases.create_campaign(
        container.unit_of_work(), actor_named(acting_as), spec, defaults=container.settings
    )
    click.echo(
        f"created campaign {created.id} {created.name!r} (draft): {created.calls_per_second} calls/s, "
        f"{created.max_attempts} attempts per case"
    )


@campaign.command()
@click.argument("campaign_ref")
@acting
@pass_context
def preview(context: Context, campaign_ref: str, acting_as: str | None) -> None:
    """Count the cases the campaign would call, and how many would be skipped for each reason."""
    container = context.container
    result = use_cases.preview_campaign(
        container.unit_of_work(), actor_named(acting_as), campaign_ref, policy=container.contact_policy
    )
    _print_counts(f"preview of {result.campaign.name!r}", result.counts)


@campaign.command()
@click.argument("campaign_ref")
@acting
@pass_context
def launch(context: Context, campaign_ref: str, acting_as: str | None) -> None:
    """Plan the first attempt of every eligible case and start calling."""
    container = context.container
    result = use_cases.launch_campaign(
        container.unit_of_work(), actor_named(acting_as), campaign_ref, policy=container.contact_policy
    )
    _print_counts(f"launched {result.campaign.name!r}", result.counts)


@campaign.command()
@click.argument("campaign_ref")
@acting
@pass_context
def pause(context: Context, campaign_ref: str, acting_as: str | None) -> None:
    """Stop placing calls (calls already ringing finish); resume continues where it stopped."""
    paused = use_cases.pause_campaign(context.container.unit_of_work(), actor_named(acting_as), campaign_ref)
    click.echo(f"campaign {paused.name!r} paused: no further call will be placed")


@campaign.command()
@click.argument("campaign_ref")
@acting
@pass_context
def resume(context: Context, campaign_ref: str, acting_as: str | None) -> None:
    """Continue a paused campaign."""
    resumed = use_cases.resume_campaign(context.container.unit_of_work(), actor_named(acting_as), campaign_ref)
    click.echo(f"campaign {resumed.name!r} resumed")


@campaign.command()
@click.argument("campaign_ref")
@acting
@pass_context
def cancel(context: Context, campaign_ref: str, acting_as: str | None) -> None:
    """End the campaign: every call not yet placed is cancelled."""
    cancelled = use_cases.cancel_campaign(context.container.unit_of_work(), actor_named(acting_as), campaign_ref)
    click.echo(f"campaign {cancelled.name!r} cancelled: every call not yet placed is cancelled")


@campaign.command("list")
@pass_context
def list_campaigns(context: Context) -> None:
    """Every campaign, newest first."""
    rows: list[CampaignRow] = []
    with context.container.sessions() as session:
        while True:
            page = read_campaigns.list_campaigns(session, page=PageRequest(LIST_PAGE, len(rows)))
            rows.extend(page.items)
            if not page.items or len(rows) >= page.total:
                break
    if not rows:
        click.echo("no campaigns yet")
    for row in rows:
        click.echo(f"{row.id:>5}  {row.status:<10} {row.cases_planned:>9} planned  {row.name}")


@campaign.command()
@click.argument("campaign_ref")
@click.option("--watch", is_flag=True, help="Keep showing progress until the campaign ends (Ctrl-C to stop).")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between updates with --watch.")
@pass_context
def status(context: Context, campaign_ref: str, watch: bool, interval: float) -> None:
    """Attempts by state and outcome, cases by how they ended, skipped cases by reason."""
    container = context.container
    with container.sessions() as session:
        campaign_id = read_campaigns.find_campaign(session, campaign_ref).id
    if watch:
        _watch(container, campaign_id, interval)
    with container.sessions() as session:
        report = read_campaigns.campaign_progress(session, campaign_id)
        due = read_campaigns.next_due(session, campaign_id, container.clock.now(), container.contact_policy)
    print_status(report, due)


def print_status(report: CampaignProgress, due: NextDue | None = None) -> None:
    """The status report as an operator reads it: a header, then one aligned table per breakdown, then when
    the planned attempts are due and why those not due yet wait."""
    found = report.campaign
    click.echo(f"campaign {found.id} {found.name!r}: {found.status}, {found.calls_per_second} calls/s")
    click.echo(
        f"  cases: {found.cases_selected} selected, {found.cases_planned} to call, "
        f"{found.cases_skipped} skipped; {report.cases_done} done ({report.progress:.0%})"
    )
    sections = (
        ("attempts by outcome", report.attempts_by_outcome),
        ("attempts by state", report.attempts_by_state),
        ("cases by result", {k: v for k, v in report.cases_by_state.items() if k != "skipped"}),
        ("cases skipped, by reason", report.skipped_by_reason),
    )
    for title, counts in sections:
        if not counts:
            continue
        total = sum(counts.values())
        click.echo(f"  {title:<34}{'count':>8}{'share':>8}")
        for key, value in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            click.echo(f"    {key:<32}{value:>8}{value / total:>8.0%}")
    if due is not None and due.planned:
        _print_next_due(due)


def _print_next_due(due: NextDue) -> None:
    first = f"; the next is due {_when(due.next_due_at)}" if due.next_due_at else ""
    click.echo(f"  planned attempts: {due.planned}, {due.due_now} due now{first}")
    if due.waiting:
        click.echo(f"  {'waiting, by reason':<34}{'count':>8}  next due")
        for reason, waiting in due.waiting.items():
            click.echo(f"    {reason.replace('_', ' '):<32}{waiting.count:>8}  {_when(waiting.next_due_at)}")


def _when(moment: dt.datetime | None) -> str:
    return f"{moment.astimezone(dt.UTC):%a %Y-%m-%d %H:%M} UTC" if moment else "-"


def _watch(container: Container, campaign_id: int, interval: float) -> None:
    """A live progress bar of cases done, with the outcome counts, until the campaign ends."""
    with container.sessions() as session:
        planned = read_campaigns.find_campaign(session, campaign_id).cases_planned
    shown = 0
    try:
        with click.progressbar(
            length=max(planned, 1),
            label="cases done",
            show_pos=True,
            file=sys.stdout if sys.stdout.isatty() else sys.stderr,
        ) as bar:
            while True:
                with container.sessions() as session:
                    report = read_campaigns.campaign_progress(session, campaign_id)
                bar.label = "cases done  " + ", ".join(
                    f"{k} {v}" for k, v in sorted(report.attempts_by_outcome.items())
                )
                bar.update(report.cases_done - shown)
                shown = report.cases_done
                if report.campaign.status in FINISHED_CAMPAIGN:
                    break
                time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("\nstopped watching (the campaign goes on)")


def _print_counts(title: str, result: Preview) -> None:
    click.echo(
        f"{title}: {result.selected} cases selected, {result.planned} to call, {sum(result.skipped.values())} skipped"
    )
    for reason, count in sorted(result.skipped.items(), key=lambda item: -item[1]):
        click.echo(f"  skipped, {reason}: {count}")
    if result.delayed_by_frequency_cap:
        click.echo(
            f"  to call later, frequency cap (called in another campaign recently): {result.delayed_by_frequency_cap}"
        )


def _cents(option: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        amount = Decimal(value.replace(",", "").removeprefix("$"))
    except InvalidOperation:
        fail(f"{option}: {value!r} is not an amount in dollars")
    return int(amount * 100)


def _retries(values: tuple[str, ...]) -> dict[str, int | None]:
    result: dict[str, int | None] = {}
    for value in values:
        outcome, _, minutes = value.partition("=")
        if not minutes:
            fail(f"--retry: {value!r} is not OUTCOME=MINUTES or OUTCOME=stop")
        if minutes == "stop":
            result[outcome] = None
        elif minutes.isdigit():
            result[outcome] = int(minutes)
        else:
            fail(f"--retry: {minutes!r} is not a number of minutes")
    return result
