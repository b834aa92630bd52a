#!/usr/bin/env python
"""Benchmark: import a generated case file into PostgreSQL, against PostgreSQL's own COPY of the same rows.

Runs the real `contact-service cases import` in a child process (so its peak memory is measured from the OS),
on a fresh database created for the run and dropped after. The reference is a client-side
`COPY ... FROM STDIN (FORMAT csv, HEADER)` of the same file into a plain table of text columns, timed in the
same run on the same server.

    python scripts/bench_import.py [--rows 1000000] [--admin-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from contact_service.domain.case_record import CASE_COLUMNS  # noqa: E402
from contact_service.services.synthetic_cases import write_synthetic_cases  # noqa: E402


def generate(path: Path, rows: int) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as stream:
        write_synthetic_cases(stream, rows, today=dt.date(2026, 11, 23), seed=7, prefix="BENCH")
    partial.rename(path)


def copy_reference(conninfo: str, path: Path) -> float:
    columns = ", ".join(f"{name} text" for name in CASE_COLUMNS)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f"CREATE TABLE copy_reference ({columns})")
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            path.open("rb") as handle,
            cursor.copy("COPY copy_reference FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - started
        connection.execute("DROP TABLE copy_reference")
    return elapsed


def run_import(database_url: str, path: Path) -> tuple[float, int, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "CONTACT_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "contact_service", "cases", "import", "--quiet", str(path)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if result.returncode != 0:
        sys.exit(f"import failed ({result.returncode}): {result.stderr or result.stdout}")
    return elapsed, max(peak_kib, before), result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--file", type=Path, help="case file to use (generated if missing)")
    args = parser.parse_args()

    path = args.file or REPO_ROOT / "var" / "bench" / f"cases_{args.rows}.csv"
    print(f"case file: {path} ({args.rows:,} rows)", flush=True)
    generate(path, args.rows)
    size_mb = path.stat().st_size / 1e6

    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = args.admin_url.rsplit("/", 1)[0]
    database_url = f"{base}/{name}"
    try:
        subprocess.run(
            [sys.executable, "-m", "contact_service", "db", "upgrade"],
            env={**os.environ, "DATABASE_URL": database_url, "CONTACT_LOG_LEVEL": "WARNING"},
            check=True,
            capture_output=True,
        )
        copy_seconds = copy_reference(database_url, path)
        first_seconds, peak_kib, summary = run_import(database_url, path)
        second_seconds, peak_kib_2, _ = run_import(database_url, path)
    finally:
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    rows = args.rows
    print(summary)
    print(f"file size:                 {size_mb:8.1f} MB")
    print(f"PostgreSQL COPY (reference): {copy_seconds:8.2f} s  {rows / copy_seconds:10,.0f} rows/s")
    print(
        f"cases import, new cases:     {first_seconds:8.2f} s  {rows / first_seconds:10,.0f} rows/s"
        f"  ratio to COPY {first_seconds / copy_seconds:5.1f}x"
    )
    print(
        f"cases import, re-import:     {second_seconds:8.2f} s  {rows / second_seconds:10,.0f} rows/s"
        f"  ratio to COPY {second_seconds / copy_seconds:5.1f}x"
    )
    print(f"peak memory of the import process: {max(peak_kib, peak_kib_2) / 1024:6.0f} MB")


if __name__ == "__main__":
    main()
