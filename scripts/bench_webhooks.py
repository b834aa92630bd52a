#!/usr/bin/env python
"""Benchmark: signed Twilio status callbacks against the real app under gunicorn on PostgreSQL, against a bare
Flask endpoint served the same way, in the same run.

Each request is a distinct, correctly signed status callback (initiated, ringing, in-progress, completed
for thousands of call attempts), so the real app validates the signature, appends to the event log and
settles the attempt on every request. The load generator is wrk (C), so the client takes little of the
CPU the server needs. Requires `wrk` (Debian: apt-get install wrk).

    python scripts/bench_webhooks.py [--seconds 20] [--workers 8] [--connections 32] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg
from twilio.request_validator import RequestValidator

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

TOKEN = "bench-auth-token"
STATUSES = ["initiated", "ringing", "in-progress", "completed"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed_attempts(database_url: str, count: int) -> list[int]:
    """Cases, phones and placed call attempts, set-based."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            """
            INSERT INTO taxpayers (external_ref, taxpayer_type, name, state, tin_last4, created_at, updated_at)
            SELECT 'B-' || n, 'individual', 'Bench Taxpayer ' || n, 'NY', '1234', now(), now()
            FROM generate_series(1, %(count)s) AS n;
            INSERT INTO phone_numbers (taxpayer_id, e164, zones, is_primary, status, created_at)
            SELECT id, '+1212555' || lpad((id % 10000)::text, 4, '0'), 'America/New_York', true, 'active', now()
            FROM taxpayers;
            INSERT INTO cases (case_number, taxpayer_id, balance_cents, notice_stage, last_notice_on, assessed_on,
                               csed_on, poa_on_file, created_at, updated_at)
            SELECT external_ref, id, 100000, 'CP504', '2026-09-01', '2025-01-01', '2035-01-01', false, now(), now()
            FROM taxpayers;
            INSERT INTO call_attempts (case_id, phone_number_id, to_e164, state, call_sid, created_at)
            SELECT c.id, p.id, p.e164, 'placed', 'CA' || md5(c.id::text), now()
            FROM cases c JOIN phone_numbers p ON p.taxpayer_id = c.taxpayer_id;
            """.replace("%(count)s", str(count))
        )
        return [row[0] for row in connection.execute("SELECT id FROM call_attempts ORDER BY id")]


def write_requests(path: Path, base_url: str, attempts: list[int]) -> int:
    """Every callback of every attempt, signed for base_url; interleaved so concurrent requests hit many calls."""
    validator = RequestValidator(TOKEN)
    lines = []
    for sequence, status in enumerate(STATUSES):
        for attempt_id in attempts:
            target = f"/webhooks/twilio/status?attempt={attempt_id}"
            params = {
                "AccountSid": "AC" + "0" * 32,
                "ApiVersion": "2010-04-01",
                "CallSid": f"CA{attempt_id}",
                "CallStatus": status,
                "Direction": "outbound-api",
                "From": "+12025550140",
                "To": "+12125550101",
                "SequenceNumber": str(sequence),
                "CallbackSource": "call-progress-events",
                "Timestamp": "Tue, 24 Nov 2026 19:00:00 +0000",
            }
            if status == "completed":
                params.update(CallDuration="42", AnsweredBy="human", SipResponseCode="200")
            signature = validator.compute_signature(base_url + target, params)
            lines.append(f"{target}\t{urllib.parse.urlencode(params)}\t{signature}")
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def start_gunicorn(
    target: str, port: int, workers: int, env: dict[str, str], chdir: Path, threads: int
) -> subprocess.Popen:  # type: ignore[type-arg]
    worker_class = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            *worker_class,
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(chdir),
            "--log-level",
            "warning",
            target,
        ],
        env=env,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit(f"gunicorn did not start for {target}")


def run_wrk(base_url: str, requests_file: Path, seconds: int, connections: int) -> dict[str, float]:
    threads = 2
    output = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(REPO_ROOT / "scripts" / "bench_webhooks.lua"),
            base_url,
            "--",
            str(requests_file),
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    total = int(re.search(r"(\d+) requests in", output).group(1))
    return {
        "rps": rps,
        "p50": latency("50%"),
        "p99": latency("99%"),
        "requests": total,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def settle_everything(database_url: str) -> tuple[float, int]:
    """Run the settler (as the dispatcher does) until no event is pending; seconds taken and events folded."""
    from contact_service.adapters.db.engine import create_db_engine, session_factory
    from contact_service.clock import SystemClock
    from contact_service.services.call_settlement import settle_all

    engine = create_db_engine(database_url)
    started = time.perf_counter()
    with session_factory(engine)() as session:
        result = settle_all(session, SystemClock().now())
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, result.events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread) for both apps")
    parser.add_argument("--attempts", type=int, default=15000)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is required: apt-get install wrk")

    name = f"bench_webhooks_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = f"{args.admin_url.rsplit('/', 1)[0]}/{name}"
    real_port, bare_port = free_port(), free_port()
    real_base = f"http://127.0.0.1:{real_port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": real_base,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "CONTACT_LOG_LEVEL": "WARNING",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
    }
    processes = []
    try:
        subprocess.run(
            [sys.executable, "-m", "contact_service", "db", "upgrade"], env=env, check=True, capture_output=True
        )
        attempts = seed_attempts(database_url, args.attempts)
        with tempfile.TemporaryDirectory() as scratch:
            requests_file = Path(scratch) / "requests.tsv"
            count = write_requests(requests_file, real_base, attempts)
            processes.append(
                start_gunicorn("scripts.bench_bare_app:app", bare_port, args.workers, env, REPO_ROOT, args.threads)
            )
            processes.append(
                start_gunicorn("contact_service.wsgi:app", real_port, args.workers, env, REPO_ROOT, args.threads)
            )
            urllib.request.urlopen(real_base + "/readyz", timeout=10)  # fails loudly if the app cannot serve
            bare = run_wrk(f"http://127.0.0.1:{bare_port}", requests_file, args.seconds, args.connections)
            real = run_wrk(real_base, requests_file, args.seconds, args.connections)
        settle_seconds, settled = settle_everything(database_url)
        with psycopg.connect(database_url) as connection:
            events = connection.execute("SELECT count(*) FROM call_events").fetchone()[0]
            ended = connection.execute("SELECT count(*) FROM call_attempts WHERE state = 'ended'").fetchone()[0]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    kind = f"gthread, {args.threads} threads" if args.threads > 1 else "sync"
    print(
        f"{count:,} distinct signed callbacks; gunicorn --workers {args.workers} ({kind}); "
        f"wrk -t2 -c{args.connections} -d{args.seconds}s"
    )
    print(f"{'':34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for label, result in (("bare Flask endpoint (reference)", bare), ("signed, persisted status webhook", real)):
        print(f"{label:34} {result['rps']:9.0f} {result['p50']:8.2f} {result['p99']:8.2f} {result['non_2xx']:8}")
    print(f"throughput ratio (real / bare): {real['rps'] / bare['rps']:.2f}  (target >= 0.50)")
    print(f"events stored: {events:,} of {real['requests']:,} requests (every distinct callback once)")
    print(
        f"settler afterwards: {settled:,} events folded into their attempts in {settle_seconds:.1f} s "
        f"({settled / settle_seconds:,.0f} events/s, one process); attempts ended: {ended:,}"
    )


if __name__ == "__main__":
    main()
