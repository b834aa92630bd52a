"""`contact-service demo`: a whole call campaign, end to end, on local defaults.

SQLite (a fresh file under var/demo/), a Redis database of its own (demo_redis.py: never one that real work
uses), the built-in Twilio simulator, and synthetic cases or the operator's own case file; the processes a
deployment runs (web, dispatcher, RQ workers, simulator) are started for it. A simulated clock starts before
the first calling window opens and runs faster than real time, so days of calling windows pass in minutes;
every rule (window, caps, retry delays) is read in simulated time and none is loosened.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path

import click

from contact_service.adapters.db import migrate
from contact_service.bootstrap import Container
from contact_service.cli import Context, actor_named, cli, fail, pass_context
from contact_service.cli.campaign import print_status
from contact_service.cli.demo_redis import DemoRedis, DemoRedisError, demo_redis
from contact_service.cli.local_stack import LocalStack, free_port
from contact_service.clock import SimulatedClock
from contact_service.config import Settings
from contact_service.domain.states import FINISHED_CAMPAIGN, CampaignStatus
from contact_service.read import campaigns as read_campaigns
from contact_service.services.synthetic_cases import write_synthetic_cases
from contact_service.use_cases import campaigns as campaign_actions
from contact_service.use_cases import cases as case_actions
from contact_service.use_cases.call_lists import run_escalation_sweep
from contact_service.use_cases.campaigns import CampaignSpec

DEMO_DIR = Path("var/demo")
DEMO_ACTOR = actor_named("demo")  # the audit trail says the demo imported, launched and swept


def next_monday(today: dt.date) -> dt.date:
    """The Monday after `today` (a full week of calling windows ahead)."""
    return today + dt.timedelta(days=7 - today.weekday())


@cli.command()
@click.option("--cases", "case_count", default=2000, show_default=True, help="Synthetic cases to generate.")
@click.option(
    "--cases-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Your own case file (CSV, as `cases import` reads it) instead of synthetic cases.",
)
@click.option("--seed", default=1040, show_default=True, help="Seed of the synthetic cases and the simulator.")
@click.option("--speed", default=3600.0, show_default=True, help="Simulated seconds per real second.")
@click.option("--cps", default=40, show_default=True, help="The campaign's calls per second.")
@click.option("--workers", default=2, show_default=True, help="RQ worker processes.")
@click.option("--timeout", default=900, show_default=True, help="Give up after this many real seconds.")
@pass_context
def demo(
    context: Context,
    case_count: int,
    cases_file: Path | None,
    seed: int,
    speed: float,
    cps: int,
    workers: int,
    timeout: int,
) -> None:
    """Run a call campaign end to end on local defaults (SQLite under var/demo/, the simulator, a simulated
    clock) and print its outcome. Redis: REDIS_URL if set, else database 14 of the local server, else a Redis
    server the demo starts for itself."""
    base = context.container.settings
    try:
        redis = demo_redis(base.redis_url, DEMO_DIR / "redis")
    except DemoRedisError as exc:
        fail(f"demo: {exc}")
    try:
        _run(base, redis, cases_file, case_count, seed, speed, cps, workers, timeout)
    finally:
        redis.stop()


def _run(
    base: Settings,
    redis: DemoRedis,
    cases_file: Path | None,
    case_count: int,
    seed: int,
    speed: float,
    cps: int,
    workers: int,
    timeout: int,
) -> None:
    start = dt.datetime.combine(next_monday(dt.date.today()), dt.time(12, 30), tzinfo=dt.UTC)
    clock = SimulatedClock(start, speed)
    web_port, simulator_port = free_port(), free_port()
    database = DEMO_DIR / "demo.db"
    for stale in DEMO_DIR.glob("demo.db*"):
        stale.unlink()
    settings = base.replace(
        database_url=f"sqlite:///{database}",
        redis_url=redis.url,
        clock=clock.spec(),
        public_base_url=f"http://127.0.0.1:{web_port}",
        telephony_provider="simulator",
        simulator_url=f"http://127.0.0.1:{simulator_port}",
        account_calls_per_second=max(cps, base.account_calls_per_second),
    )
    container = Container(settings=settings, clock=clock)
    click.echo(f"database:  {settings.database_url} (fresh)")
    click.echo(f"redis:     {redis.description}")
    click.echo(f"clock:     simulated, from {start:%a %Y-%m-%d %H:%M} UTC (7:30 in New York), {speed:g}x real time")
    migrate.upgrade(container.engine)
    if cases_file is None:
        _import_cases(container, case_count, seed, start.date())
    else:
        _import_own_cases(container, cases_file)

    env = {key: value for key, value in os.environ.items() if not key.startswith(("CONTACT_", "TWILIO_"))}
    env.update(
        DATABASE_URL=settings.database_url,
        REDIS_URL=settings.redis_url,
        PUBLIC_BASE_URL=settings.public_base_url,
        CONTACT_CLOCK=settings.clock,
        CONTACT_TELEPHONY_PROVIDER="simulator",
        CONTACT_SIMULATOR_URL=settings.simulator_url,
        CONTACT_ACCOUNT_CALLS_PER_SECOND=str(settings.account_calls_per_second),
        CONTACT_LOG_LEVEL=settings.log_level,  # INFO by default: every process says what it did (logs/)
        TWILIO_ACCOUNT_SID=settings.twilio_account_sid,
        TWILIO_AUTH_TOKEN=settings.twilio_auth_token,
    )
    stack = LocalStack(env=env, log_dir=DEMO_DIR / "logs")
    click.echo(f"starting:  simulator, web (gunicorn), dispatcher, {workers} RQ workers    logs: {stack.log_dir}/")
    try:
        # A compressed minute of patience would be milliseconds of real time: give answering machines room
        # to hear the voicemail redirect (the simulator's knob; none of the service's rules change).
        stack.start_all(
            web_port,
            simulator_port,
            workers,
            ["--seed", str(seed), "--cps", str(max(cps * 2, 50)), "--silence-patience", str(600)],
        )
        stack.wait_ready(settings.public_base_url, simulator_port)
        campaign_id = _launch(container, cps)
        _watch(container, stack, campaign_id, timeout)
        with container.sessions() as session:
            report = read_campaigns.campaign_progress(session, campaign_id)
    except RuntimeError as exc:
        fail(f"demo: {exc}")
    finally:
        stack.stop()
    click.echo("")
    print_status(report)
    _escalate(container)
    _where_next(settings.database_url, report.campaign.name)


def _import_cases(container: Container, count: int, seed: int, today: dt.date) -> None:
    case_file = DEMO_DIR / "cases.csv"
    case_file.parent.mkdir(parents=True, exist_ok=True)
    with case_file.open("w", encoding="utf-8", newline="") as stream:
        write_synthetic_cases(stream, count, today=today - dt.timedelta(days=1), seed=seed, prefix="DEMO")
    with case_file.open("rb") as handle, container.case_store() as store:
        summary = case_actions.import_cases(
            container.unit_of_work(),
            DEMO_ACTOR,
            handle,
            store,
            source_name=str(case_file),
            batch_size=container.settings.import_batch_size,
            workers=1,
        )
    click.echo(
        f"cases:     {summary.rows_imported} synthetic cases imported from {case_file} "
        f"(every US time zone and taxpayer type)"
    )


def _import_own_cases(container: Container, case_file: Path, shown: int = 20) -> None:
    """Import the operator's own file as `cases import` does; the first rejections are printed."""
    rejected: list[str] = []

    def on_rejection(rejection: object) -> None:
        if len(rejected) < shown:
            click.echo(f"{case_file}: {rejection}")
        rejected.append(str(rejection))

    with case_file.open("rb") as handle, container.case_store() as store:
        summary = case_actions.import_cases(
            container.unit_of_work(),
            DEMO_ACTOR,
            handle,
            store,
            source_name=str(case_file),
            batch_size=container.settings.import_batch_size,
            workers=1,
            on_rejection=on_rejection,
        )
    if len(rejected) > shown:
        click.echo(f"{case_file}: ... and {len(rejected) - shown} more rejected rows")
    click.echo(
        f"cases:     {summary.rows_imported} cases imported from {case_file} "
        f"({summary.rows_read} rows read, {summary.rows_rejected} rejected)"
    )
    if not summary.rows_imported:
        fail(f"demo: no case of {case_file} could be imported; nothing to call")


def _launch(container: Container, cps: int) -> int:
    spec = CampaignSpec(name="demo", calls_per_second=cps)
    campaign = campaign_actions.create_campaign(container.unit_of_work(), DEMO_ACTOR, spec, defaults=container.settings)
    result = campaign_actions.launch_campaign(
        container.unit_of_work(), DEMO_ACTOR, campaign.id, policy=container.contact_policy
    ).counts
    click.echo(
        f"campaign:  'demo' launched: {result.selected} cases selected, {result.planned} to call, "
        f"{sum(result.skipped.values())} skipped"
    )
    for reason, count in sorted(result.skipped.items(), key=lambda item: -item[1]):
        click.echo(f"             skipped, {reason}: {count}")
    return campaign.id


def _watch(container: Container, stack: LocalStack, campaign_id: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    last_line = ""
    while True:
        stack.check_alive()
        with container.sessions() as session:
            report = read_campaigns.campaign_progress(session, campaign_id)
        planned = max(report.campaign.cases_planned, 1)
        filled = int(30 * report.cases_done / planned)
        outcomes = ", ".join(f"{key} {value}" for key, value in sorted(report.attempts_by_outcome.items()))
        line = (
            f"  [{'#' * filled}{'.' * (30 - filled)}] {report.cases_done}/{planned} cases done | "
            f"simulated {container.clock.now():%a %H:%M} UTC | {outcomes}"
        )
        if sys.stdout.isatty():
            click.echo("\r" + line[:200].ljust(len(last_line)), nl=False)
        elif time.monotonic() - started > 5 or report.campaign.status == CampaignStatus.COMPLETED:
            click.echo(line)
            started = time.monotonic()
        last_line = line
        if report.campaign.status in FINISHED_CAMPAIGN:
            if sys.stdout.isatty():
                click.echo("")
            click.echo(f"campaign completed in {time.monotonic() - deadline + timeout:.0f} s real time")
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the campaign did not finish within {timeout:.0f} s")
        time.sleep(0.5)


def _escalate(container: Container) -> None:
    """Run the escalation sweep once, as the scheduler would, and say what went onto the call lists."""
    grace = dt.timedelta(days=container.settings.escalation_grace_days)
    result = run_escalation_sweep(container.unit_of_work(), DEMO_ACTOR, grace=grace)
    listed = ", ".join(f"{segment} {count}" for segment, count in sorted(result.listed.items())) or "none"
    click.echo(
        f"\nescalation: {result.total_listed} cases onto representatives' call lists now ({listed}); "
        f"voicemail and reached cases wait {grace.days} days for a callback first"
    )


def _where_next(database_url: str, name: str) -> None:
    """Commands that work as printed, from this directory, in a new shell too."""
    click.echo("\nWhere to look next (shell commands, from this directory):")
    activate = _activation()
    if activate:
        click.echo(f"  $ {activate}    # puts contact-service on your PATH in this shell")
    click.echo(f"  $ DATABASE_URL={database_url} contact-service campaign status {name}")
    click.echo(f"  $ DATABASE_URL={database_url} contact-service call-lists show")
    click.echo("  README.md: how the dialer, the contact rules and the webhooks work; docs/benchmarks.md: measurements")
    click.echo(f"  {DEMO_DIR}/logs/: what each process said")


def _activation() -> str | None:
    """The line that puts this `contact-service` on PATH (sourcing the virtualenv it runs from), or None when
    it is there already or runs from no virtualenv."""
    scripts = Path(sys.executable).parent
    found = shutil.which("contact-service")
    if found and Path(found).resolve().parent == scripts.resolve():
        return None
    activate = scripts / "activate"
    if not activate.exists():
        return None
    relative = os.path.relpath(activate)
    return f". {activate if relative.startswith('..') else relative}"
