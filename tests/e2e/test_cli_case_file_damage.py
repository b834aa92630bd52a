"""`contact-service cases import` with files a careless or hostile sender makes: broken quotes, absurd headers,
huge rows, full TINs in any column, dates out of range. Every row is imported or reported by line; nothing
sensitive is echoed or stored; memory stays flat."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from contact_service.domain.case_record import CASE_COLUMNS
from tests.e2e.conftest import command_line, run_cli

HEADER = ",".join(CASE_COLUMNS)
# The import's clock is fixed so that dates near "today" mean the same thing on every run.
CLOCK = "simulated:2026-11-24T15:00:00+00:00@1x"


def row(case_id: str, **values: str) -> str:
    fields = {
        "case_id": case_id,
        "taxpayer_type": "individual",
        "name": "Maria Lopez",
        "phone": "(212) 555-0101",
        "state": "NY",
        "balance_due": "4512.33",
        "notice_stage": "CP504",
        "last_notice_on": "2026-09-15",
        "assessed_on": "2025-06-02",
        "hold": "",
        "poa_on_file": "false",
        "tin_last4": "1234",
        **values,
    }
    return ",".join(fields[column] for column in CASE_COLUMNS)


def stored_text(engine: Engine) -> str:
    """Everything the import could have written, as one text to search."""
    with engine.connect() as connection:
        return "\n".join(
            repr(tuple(found))
            for table in ("taxpayers", "cases", "phone_numbers", "case_holds", "import_runs", "audit_records")
            for found in connection.execute(text(f"SELECT * FROM {table}"))
        )


def case_numbers(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT case_number FROM cases ORDER BY case_number")).scalars())


def test_an_unclosed_quote_costs_its_own_line_not_the_thousand_rows_after_it(
    cli_env: dict[str, str], pg_engine: Engine, tmp_path: Path
) -> None:
    rows = [row(f"Q-{n:04d}") for n in range(1, 1002)]
    rows[0] = row("Q-0001", name='"Maria Lopez')  # the quote never closes
    case_file = tmp_path / "broken_quote.csv"
    case_file.write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    result = run_cli(["cases", "import", str(case_file)], cli_env)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"{case_file}: line 2, (row): opens a quoted field that does not close before line 3, which reads as a "
        "row of its own: an unclosed quote? The line is refused alone",
        f"{case_file}: 1001 rows read, 1000 imported, 1 rejected (1001 data lines after the header = 1001 rows"
        " + 0 continuing quoted fields + 0 blank)",
    ]
    assert len(case_numbers(pg_engine)) == 1000


def test_a_header_of_hundreds_of_thousands_of_columns_is_refused_at_once(
    cli_env: dict[str, str], pg_engine: Engine, tmp_path: Path
) -> None:
    case_file = tmp_path / "wide_header.csv"
    columns = [*CASE_COLUMNS, *(f"extra{n}" for n in range(300_000))]
    case_file.write_text(",".join(columns) + "\n" + row("H-1") + "\n")
    started = time.monotonic()
    result = run_cli(["cases", "import", str(case_file)], cli_env, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {case_file}: line 1 is longer than 65,536 characters; it is not a case-file header; "
        "nothing was imported"
    )
    assert time.monotonic() - started < 30  # the command's start-up; the refusal itself takes milliseconds
    many = tmp_path / "many_columns.csv"
    many.write_text(HEADER + ",x" * 5_000 + "\n" + row("H-1") + "\n")
    result = run_cli(["cases", "import", str(many)], cli_env, timeout=60)
    assert result.returncode == 2 and "line 1 has more than 1,000 columns" in result.stderr
    assert case_numbers(pg_engine) == []


def run_measured(args: list[str], env: dict[str, str]) -> tuple[int, str, float]:
    """Run `contact-service args...` under a parent that reports the command's peak memory (MiB)."""
    probe = (
        "import json, resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps([done.returncode, done.stdout, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *command_line(), *args], env=env, capture_output=True, text=True, timeout=300
    )
    code, stdout, peak_kib = json.loads(result.stdout)
    return code, stdout, peak_kib / 1024


def test_a_huge_row_is_refused_by_line_without_being_held_in_memory(
    cli_env: dict[str, str], pg_engine: Engine, tmp_path: Path
) -> None:
    env = {**cli_env, "CONTACT_IMPORT_WORKERS": "1"}
    small = tmp_path / "small.csv"
    small.write_text("\n".join([HEADER, row("B-1"), row("B-2"), row("B-3")]) + "\n")
    huge = tmp_path / "huge_row.csv"
    with huge.open("w") as stream:
        stream.write(f"{HEADER}\n{row('B-1')}\n{row('B-2')}")
        for _ in range(60):  # a 60 MB line
            stream.write("x" * 1_000_000)
        stream.write(f"\n{row('B-3')}\n")
    _, _, baseline = run_measured(["cases", "import", str(small)], env)
    code, stdout, peak = run_measured(["cases", "import", str(huge)], env)
    assert code == 1
    assert stdout.splitlines()[0] == f"{huge}: line 3, (row): is longer than 65,536 characters; not read"
    assert case_numbers(pg_engine) == ["B-1", "B-2", "B-3"]
    assert peak < baseline + 25, f"peak {peak:.0f} MiB against {baseline:.0f} MiB for a small file"


def test_wide_rows_are_written_in_batches_bounded_by_bytes(
    cli_env: dict[str, str], pg_engine: Engine, tmp_path: Path
) -> None:
    env = {**cli_env, "CONTACT_IMPORT_WORKERS": "1", "CONTACT_IMPORT_BATCH_BYTES": str(1 << 20)}
    narrow, wide = tmp_path / "narrow.csv", tmp_path / "wide.csv"
    narrow.write_text(HEADER + ",notes\n" + "".join(row(f"N-{n:04d}") + ",-\n" for n in range(2000)))
    notes = "n" * 30_000  # 2,000 rows of 30 kB: 60 MB, in one batch of 5,000 rows were it counted by rows only
    wide.write_text(HEADER + ",notes\n" + "".join(row(f"W-{n:04d}") + f",{notes}\n" for n in range(2000)))
    _, _, baseline = run_measured(["cases", "import", str(narrow)], env)
    code, stdout, peak = run_measured(["cases", "import", str(wide)], env)
    assert code == 0, stdout
    assert stdout.startswith(f"{wide}: 2000 rows read, 2000 imported, 0 rejected")
    assert len(case_numbers(pg_engine)) == 4000
    assert peak < baseline + 25, f"peak {peak:.0f} MiB against {baseline:.0f} MiB for narrow rows"


def test_a_full_tin_in_any_column_is_refused_never_echoed_and_never_stored(
    cli_env: dict[str, str], pg_engine: Engine, tmp_path: Path
) -> None:
    case_file = tmp_path / "tins.csv"
    lines = [
        HEADER + ",notes",
        row("T-1", name="Maria 123-45-6789 Lopez") + ",",
        row("123456788") + ",",  # a case id that is a bare SSN
        row("T-3", state="923-70-1234") + ",",  # an ITIN where the state goes
        row("T-4", phone="123 45 6787") + ",",
        row("T-5", tin_last4="12-3456786") + ",",  # an EIN where only its last four may go
        row("T-6", tin_last4="\uff16\uff17\uff18\uff19") + ",",  # fullwidth digits
        row("T-7") + ",SSN 123-45-6785 per caller",
        row("T-8") + ",no number here",
    ]
    case_file.write_text("\n".join(lines) + "\n")
    result = run_cli(["cases", "import", str(case_file)], cli_env)
    assert result.returncode == 1, result.stderr
    reported = [line.removeprefix(f"{case_file}: ") for line in result.stdout.splitlines()[:-1]]
    assert [re.sub(r": .*", "", line) for line in reported] == [
        "line 2, name",
        "line 3, case_id",
        "line 4, state",
        "line 5, phone",
        "line 6, tin_last4",
        "line 7, tin_last4",
        "line 8, notes",
    ]
    assert all("value not shown" in line for line in reported)
    assert case_numbers(pg_engine) == ["T-8"]
    everything = result.stdout + result.stderr + stored_text(pg_engine)
    for fragment in ["45-6789", "123456788", "70-1234", "45 6787", "3456786", "6789", "45-6785"]:
        assert fragment not in everything


def test_dates_out_of_range_are_refused_by_line_and_field(
    cli_env: dict[str, str], pg_engine: Engine, tmp_path: Path
) -> None:
    case_file = tmp_path / "dates.csv"
    lines = [
        HEADER,
        row("D-1", last_notice_on="2026-11-25"),  # tomorrow, by the import's clock
        row("D-2", assessed_on="1989-12-31", hold="csed_expired"),
        row("D-3", assessed_on="2015-03-02", last_notice_on="2016-01-04"),  # statute ran in 2025
        row("D-4", assessed_on="2015-03-02", last_notice_on="2016-01-04", hold="csed_expired"),
        row("D-5", last_notice_on="2026-11-24"),  # today is fine
    ]
    case_file.write_text("\n".join(lines) + "\n")
    result = run_cli(["cases", "import", "--as", "alice", str(case_file)], {**cli_env, "CONTACT_CLOCK": CLOCK})
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[:-1] == [
        f"{case_file}: line 2, last_notice_on: 2026-11-25 is in the future (after 2026-11-24)",
        f"{case_file}: line 3, assessed_on: 1989-12-31 is before 1990-01-01, the earliest date a case file may give",
        f"{case_file}: line 4, assessed_on: 2015-03-02 is more than ten years ago: its collection statute date, "
        "2025-03-02, has passed (IRC 6502); a case past its statute is imported only with the hold csed_expired",
    ]
    assert case_numbers(pg_engine) == ["D-4", "D-5"]


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_every_line_break_convention_is_counted_alike(
    cli_env: dict[str, str], pg_engine: Engine, tmp_path: Path, ending: str
) -> None:
    case_file = tmp_path / "line_breaks.csv"
    wrapped = row("L-2", name='"Blue Ridge\nPlumbing LLC"')
    content = "\n".join([HEADER, row("L-1"), "", wrapped, row("L-3", balance_due="-1")]) + "\n"
    case_file.write_bytes(content.replace("\n", ending).encode())
    result = run_cli(["cases", "import", str(case_file)], cli_env)
    assert result.stdout.splitlines() == [
        f"{case_file}: line 6, balance_due: '-1' is negative",
        f"{case_file}: 3 rows read, 2 imported, 1 rejected (5 data lines after the header = 3 rows"
        " + 1 continuing quoted fields + 1 blank)",
    ]
    assert case_numbers(pg_engine) == ["L-1", "L-2"]
