#!/usr/bin/env python
"""Benchmark: launching a campaign over every case on PostgreSQL, against a plain INSERT ... SELECT of the same
attempt rows, in the same run on the same server.

A fresh database is created for the run (and dropped after, unless --keep). It is filled with --cases cases
straight from SQL (generate_series, not the CSV importer, which has its own benchmark): taxpayers in every
state, territory and armed-forces code, one primary number each in the 555 exchange of a real area code (mostly
their own state's; one in ten lives elsewhere), its `zones` encoded as the importer does, a tenth of them a
second, non-primary number; one taxpayer in twenty has two cases. The mix: mostly CP504/LT11 notices mailed long
enough before the launch moment, the rest CP14-CP503 or too recent; about 5% with an active hold (some with two),
2% with a released one, 3% with a representative on file, 0.5% with no balance, 1% with a number found bad,
0.5% with no number at all. Seeding is timed on its own and is not part of the ratio; VACUUM ANALYZE follows it.

The launch moment is fixed: Tuesday 24 November 2026, 17:00 UTC (noon in New York, 9:00 in Los Angeles, before
8:00 in Honolulu, so due times differ by zone pair). Nothing reads the wall clock.

What is compared (each timed step starts after a CHECKPOINT, on a new connection; the references run first):

  reference  One statement, in autocommit (its commit included), timed from the client:
               INSERT INTO call_attempts_reference (campaign_id, attempt_number, case_id, phone_number_id,
                                                    to_e164, state, due_at, created_at)
               SELECT <campaign>, 1, c.id, p.id, p.e164, 'planned', w.opens_at, <launch moment>
               FROM cases c JOIN taxpayers t ON t.id = c.taxpayer_id
               JOIN phone_numbers p ON p.taxpayer_id = t.id AND p.is_primary
               JOIN bench_windows w ON w.zones = p.zones AND w.state = t.state
               WHERE NOT c.poa_on_file AND c.balance_cents > 0 AND c.notice_stage IN (<eligible stages>)
                 AND c.last_notice_on <= <notice cutoff> AND p.status = 'active'
                 AND NOT EXISTS (SELECT 1 FROM case_holds h WHERE h.case_id = c.id AND h.released_at IS NULL)
             call_attempts_reference is created `(LIKE call_attempts INCLUDING ALL)`, so it has the same
             columns, defaults (its ids come from call_attempts' own sequence), CHECK constraints, primary key,
             unique constraints and indexes, partial ones included. LIKE does not copy foreign keys, so the
             script adds call_attempts' foreign keys to it (campaigns, cases, phone_numbers, call_scripts):
             each reference row pays the same index maintenance and referential checks as a launched attempt.
             bench_windows holds, for each (zones, state) pair with a calling window, the window's opening,
             computed beforehand (untimed) with the same domain code the launch uses, so the reference writes
             exactly the rows the launch writes; the script checks that it does (count and an order-independent
             checksum of case, number, E.164 and due time). The reference computes no skip reason, writes no
             campaign_cases row and computes no window; the table is dropped after it. The same statement then
             runs once more into a copy made by LIKE alone (no foreign keys), printed for information only: the
             ratio is against the first, the table the launch really writes to.

  launch     contact_service.services.campaign_launch.launch(session, campaign_id, policy, moment) on a draft
             campaign whose selection is every case, then the session's commit (the service only flushes; the
             launch use case commits it the same way), timed from the call to the end of the commit. That is:
             the distinct (zones, state) pairs, their windows and the temporary table, one campaign_cases row
             per selected case with its skip reason, one call_attempts row per eligible case, the campaign's
             counters, the skip count query and the commit.

The ratio is launch seconds / reference seconds; the target is 4x or less. Where the launch's time goes is
printed per SQL statement (from SQLAlchemy cursor events).

    python scripts/bench_launch.py [--cases 1000000] [--admin-url postgresql://postgres@127.0.0.1:5432/test]
                                   [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from sqlalchemy import event

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from contact_service.bootstrap import bootstrap  # noqa: E402
from contact_service.domain.cases import Hold, NoticeStage  # noqa: E402
from contact_service.domain.contact_policy import ContactPolicy  # noqa: E402
from contact_service.domain.phone import decode_zones, encode_zones, parse_phone, possible_time_zones  # noqa: E402
from contact_service.domain.us_states import STATE_TIME_ZONES  # noqa: E402
from contact_service.services.campaign_launch import CaseSelection, launch  # noqa: E402
from contact_service.services.campaigns import CampaignSpec, create_campaign  # noqa: E402

LAUNCH_AT = dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.UTC)  # a Tuesday, not a federal holiday
SEEDED_AT = LAUNCH_AT - dt.timedelta(days=3)
TARGET_RATIO = 4.0

# Real area codes of each state and territory (one number in each is in the 555 exchange). American Samoa's 684
# has no valid 555 numbers and the armed-forces codes are no place: their taxpayers get an area code of elsewhere.
AREA_CODES: dict[str, tuple[str, ...]] = {
    "AL": ("205", "251", "334"),
    "AK": ("907",),
    "AZ": ("480", "520", "602"),
    "AR": ("479", "501"),
    "CA": ("213", "310", "415", "619", "916"),
    "CO": ("303", "719"),
    "CT": ("203", "860"),
    "DE": ("302",),
    "DC": ("202",),
    "FL": ("305", "407", "813", "850"),
    "GA": ("404", "912"),
    "HI": ("808",),
    "ID": ("208",),
    "IL": ("312", "618"),
    "IN": ("317", "219"),
    "IA": ("515", "319"),
    "KS": ("316", "785", "620"),
    "KY": ("502", "270"),
    "LA": ("504", "318"),
    "ME": ("207",),
    "MD": ("410", "301"),
    "MA": ("617", "413"),
    "MI": ("313", "906"),
    "MN": ("612", "218"),
    "MS": ("601", "228"),
    "MO": ("314", "816"),
    "MT": ("406",),
    "NE": ("402", "308"),
    "NV": ("702", "775"),
    "NH": ("603",),
    "NJ": ("201", "609"),
    "NM": ("505",),
    "NY": ("212", "518", "716"),
    "NC": ("704", "919"),
    "ND": ("701",),
    "OH": ("216", "614", "513"),
    "OK": ("405", "918"),
    "OR": ("503", "541"),
    "PA": ("215", "412", "717"),
    "RI": ("401",),
    "SC": ("803", "843"),
    "SD": ("605",),
    "TN": ("615", "901", "423"),
    "TX": ("214", "713", "512", "915"),
    "UT": ("801",),
    "VT": ("802",),
    "VA": ("703", "804"),
    "WA": ("206", "509"),
    "WV": ("304",),
    "WI": ("414", "608"),
    "WY": ("307",),
    "PR": ("787",),
    "VI": ("340",),
    "GU": ("671",),
    "MP": ("670",),
}
# Rough weights of where taxpayers live (every code in STATE_TIME_ZONES gets at least 1).
STATE_WEIGHTS = {
    "CA": 24,
    "TX": 18,
    "FL": 14,
    "NY": 12,
    "PA": 8,
    "IL": 8,
    "OH": 7,
    "GA": 6,
    "NC": 6,
    "MI": 6,
    "NJ": 5,
    "VA": 5,
    "WA": 5,
    "AZ": 4,
    "MA": 4,
    "TN": 4,
    "IN": 4,
    "MD": 4,
    "MO": 3,
    "WI": 3,
    "CO": 3,
    "MN": 3,
    "SC": 3,
    "AL": 3,
    "LA": 3,
    "KY": 3,
    "OR": 3,
    "OK": 2,
    "CT": 2,
    "UT": 2,
    "IA": 2,
    "NV": 2,
    "AR": 2,
    "MS": 2,
    "KS": 2,
    "NM": 2,
    "NE": 2,
    "PR": 2,
}

# bench_hash(n, salt, m): a deterministic pseudo-random integer in [0, m) for row n; salts make columns independent.
HASH_FUNCTION = """
CREATE FUNCTION bench_hash(n bigint, salt bigint, m integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ((hashint8extended(n, salt) & 2147483647) % m)::integer $$
"""


def area_code_table() -> tuple[list[str], list[str], list[tuple[str, int, int]]]:
    """Area codes, their encoded zones (computed once per area code, as the importer would), and for each state
    the slice of the list that is its own."""
    codes, zones, slices = [], [], []
    for state in STATE_TIME_ZONES:
        own = AREA_CODES.get(state, ())
        slices.append((state, len(codes), len(own)))
        for code in own:
            parsed = parse_phone(f"+1{code}5550100")
            codes.append(code)
            zones.append(encode_zones(parsed.zones))
    return codes, zones, slices


def seed(conninfo: str, cases: int) -> tuple[float, int]:
    """Taxpayers, numbers, cases and holds, set-based. Returns (seconds, taxpayers)."""
    taxpayers = cases - cases // 20
    codes, zones, slices = area_code_table()
    states = [state for state in STATE_TIME_ZONES for _ in range(STATE_WEIGHTS.get(state, 1))]
    params = {
        "cases": cases,
        "taxpayers": taxpayers,
        "states": states,
        "codes": codes,
        "zones": zones,
        "n_states": len(states),
        "n_codes": len(codes),
        "at": SEEDED_AT,
        "launch_day": LAUNCH_AT.date(),
        "holds": [hold.value for hold in Hold],
        "n_holds": len(Hold),
    }
    started = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(HASH_FUNCTION)
        connection.execute("CREATE TABLE bench_states (state varchar(2) PRIMARY KEY, ac_from int, ac_count int)")
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO bench_states VALUES (%s, %s, %s)", slices)
        with connection.transaction():
            connection.execute(
                """
                INSERT INTO taxpayers (external_ref, taxpayer_type, name, state, tin_last4, created_at, updated_at)
                SELECT 'BENCH-' || n,
                       CASE WHEN bench_hash(n, 1, 100) < 85 THEN 'individual'
                            WHEN bench_hash(n, 1, 100) < 98 THEN 'business' ELSE 'estate' END,
                       'Bench Taxpayer ' || n,
                       (%(states)s::text[])[1 + bench_hash(n, 2, %(n_states)s)],
                       lpad(bench_hash(n, 3, 10000)::text, 4, '0'), %(at)s, %(at)s
                FROM generate_series(1, %(taxpayers)s) AS n
                """,
                params,
            )
            # The primary number: 90% in an area code of the taxpayer's own state, the rest anywhere; 0.5% have
            # none; 1% were found bad.
            connection.execute(
                """
                INSERT INTO phone_numbers (taxpayer_id, e164, zones, is_primary, status, bad_reason, marked_bad_at,
                                           created_at)
                SELECT id, '+1' || (%(codes)s::text[])[k + 1] || '555' || lpad(bench_hash(id, 7, 10000)::text, 4, '0'),
                       (%(zones)s::text[])[k + 1], true,
                       CASE WHEN bad THEN 'bad' ELSE 'active' END,
                       CASE WHEN bad THEN 'disconnected (bench)' END,
                       CASE WHEN bad THEN %(at)s::timestamptz END,
                       %(at)s
                FROM (
                    SELECT t.id, bench_hash(t.id, 8, 1000) < 10 AS bad,
                           CASE WHEN s.ac_count > 0 AND bench_hash(t.id, 4, 100) < 90
                                THEN s.ac_from + bench_hash(t.id, 5, s.ac_count)
                                ELSE bench_hash(t.id, 6, %(n_codes)s) END AS k
                    FROM taxpayers t JOIN bench_states s ON s.state = t.state
                    WHERE bench_hash(t.id, 9, 1000) >= 5
                ) numbers
                """,
                params,
            )
            # A tenth of the taxpayers also have an older, non-primary number.
            connection.execute(
                """
                INSERT INTO phone_numbers (taxpayer_id, e164, zones, is_primary, status, created_at)
                SELECT id, '+1' || (%(codes)s::text[])[k + 1] || '555' || lpad(bench_hash(id, 17, 10000)::text, 4, '0'),
                       (%(zones)s::text[])[k + 1], false, 'active', %(at)s
                FROM (SELECT id, bench_hash(id, 16, %(n_codes)s) AS k FROM taxpayers
                      WHERE bench_hash(id, 15, 100) < 10) numbers
                ON CONFLICT (taxpayer_id, e164) DO NOTHING
                """,
                params,
            )
            # Notice stages: 45% CP504, 35% LT11, 20% earlier. 96% of the CP504/LT11 were mailed 21 days or more
            # before the launch day, the others within the last 20 days.
            connection.execute(
                """
                INSERT INTO cases (case_number, taxpayer_id, balance_cents, notice_stage, last_notice_on,
                                   assessed_on, csed_on, poa_on_file, created_at, updated_at)
                SELECT 'BC-' || n, t.id,
                       CASE WHEN bench_hash(n, 10, 1000) < 5 THEN 0 ELSE 5000 + bench_hash(n, 11, 5000000) END,
                       stage, notice_on, assessed_on, (assessed_on + interval '10 years')::date,
                       bench_hash(n, 13, 100) < 3, %(at)s, %(at)s
                FROM (
                    SELECT n, stage, notice_on, notice_on - 60 - bench_hash(n, 16, 1500) AS assessed_on
                    FROM (
                        SELECT n,
                               CASE WHEN s < 45 THEN 'CP504' WHEN s < 80 THEN 'LT11' WHEN s < 87 THEN 'CP14'
                                    WHEN s < 94 THEN 'CP501' ELSE 'CP503' END AS stage,
                               CASE WHEN bench_hash(n, 14, 100) < 96
                                    THEN %(launch_day)s::date - 21 - bench_hash(n, 15, 400)
                                    ELSE %(launch_day)s::date - bench_hash(n, 15, 21) END AS notice_on
                        FROM (SELECT n, bench_hash(n, 12, 100) AS s FROM generate_series(1, %(cases)s) AS n) g
                    ) staged
                ) c
                JOIN taxpayers t ON t.external_ref = 'BENCH-' || ((n - 1) %% %(taxpayers)s + 1)
                """,
                params,
            )
            # Holds: 5% of cases have an active one (a tenth of those a second one), 2% a released one.
            connection.execute(
                """
                INSERT INTO case_holds (case_id, hold, source, placed_at, released_at)
                SELECT id, (%(holds)s::text[])[1 + bench_hash(id, 20, %(n_holds)s)], 'import', %(at)s, NULL::timestamptz
                FROM cases WHERE bench_hash(id, 21, 100) < 5
                UNION ALL
                SELECT id, (%(holds)s::text[])[1 + (bench_hash(id, 20, %(n_holds)s) + 1) %% %(n_holds)s],
                       'operator', %(at)s, NULL
                FROM cases WHERE bench_hash(id, 21, 100) < 5 AND bench_hash(id, 22, 10) = 0
                UNION ALL
                SELECT id, (%(holds)s::text[])[1 + bench_hash(id, 23, %(n_holds)s)], 'operator',
                       %(at)s::timestamptz - interval '90 days', %(at)s::timestamptz - interval '30 days'
                FROM cases WHERE bench_hash(id, 24, 100) < 2
                """,
                params,
            )
        connection.execute("DROP TABLE bench_states")
        connection.execute("DROP FUNCTION bench_hash")
        connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - started, taxpayers


def build_windows(conninfo: str, policy: ContactPolicy) -> int:
    """bench_windows: the opening of every (zones, state) pair that has a calling window. Returns the pair count."""
    with psycopg.connect(conninfo, autocommit=True) as connection:
        pairs = connection.execute(
            "SELECT DISTINCT p.zones, t.state FROM taxpayers t "
            "JOIN phone_numbers p ON p.taxpayer_id = t.id AND p.is_primary"
        ).fetchall()
        rows = []
        for zones_text, state in pairs:
            zones = possible_time_zones(decode_zones(zones_text), state)
            opens_at = policy.window.next_opening(LAUNCH_AT, zones) if zones else None
            if opens_at is not None:
                rows.append((zones_text, state, opens_at))
        connection.execute(
            "CREATE TABLE bench_windows (zones text NOT NULL, state varchar(2) NOT NULL, "
            "opens_at timestamptz NOT NULL, PRIMARY KEY (zones, state))"
        )
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO bench_windows VALUES (%s, %s, %s)", rows)
        connection.execute("ANALYZE bench_windows")
    return len(pairs)


def create_reference_table(connection: psycopg.Connection, foreign_keys: bool) -> None:
    """call_attempts' shape: LIKE ... INCLUDING ALL, plus (if asked) its foreign keys, which LIKE never copies."""
    connection.execute("CREATE TABLE call_attempts_reference (LIKE call_attempts INCLUDING ALL)")
    if not foreign_keys:
        return
    definitions = connection.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'call_attempts'::regclass AND contype = 'f' ORDER BY conname"
    ).fetchall()
    for name, definition in definitions:
        constraint = f"ref_{name}"[:63]
        connection.execute(f'ALTER TABLE call_attempts_reference ADD CONSTRAINT "{constraint}" {definition}')


# Order-independent fingerprint of attempt rows: what the launch and the reference must agree on.
CHECKSUM_SQL = (
    "SELECT COUNT(*), COALESCE(SUM(hashtextextended(case_id || '|' || phone_number_id || '|' || to_e164 || '|' "
    "|| COALESCE(extract(epoch FROM due_at)::bigint::text, '-') || '|' || state || '|' || attempt_number, 0)"
    "::numeric), 0) FROM {table} WHERE campaign_id = %s"
)


def checkpoint(conninfo: str) -> None:
    """Start each timed step with no dirty pages left by the previous one (needs a superuser; skipped if not)."""
    with (
        psycopg.connect(conninfo, autocommit=True) as connection,
        contextlib.suppress(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute("CHECKPOINT")


REFERENCE_SQL = """
INSERT INTO call_attempts_reference (campaign_id, attempt_number, case_id, phone_number_id, to_e164,
                                     state, due_at, created_at)
SELECT %(campaign)s, 1, c.id, p.id, p.e164, 'planned', w.opens_at, %(now)s
FROM cases c
JOIN taxpayers t ON t.id = c.taxpayer_id
JOIN phone_numbers p ON p.taxpayer_id = t.id AND p.is_primary
JOIN bench_windows w ON w.zones = p.zones AND w.state = t.state
WHERE NOT c.poa_on_file AND c.balance_cents > 0 AND c.notice_stage = ANY(%(stages)s)
  AND c.last_notice_on <= %(cutoff)s AND p.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM case_holds h WHERE h.case_id = c.id AND h.released_at IS NULL)
"""


def run_reference(
    conninfo: str, campaign_id: int, policy: ContactPolicy, foreign_keys: bool
) -> tuple[float, int, tuple[int, int]]:
    """The plain INSERT ... SELECT (see the module docstring), in autocommit, timed from the client; the table
    is dropped after. Returns (seconds, rows, checksum of the rows)."""
    stages = [stage.value for stage in NoticeStage if stage.at_least(policy.min_notice_stage)]
    cutoff = LAUNCH_AT.date() - dt.timedelta(days=policy.min_days_since_notice)
    params = {"campaign": campaign_id, "now": LAUNCH_AT, "stages": stages, "cutoff": cutoff}
    with psycopg.connect(conninfo, autocommit=True) as connection:
        create_reference_table(connection, foreign_keys)
        connection.execute("ANALYZE call_attempts_reference")
    checkpoint(conninfo)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        started = time.perf_counter()
        rows = connection.execute(REFERENCE_SQL, params).rowcount
        elapsed = time.perf_counter() - started
        checksum = connection.execute(CHECKSUM_SQL.format(table="call_attempts_reference"), (campaign_id,)).fetchone()
        connection.execute("DROP TABLE call_attempts_reference")
    return elapsed, rows, checksum


class StatementTimer:
    """Wall time of every SQL statement an engine runs while attached (SQLAlchemy cursor events)."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.engine = engine
        self.statements: list[tuple[str, float, int]] = []
        self._started = 0.0

    def _before(self, *_args) -> None:  # type: ignore[no-untyped-def]
        self._started = time.perf_counter()

    def _after(self, _conn, cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        label = " ".join(statement.split())
        self.statements.append((label, time.perf_counter() - self._started, cursor.rowcount))

    def __enter__(self) -> StatementTimer:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc_info) -> None:  # type: ignore[no-untyped-def]
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def short(label: str, width: int = 74) -> str:
    return label if len(label) <= width else label[: width - 3] + "..."


def create_database(admin_url: str, prefix: str) -> tuple[str, str]:
    """A new, empty database for one benchmark run: (name, URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name, f"{admin_url.rsplit('/', 1)[0]}/{name}"


def migrate_database(database_url: str) -> None:
    """Bring the schema to head with the real command, as an operator would."""
    subprocess.run(
        [sys.executable, "-m", "contact_service", "db", "upgrade"],
        check=True,
        capture_output=True,
        env={**os.environ, "DATABASE_URL": database_url, "CONTACT_LOG_LEVEL": "WARNING"},
    )


def drop_database(admin_url: str, name: str) -> None:
    """Remove a benchmark's database."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()

    name, database_url = create_database(args.admin_url, "bench_launch")
    print(f"database {name}: {args.cases:,} cases, launch at {LAUNCH_AT.isoformat()}", flush=True)
    container = None
    try:
        migrate_database(database_url)
        with psycopg.connect(database_url) as connection:
            server = connection.execute(
                "SELECT current_setting('server_version'), current_setting('shared_buffers'), "
                "current_setting('work_mem'), current_setting('max_parallel_workers_per_gather'), "
                "current_setting('synchronous_commit')"
            ).fetchone()
        seed_seconds, taxpayers = seed(database_url, args.cases)
        print(f"seeded in {seed_seconds:.1f} s (not in the ratio)", flush=True)

        container = bootstrap(overrides={"database_url": database_url})
        policy = container.contact_policy
        pairs = build_windows(database_url, policy)
        with container.sessions() as session:
            campaign = create_campaign(
                session,
                CampaignSpec(name="bench launch", selection=CaseSelection()),
                "bench_launch",
                container.settings,
                LAUNCH_AT,
            )
            session.commit()
            campaign_id = campaign.id

        reference_seconds, reference_rows, reference_checksum = run_reference(
            database_url, campaign_id, policy, foreign_keys=True
        )
        bare_seconds, _, _ = run_reference(database_url, campaign_id, policy, foreign_keys=False)
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("DROP TABLE bench_windows")
        print(f"reference done in {reference_seconds:.2f} s ({bare_seconds:.2f} s without foreign keys)", flush=True)

        checkpoint(database_url)
        container.engine.dispose()  # the launch starts on a fresh connection, as the reference did
        with StatementTimer(container.engine) as timer, container.sessions() as session:
            started = time.perf_counter()
            result = launch(session, campaign_id, policy, LAUNCH_AT)
            session.commit()
            launch_seconds = time.perf_counter() - started
        with psycopg.connect(database_url) as connection:
            launch_checksum = connection.execute(CHECKSUM_SQL.format(table="call_attempts"), (campaign_id,)).fetchone()
    finally:
        if container is not None:
            container.close()
        if not args.keep:
            drop_database(args.admin_url, name)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    ratio = launch_seconds / reference_seconds
    planned = result.planned
    print()
    print(
        f"PostgreSQL {server[0]}: shared_buffers {server[1]}, work_mem {server[2]}, "
        f"max_parallel_workers_per_gather {server[3]}, synchronous_commit {server[4]}"
    )
    print(
        f"data: {args.cases:,} cases of {taxpayers:,} taxpayers; {pairs} distinct (zones, state) pairs "
        "among primary numbers"
    )
    print(f"seeding (not in the ratio):  {seed_seconds:8.2f} s")
    print(f"{'':34} {'seconds':>9} {'attempts':>10} {'attempts/s':>11} {'cases/s':>10}")
    print(
        f"{'plain INSERT ... SELECT (reference)':34} {reference_seconds:9.2f} {reference_rows:10,} "
        f"{reference_rows / reference_seconds:11,.0f} {'':>10}"
    )
    print(
        f"{'  same, without foreign keys (info)':34} {bare_seconds:9.2f} {reference_rows:10,} "
        f"{reference_rows / bare_seconds:11,.0f} {'':>10}  launch / this: {launch_seconds / bare_seconds:.2f}x"
    )
    print(
        f"{'campaign launch':34} {launch_seconds:9.2f} {planned:10,} {planned / launch_seconds:11,.0f} "
        f"{result.selected / launch_seconds:10,.0f}"
    )
    print(
        f"ratio launch / reference: {ratio:.2f}x  (target <= {TARGET_RATIO:.0f}x: "
        f"{'met' if ratio <= TARGET_RATIO else 'NOT met'})"
    )
    same = tuple(launch_checksum) == tuple(reference_checksum) and planned == reference_rows
    print(
        f"same attempt rows as the reference: {'yes' if same else 'NO'} "
        f"(launch {launch_checksum[0]:,} rows, reference {reference_checksum[0]:,})"
    )
    print(f"launch: {result.selected:,} cases selected, {planned:,} planned, {result.selected - planned:,} skipped")
    for reason, count in sorted(result.skipped.items(), key=lambda item: -item[1]):
        print(f"  skipped {reason:28} {count:10,}  {count / max(result.selected, 1):6.1%}")
    print("launch time by statement:")
    accounted = 0.0
    for label, seconds, rowcount in timer.statements:
        accounted += seconds
        rows = f"{rowcount:,}" if rowcount is not None and rowcount >= 0 else ""
        print(f"  {seconds:8.3f} s {rows:>10}  {short(label)}")
    print(f"  {launch_seconds - accounted:8.3f} s {'':>10}  (commit, Python and round trips outside statements)")
    print(f"peak memory of this process: {peak_kib / 1024:6.0f} MB")
    if args.keep:
        print(f"kept database: {database_url}")


if __name__ == "__main__":
    main()
