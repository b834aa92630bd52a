#!/usr/bin/env python
"""Benchmark: the escalation sweep over a million cases, and claims per second with 8 representatives, on
PostgreSQL, each against a reference measured in the same run on the same server.

A fresh database is created (and dropped after, unless --keep) and seeded as scripts/bench_launch.py seeds it
(--cases cases, every state, holds, representatives on file, bad numbers...). One completed campaign then holds
every case, its automated phase ended as set-based SQL decides per case: 35% attempts exhausted, 25% voicemail
left, 20% reached, 5% bad number, 5% responded, 10% skipped for a notice reason; representatives on file were
skipped for that reason. Endings are spread over the 30 days before the sweep moment, so the 10-day grace period
keeps about a third of the voicemail and reached cases waiting; 3% of the cases have a response after the
launch. Seeding is timed on its own and is not part of any ratio; VACUUM ANALYZE follows it.

Sweep (the target is 5 s or less for the sweep itself):
  reference  The exact rows the sweep will write are first computed into a plain table (untimed). The
             reference is then one autocommit INSERT INTO call_list_entries_reference SELECT * FROM that table,
             where call_list_entries_reference is `LIKE call_list_entries INCLUDING ALL` plus its foreign keys:
             the same indexes (partial ones included), constraints and referential checks, none of the rules.
  sweep      contact_service.use_cases.call_lists.run_escalation_sweep(uow, SYSTEM, grace=grace), timed from
             the call to its return: the rules over every campaign case, the insert, the per-list counts, claim
             expiry, the audit record and the commit. It must write exactly the reference's rows (checked).

Claims (8 threads, --claim-seconds each phase, on the individual list the sweep filled):
  reference  Each thread loops: SELECT id FROM call_list_entries_reference WHERE call_list_id = <list> AND
             status = 'open' ORDER BY <the same priority> LIMIT 1 FOR UPDATE SKIP LOCKED; UPDATE it to claimed;
             COMMIT (psycopg, no ORM, no calling-window check, no audit).
  ours       Each thread loops contact_service.use_cases.call_lists.take_next_case(...), one unit of work each:
             the list's visibility, the same lock, the calling-window check of the candidates, the claim, the
             audit record, the commit.
  Both check that no entry was handed out twice.

    python scripts/bench_escalation.py [--cases 1000000] [--claim-seconds 10] [--keep]
                                       [--admin-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from contact_service.bootstrap import bootstrap  # noqa: E402
from contact_service.clock import FixedClock  # noqa: E402
from contact_service.domain.access import SYSTEM, Actor, Role  # noqa: E402
from contact_service.domain.escalation import DEFAULT_GRACE  # noqa: E402
from contact_service.services.call_lists import ensure_call_lists, find_list  # noqa: E402
from contact_service.services.escalation import _ENTRY_COLUMNS, _SWEEP_SQL  # noqa: E402
from contact_service.services.unit_of_work import UnitOfWork  # noqa: E402
from contact_service.use_cases.call_lists import run_escalation_sweep, take_next_case  # noqa: E402
from scripts.bench_launch import (  # noqa: E402
    HASH_FUNCTION,
    LAUNCH_AT,
    checkpoint,
    create_database,
    drop_database,
    migrate_database,
    seed,
)

SWEEP_AT = LAUNCH_AT  # Tuesday 17:00 UTC: noon in New York, 9:00 in Los Angeles, 7:00 in Honolulu
CAMPAIGN_LAUNCHED = SWEEP_AT - dt.timedelta(days=40)
TARGET_SECONDS = 5.0
THREADS = 8
CLAIM_LIMIT = dt.timedelta(minutes=30)
PRIORITY = "ever_reached, balance_cents DESC, csed_on, last_contact_at NULLS FIRST, id"


def end_campaign(conninfo: str) -> int:
    """One completed campaign holding every case, each ending as the docstring says. Returns its id."""
    params = {"launched": CAMPAIGN_LAUNCHED, "completed": SWEEP_AT - dt.timedelta(days=1), "at": SWEEP_AT}
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(HASH_FUNCTION)  # seed() dropped its own
        with connection.transaction():
            campaign_id = connection.execute(
                """
                INSERT INTO campaigns (name, status, selection, calls_per_second, max_attempts, retry_minutes,
                                       created_by, created_at, launched_at, completed_at, cases_selected,
                                       cases_planned, cases_skipped)
                VALUES ('bench ended', 'completed', '{}', 10, 3, '{}', 'bench', %(launched)s, %(launched)s,
                        %(completed)s, 0, 0, 0) RETURNING id
                """,
                params,
            ).fetchone()[0]
            params["campaign"] = campaign_id
            connection.execute(
                """
                INSERT INTO campaign_cases (campaign_id, case_id, state, skip_reason, attempts_made, last_outcome,
                                            closed_at)
                SELECT %(campaign)s, id,
                       CASE WHEN poa_on_file OR h >= 90 THEN 'skipped' WHEN h < 35 THEN 'exhausted'
                            WHEN h < 60 THEN 'voicemail_left' WHEN h < 80 THEN 'reached'
                            WHEN h < 85 THEN 'bad_number' ELSE 'responded' END,
                       CASE WHEN poa_on_file THEN 'representative_on_file' WHEN h >= 90 THEN 'notice_stage' END,
                       CASE WHEN poa_on_file OR h >= 90 THEN 0 ELSE 1 + bench_hash(id, 32, 3) END,
                       NULL,
                       %(at)s - make_interval(days => 1 + bench_hash(id, 31, 30), mins => bench_hash(id, 33, 600))
                FROM (SELECT id, poa_on_file, bench_hash(id, 30, 100) AS h FROM cases) c
                """,
                params,
            )
            connection.execute(
                """
                UPDATE cases c SET last_attempt_at = cc.closed_at - interval '1 minute',
                       last_response_at = CASE WHEN bench_hash(c.id, 34, 100) < 3
                                               THEN %(launched)s + interval '5 days' END
                FROM campaign_cases cc WHERE cc.case_id = c.id AND cc.state <> 'skipped'
                """,
                params,
            )
        connection.execute("DROP FUNCTION bench_hash")
        connection.execute("VACUUM ANALYZE")
    return campaign_id


def prepare_reference(conninfo: str) -> int:
    """The rows the sweep will write, into bench_expected (untimed), and the reference table. Returns rows."""
    columns = ", ".join(_ENTRY_COLUMNS)
    sql = _SWEEP_SQL.replace(":now", "%(now)s").replace(":grace_cutoff", "%(cutoff)s")
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(
            f"CREATE TABLE bench_expected AS SELECT * FROM ({sql}) AS rows({columns})",
            {"now": SWEEP_AT, "cutoff": SWEEP_AT - DEFAULT_GRACE},
        )
        connection.execute("CREATE TABLE call_list_entries_reference (LIKE call_list_entries INCLUDING ALL)")
        for column, target in (("call_list_id", "call_lists"), ("case_id", "cases"), ("campaign_id", "campaigns")):
            connection.execute(
                f"ALTER TABLE call_list_entries_reference ADD FOREIGN KEY ({column}) REFERENCES {target} (id)"
            )
        connection.execute("ANALYZE bench_expected")
        return connection.execute("SELECT count(*) FROM bench_expected").fetchone()[0]


def run_reference_insert(conninfo: str) -> float:
    """The timed plain INSERT ... SELECT of the same rows."""
    columns = ", ".join(_ENTRY_COLUMNS)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        started = time.perf_counter()
        connection.execute(f"INSERT INTO call_list_entries_reference ({columns}) SELECT {columns} FROM bench_expected")
        return time.perf_counter() - started


def same_rows(conninfo: str) -> bool:
    """Whether the sweep wrote exactly the expected rows (case, list, campaign, reason, priority columns)."""
    key = "call_list_id, case_id, campaign_id, reason, balance_cents, csed_on, last_contact_at, ever_reached"
    with psycopg.connect(conninfo) as connection:
        missing = connection.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM bench_expected EXCEPT SELECT {key} FROM call_list_entries) d"
        ).fetchone()[0]
        extra = connection.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM call_list_entries EXCEPT SELECT {key} FROM bench_expected) d"
        ).fetchone()[0]
    return missing == 0 and extra == 0


def claim_reference(conninfo: str, list_id: int, seconds: float) -> list[int]:
    """8 threads claiming with bare SQL for `seconds`; returns every entry id claimed."""
    claimed: list[int] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def work() -> None:
        mine: list[int] = []
        with psycopg.connect(conninfo) as connection:
            while time.perf_counter() < deadline:
                with connection.transaction():
                    row = connection.execute(
                        f"SELECT id FROM call_list_entries_reference WHERE call_list_id = %s AND status = 'open' "
                        f"ORDER BY {PRIORITY} LIMIT 1 FOR UPDATE SKIP LOCKED",
                        (list_id,),
                    ).fetchone()
                    if row is None:
                        break
                    connection.execute(
                        "UPDATE call_list_entries_reference SET status = 'claimed', claimed_by = %s, "
                        "claimed_at = now(), claim_expires_at = now() + interval '30 minutes' "
                        "WHERE id = %s",
                        (threading.current_thread().name, row[0]),
                    )
                    mine.append(row[0])
        with lock:
            claimed.extend(mine)

    run_threads(work)
    return claimed


def claim_ours(container, list_id: int, seconds: float) -> list[int]:  # type: ignore[no-untyped-def]
    """8 threads taking the next case through the service for `seconds`; returns every entry id taken."""
    claimed: list[int] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def work() -> None:
        mine: list[int] = []
        actor = Actor(threading.current_thread().name, Role.SUPERVISOR)
        while time.perf_counter() < deadline:
            taken = take_next_case(at_sweep_moment(container), actor, list_id, claim_limit=CLAIM_LIMIT)
            if taken.entry is None:
                break
            mine.append(taken.entry.id)
        with lock:
            claimed.extend(mine)

    run_threads(work)
    return claimed


def at_sweep_moment(container) -> UnitOfWork:  # type: ignore[no-untyped-def]
    """A unit of work whose clock stands at the sweep moment (a Tuesday afternoon: inside the calling window)."""
    return UnitOfWork(container.sessions, FixedClock(SWEEP_AT))


def run_threads(work) -> None:  # type: ignore[no-untyped-def]
    threads = [threading.Thread(target=work, name=f"rep{i}") for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--claim-seconds", type=float, default=10.0)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()

    name, database_url = create_database(args.admin_url, "bench_escalation")
    print(f"database {name}: {args.cases:,} cases, sweep at {SWEEP_AT.isoformat()}", flush=True)
    container = None
    try:
        migrate_database(database_url)
        seed_seconds, _ = seed(database_url, args.cases)
        started = time.perf_counter()
        end_campaign(database_url)
        print(f"seeded in {seed_seconds + time.perf_counter() - started:.1f} s (not in the ratios)", flush=True)

        expected = prepare_reference(database_url)
        checkpoint(database_url)
        reference_seconds = run_reference_insert(database_url)
        print(f"reference insert of {expected:,} rows: {reference_seconds:.2f} s", flush=True)

        container = bootstrap(overrides={"database_url": database_url})
        checkpoint(database_url)
        with container.sessions() as session:
            ensure_call_lists(session)
            session.commit()
            individual = find_list(session, "individual").id
        started = time.perf_counter()
        result = run_escalation_sweep(at_sweep_moment(container), SYSTEM, grace=DEFAULT_GRACE)
        sweep_seconds = time.perf_counter() - started
        again_started = time.perf_counter()
        again = run_escalation_sweep(at_sweep_moment(container), SYSTEM, grace=DEFAULT_GRACE)
        again_seconds = time.perf_counter() - again_started
        identical = same_rows(database_url)
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("ANALYZE call_list_entries")
            connection.execute("ANALYZE call_list_entries_reference")

        reference_claims = claim_reference(database_url, individual, args.claim_seconds)
        our_claims = claim_ours(container, individual, args.claim_seconds)
    finally:
        if container is not None:
            container.close()
        if not args.keep:
            drop_database(args.admin_url, name)

    twice = lambda ids: sum(1 for count in Counter(ids).values() if count > 1)  # noqa: E731
    reference_rate = len(reference_claims) / args.claim_seconds
    our_rate = len(our_claims) / args.claim_seconds
    print()
    print(
        f"sweep over {args.cases:,} cases: listed {result.total_listed:,} "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(result.listed.items()))})"
    )
    print(f"  reference (plain INSERT ... SELECT of the same rows): {reference_seconds:7.2f} s")
    print(
        f"  sweep:                                                {sweep_seconds:7.2f} s  "
        f"ratio {sweep_seconds / reference_seconds:.2f}x  target <= {TARGET_SECONDS:.0f} s: "
        f"{'met' if sweep_seconds <= TARGET_SECONDS else 'MISSED'}"
    )
    print(
        f"  same rows as the reference: {'yes' if identical else 'NO'}; "
        f"second sweep listed {again.total_listed} in {again_seconds:.2f} s (idempotent)"
    )
    print(f"claims with {THREADS} concurrent representatives, {args.claim_seconds:.0f} s each:")
    print(
        f"  reference (bare SELECT ... FOR UPDATE SKIP LOCKED + UPDATE): {reference_rate:8.1f} claims/s, "
        f"handed out twice: {twice(reference_claims)}"
    )
    print(
        f"  take_next (window check, audit):                            {our_rate:8.1f} claims/s, "
        f"handed out twice: {twice(our_claims)}  ratio {reference_rate / our_rate:.2f}x slower"
    )


if __name__ == "__main__":
    main()
