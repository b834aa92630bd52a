"""No log line carries a taxpayer's full phone number, name or TIN fragment.

A whole campaign on the simulator, every process real and logging at INFO, as the demo runs them (simulator,
gunicorn, dispatcher, two RQ workers; `cases import`, `campaign create`, `launch` and `status` on the command
line), on PostgreSQL and Redis: answered calls, key presses, voicemail (AMD and the redirect), busy lines,
no answer, bad numbers, a call the provider refuses, retries, and an attempt left "dialing" by a worker that
died (the reconciler looks its number up at the provider). Then every line every process wrote is scanned
for every case's numbers (any way of writing them), names and TIN last four; and for the line the log filter
writes when it had to mask a number itself, since that means a source leaks (the Twilio SDK at INFO, say).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import requests
from redis import Redis
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, Campaign
from contact_service.cli.local_stack import LocalStack, free_port
from contact_service.clock import SimulatedClock
from contact_service.services.synthetic_cases import write_synthetic_cases
from tests.conftest import REPO_ROOT, TEST_REDIS_URL
from tests.e2e import log_scan
from tests.e2e.campaign_harness import ACCOUNT_SID, AUTH_TOKEN, MONDAY_MORNING
from tests.e2e.conftest import run_cli

CASES = 40
SPEED = 3600.0
PROCESSES = ("simulator", "web", "dispatcher", "worker-1", "worker-2")


def stack_env(database_url: str, clock: SimulatedClock, web_port: int, simulator_port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CONTACT_", "TWILIO_"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=TEST_REDIS_URL,
        PUBLIC_BASE_URL=f"http://127.0.0.1:{web_port}",
        CONTACT_CLOCK=clock.spec(),
        CONTACT_TELEPHONY_PROVIDER="simulator",
        CONTACT_SIMULATOR_URL=f"http://127.0.0.1:{simulator_port}",
        CONTACT_ACCOUNT_CALLS_PER_SECOND="50",
        CONTACT_RECONCILE_AFTER_SECONDS="2",
        CONTACT_LOG_LEVEL="INFO",
        CONTACT_CONFIG_DIR=str(REPO_ROOT / "config"),
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
    )
    return env


def cli(args: list[str], env: dict[str, str], logs: Path) -> str:
    """Run a command as a user would; what it printed (both streams) is kept with the process logs."""
    result = run_cli(args, env)
    name = "cli-" + "-".join(part for part in args[:2] if not part.startswith("-"))
    (logs / f"{name}.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def leave_dialing_like_a_dead_worker(engine: Engine, attempt_id: int, clock: SimulatedClock) -> None:
    """What a worker SIGKILLed between its claim and the provider's answer leaves behind."""
    now = clock.now()
    with Session(engine) as session:
        session.execute(
            update(CallAttempt)
            .where(CallAttempt.id == attempt_id)
            .values(state="dialing", queued_at=now, dialing_at=now, dial_claim="worker-that-died")
        )
        session.commit()


def planned_attempts(engine: Engine) -> list[tuple[int, str]]:
    with Session(engine) as session:
        return [
            (attempt_id, number)
            for attempt_id, number in session.execute(
                select(CallAttempt.id, CallAttempt.to_e164)
                .where(CallAttempt.state == "planned")
                .order_by(CallAttempt.id)
            )
        ]


def wait_completed(engine: Engine, stack: LocalStack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        with Session(engine) as session:
            if session.scalar(select(Campaign.status)) == "completed":
                return
        time.sleep(0.5)
    raise AssertionError(f"the campaign did not complete in {timeout:.0f} s; see {stack.log_dir}")


def test_a_whole_campaign_logs_no_number_name_or_tin(pg_engine: Engine, redis_client: Redis, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    clock = SimulatedClock(MONDAY_MORNING, SPEED)
    web_port, simulator_port = free_port(), free_port()
    env = stack_env(pg_engine.url.render_as_string(hide_password=False), clock, web_port, simulator_port)
    case_file = tmp_path / "cases.csv"
    with case_file.open("w", encoding="utf-8", newline="") as stream:
        write_synthetic_cases(stream, CASES, today=MONDAY_MORNING.date() - dt.timedelta(days=1), seed=7, prefix="LOG")

    cli(["cases", "import", str(case_file)], env, logs)
    cli(["campaign", "create", "log scan", "--max-attempts", "2", "--cps", "20"], env, logs)
    cli(["campaign", "launch", "log scan"], env, logs)
    planned = planned_attempts(pg_engine)
    assert len(planned) >= 8, planned
    (lost, lost_number), *others = planned
    leave_dialing_like_a_dead_worker(pg_engine, lost, clock)
    fixed = {
        lost_number: ["human"],
        others[0][1]: ["invalid"],  # the provider refuses the call itself
        others[1][1]: ["machine"],  # voicemail: AMD, then the redirect
        others[2][1]: ["human-press-2"],
        others[3][1]: ["human-press-1-then-2"],
        others[4][1]: ["busy", "human"],
        others[5][1]: ["disconnected"],
    }

    stack = LocalStack(env=env, log_dir=logs)
    try:
        stack.start_simulator(simulator_port, ["--seed", "7", "--cps", "100", "--silence-patience", "600"])
        simulator = f"http://127.0.0.1:{simulator_port}"
        for _ in range(100):
            try:
                requests.post(
                    f"{simulator}/_sim/config", json={"fixed": fixed}, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=2
                )
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert requests.get(f"{simulator}/_sim/config", auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=2).json()["fixed"]
        stack.start_service(web_port, workers=2)
        stack.wait_ready(env["PUBLIC_BASE_URL"], simulator_port)
        # A query string carrying a number: the access log names the path only.
        requests.get(f"{env['PUBLIC_BASE_URL']}/healthz", params={"caller": others[6][1]}, timeout=5)
        wait_completed(pg_engine, stack, timeout=240)
        cli(["campaign", "status", "log scan"], env, logs)
    finally:
        stack.stop()

    files = sorted(logs.glob("*.log"))
    said = {path.stem: path.read_text(encoding="utf-8", errors="replace") for path in files}
    assert [name for name in PROCESSES if not said.get(name, "").strip()] == [], f"empty or missing logs in {logs}"
    assert "never reached the provider before its worker died" in said["dispatcher"], said["dispatcher"]
    assert "attempts queued" in said["dispatcher"], said["dispatcher"]  # the dispatcher's summary
    assert '"POST /webhooks/twilio/status HTTP/1.1" 204' in said["web"], said["web"][:2000]
    assert "?" not in "".join(line for line in said["web"].splitlines() if '"GET ' in line or '"POST ' in line)
    findings = log_scan.scan(log_scan.log_lines(files), log_scan.people(pg_engine))
    assert not findings, f"{len(findings)} log lines carry personal data (logs in {logs}):\n" + "\n".join(
        str(finding) for finding in findings[:40]
    )


def test_the_scan_finds_every_way_of_writing_what_must_not_be_logged() -> None:
    """The scan is not vacuous: each kind of leak is found, and lines without one are not flagged."""
    grace = log_scan.Person("Grace O'Neil", ("+12125557001",), "4821")
    others = log_scan.Person("Tom Brown", ("+13125550199",), "0007")
    leaking = [
        "GET /Calls.json?To=%2B12125557001&PageSize=50",
        "Query Params: {'To': '+12125557001'}",
        "calling (212) 555-7001",
        "calling 212.555.7001 again",
        "number 2125557001",
        "+1 212 555 7001",
        "Hello Grace O'Neil, this is a message",
        "name='Grace O\\'Neil'",
        "[parameters: {'tin_last4': '4821'}]",
        "SSN ending 4821",
        f"2026-11-30 WARNING contact_service.log_masking: {log_scan.CAUGHT_BY_THE_NET} in a record of twilio",
    ]
    clean = [
        "attempt 12 to ***-***-7001: placed CA0123456789abcdef0123456789abcdef",
        '127.0.0.1 [30/Nov/2026:14:00:01 +0000] "POST /webhooks/twilio/status HTTP/1.1" 204 0 3ms',
        "2026-11-30 14:00:00,482 INFO [4821] workers.dispatcher: in the last 60 s: 120 attempts queued",
        "grace_days=10 for Grace",
    ]
    lines = [(f"leak:{index}", line) for index, line in enumerate(leaking)]
    lines += [(f"clean:{index}", line) for index, line in enumerate(clean)]
    findings = log_scan.scan(lines, [grace, others])
    flagged = {finding.where for finding in findings}
    assert flagged == {f"leak:{index}" for index in range(len(leaking))}, [str(f) for f in findings]
