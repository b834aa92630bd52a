#!/usr/bin/env python
"""Benchmark: a 20,000-call campaign against the simulator at 25, 100 and 200 calls per second, two workers.

For each rate, a fresh PostgreSQL database gets --calls eligible cases (New York numbers, all callable), then
the whole deployment starts as the Procfile runs it (web under gunicorn, the dispatcher, two RQ workers) plus
the Twilio-compatible simulator, on a simulated clock running --speed times real time from a Monday 9:00 in
New York (so every call falls inside the calling window and a call lasts seconds, not minutes, of real time).
One campaign over every case is launched with the rate as its calls-per-second budget (the account budget is
the same), one attempt per case, and the run waits until the simulator has received --calls calls.

Figures, per rate:
  achieved   calls per real second from the simulator's first to its last call start (the simulator stamps
             starts with the shared clock; a simulated interval divided by the speed is the real interval),
             as a share of the budget (target: 95% or more).
  max/1 s    the largest number of call starts the simulator saw in any one-second window (its own
             monotonic clock, a sliding window over every start); must never exceed the budget.
  CPU/call   CPU seconds (user + system, from /proc, children included) per call placed, for the dialer
             (both RQ workers and the dispatcher), the webhooks (gunicorn), PostgreSQL and Redis.

The simulator accepts calls at ten times the budget so that it never paces them: what it sees is what the
dialer sent. The cap on calls in progress is raised to the calls a run can have live at once, so that only the
calls-per-second budget limits the rate being measured.

    python scripts/bench_dialing.py [--calls 20000] [--rates 25,100,200] [--workers 2] [--speed 20]
                                    [--admin-url postgresql://postgres@127.0.0.1:5432/test]
                                    [--redis-url redis://127.0.0.1:6379/13]
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from redis import Redis

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from contact_service.adapters.db.case_store import CaseStore  # noqa: E402
from contact_service.bootstrap import bootstrap  # noqa: E402
from contact_service.cli.local_stack import LocalStack, free_port  # noqa: E402
from contact_service.clock import SimulatedClock  # noqa: E402
from contact_service.services import campaign_launch, campaigns  # noqa: E402
from contact_service.services.campaigns import CampaignSpec  # noqa: E402
from contact_service.services.case_import import import_cases  # noqa: E402

START = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)  # Monday, 9:00 in New York
TARGET_SHARE = 0.95
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class RateResult:
    rate: int
    calls: int
    real_seconds: float
    achieved: float
    max_in_one_second: int
    cpu: dict[str, float]

    @property
    def share(self) -> float:
        return self.achieved / self.rate


def write_cases(path: Path, count: int) -> None:
    """Eligible cases, one New York number each (212 and 718 exchanges 200-299: valid, distinct)."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            [
                "case_id",
                "taxpayer_type",
                "name",
                "phone",
                "state",
                "balance_due",
                "notice_stage",
                "last_notice_on",
                "assessed_on",
                "hold",
                "poa_on_file",
                "tin_last4",
            ]
        )
        for n in range(count):
            area = ("212", "718")[n % 2]
            number = f"+1{area}{2000000 + n // 2:07d}"
            writer.writerow(
                [
                    f"BD-{n:06d}",
                    "individual",
                    f"Bench Taxpayer {n}",
                    number,
                    "NY",
                    f"{1000 + n % 90000}.00",
                    "CP504",
                    "2026-09-01",
                    "2025-03-01",
                    "",
                    "false",
                    f"{n % 10000:04d}",
                ]
            )


def processes() -> list[tuple[str, int, float]]:
    """(command name, process group, CPU seconds incl. reaped children) of every live process, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw.rsplit(")", 1)[1].split()
        # fields[2] is the process group; fields[11:15] are utime, stime, cutime, cstime.
        found.append((name, int(fields[2]), sum(int(value) for value in fields[11:15]) / CLOCK_TICKS))
    return found


def cpu_snapshot(stack: LocalStack) -> dict[str, float]:
    """CPU seconds so far of each part of the deployment, and of PostgreSQL and Redis."""
    groups = {
        "dialer (2 workers + dispatcher)": [n for n in stack.processes if n.startswith("worker")] + ["dispatcher"],
        "webhooks (gunicorn)": ["web"],
        "simulator": ["simulator"],
    }
    running = processes()
    snapshot = {
        label: sum(cpu for _, group, cpu in running if group in {stack.processes[name].pid for name in names})
        for label, names in groups.items()
    }
    snapshot["PostgreSQL"] = sum(cpu for name, _, cpu in running if name.startswith("postgres"))
    snapshot["Redis"] = sum(cpu for name, _, cpu in running if name.startswith("redis-server"))
    return snapshot


def simulator_stats(port: int, account_sid: str, auth_token: str) -> dict:  # type: ignore[type-arg]
    """The simulator's counters (behind the same basic auth as its REST API)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/_sim/stats")
    token = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def run_rate(rate: int, args: argparse.Namespace, case_file: Path) -> RateResult:
    """One campaign at `rate` calls per second, on a fresh database; returns its figures."""
    name = f"bench_dialing_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = f"{args.admin_url.rsplit('/', 1)[0]}/{name}"
    redis = Redis.from_url(args.redis_url)
    redis.flushdb()
    clock = SimulatedClock(START, args.speed)
    web_port, simulator_port = free_port(), free_port()
    in_progress_cap = max(500, int(rate * 120 / args.speed * 4))  # calls live at once (2 simulated minutes each)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CONTACT_", "TWILIO_"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=args.redis_url,
        PUBLIC_BASE_URL=f"http://127.0.0.1:{web_port}",
        CONTACT_CLOCK=clock.spec(),
        CONTACT_TELEPHONY_PROVIDER="simulator",
        CONTACT_SIMULATOR_URL=f"http://127.0.0.1:{simulator_port}",
        CONTACT_ACCOUNT_CALLS_PER_SECOND=str(rate),
        CONTACT_MAX_CALLS_IN_PROGRESS=str(in_progress_cap),
        CONTACT_LOG_LEVEL="WARNING",
    )
    subprocess.run([sys.executable, "-m", "contact_service", "db", "upgrade"], env=env, check=True, capture_output=True)
    container = bootstrap(
        overrides={
            "database_url": database_url,
            "redis_url": args.redis_url,
            "clock": clock.spec(),
            "account_calls_per_second": rate,
        }
    )
    with case_file.open("rb") as handle, CaseStore(container.engine) as store:
        imported = import_cases(
            handle, store, container.clock, source_name=str(case_file), batch_size=5000, workers=1
        ).rows_imported
    stack = LocalStack(env=env, log_dir=Path(args.log_dir) / f"rate-{rate}")
    try:
        stack.start_all(
            web_port,
            simulator_port,
            args.workers,
            ["--seed", "1040", "--cps", str(rate * 10), "--silence-patience", "600"],
        )
        stack.wait_ready(f"http://127.0.0.1:{web_port}", simulator_port)
        before = cpu_snapshot(stack)
        with container.sessions() as session:
            campaign = campaigns.create_campaign(
                session,
                CampaignSpec(name=f"bench {rate} per second", calls_per_second=rate, max_attempts=1),
                "bench",
                container.settings,
                container.clock.now(),
            )
            launched = campaign_launch.launch(session, campaign.id, container.contact_policy, container.clock.now())
            session.commit()
        if launched.planned != imported:
            raise RuntimeError(f"{launched.planned} of {imported} cases planned: {launched.skipped}")
        credentials = (container.settings.twilio_account_sid, container.settings.twilio_auth_token)
        started = time.monotonic()
        deadline = started + args.calls / rate * 3 + 900
        stats = simulator_stats(simulator_port, *credentials)
        while stats["calls"] < args.calls:
            stack.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {stats['calls']} of {args.calls} calls in {time.monotonic() - started:.0f} s")
            time.sleep(0.5)
            stats = simulator_stats(simulator_port, *credentials)
        real_seconds = time.monotonic() - started
        after = cpu_snapshot(stack)
    finally:
        stack.stop()
        container.engine.dispose()
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    first = dt.datetime.fromisoformat(stats["started_first_at"])
    last = dt.datetime.fromisoformat(stats["started_last_at"])
    span = (last - first).total_seconds() / args.speed
    calls = stats["calls"]
    return RateResult(
        rate=rate,
        calls=calls,
        real_seconds=real_seconds,
        achieved=(calls - 1) / span,
        max_in_one_second=stats["max_started_in_any_second"],
        cpu={label: (after[label] - before[label]) / calls for label in after},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rates", default="25,100,200")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--speed", type=float, default=20.0)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--log-dir", default="var/bench_dialing")
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory() as scratch:
        case_file = Path(scratch) / "cases.csv"
        write_cases(case_file, args.calls)
        for rate in (int(value) for value in args.rates.split(",")):
            print(f"rate {rate}/s: {args.calls:,} calls, {args.workers} workers ...", flush=True)
            result = run_rate(rate, args, case_file)
            results.append(result)
            cpu = ", ".join(f"{label} {seconds * 1000:.2f} ms" for label, seconds in result.cpu.items())
            print(
                f"  achieved {result.achieved:.1f}/s = {result.share:.1%} of the budget; max in any one second "
                f"{result.max_in_one_second} (budget {rate}); {result.real_seconds:.0f} s in all\n"
                f"  CPU per call: {cpu}",
                flush=True,
            )

    print(
        "\n| budget calls/s | calls | achieved calls/s | share of budget | max in any 1 s | "
        "dialer CPU ms/call | webhooks CPU ms/call | PostgreSQL CPU ms/call | Redis CPU ms/call |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for result in results:
        cpu = [
            result.cpu[label] * 1000
            for label in ("dialer (2 workers + dispatcher)", "webhooks (gunicorn)", "PostgreSQL", "Redis")
        ]
        print(
            f"| {result.rate} | {result.calls:,} | {result.achieved:.1f} | {result.share:.1%} | "
            f"{result.max_in_one_second} | " + " | ".join(f"{value:.2f}" for value in cpu) + " |"
        )
    failed = [r for r in results if r.share < TARGET_SHARE or r.max_in_one_second > r.rate]
    verdict = (
        "all rates met the targets" if not failed else "targets missed at " + ", ".join(f"{r.rate}/s" for r in failed)
    )
    print(
        f"\ntargets: achieved >= {TARGET_SHARE:.0%} of the budget, never more than the budget in one second: {verdict}"
    )


if __name__ == "__main__":
    main()
