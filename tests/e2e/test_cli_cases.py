"""The `contact-service` command as an operator uses it: exit codes, messages, and what reaches the database."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select

from contact_service.adapters.db.models import Case
from tests.e2e.conftest import run_cli
from tests.unit_of_work_support import audit_count, audit_rows

# The sample's accounting: 12 lines after the header, each one row.
SAMPLE_LINES = " (12 data lines after the header = 12 rows + 0 continuing quoted fields + 0 blank)"


def case_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Case))


def test_db_upgrade_reports_the_revision(cli_env: dict[str, str]) -> None:
    result = run_cli(["db", "upgrade"], cli_env)
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout


def test_importing_the_sample_reports_each_bad_row_and_exits_1(
    cli_env: dict[str, str], pg_engine: Engine, samples_dir: Path
) -> None:
    sample = samples_dir / "cases.csv"
    result = run_cli(["cases", "import", str(sample)], cli_env)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        f"{sample}: line 10, phone: '555-0109' has no area code",
        f"{sample}: line 11, balance_due: '-50.00' is negative",
        f"{sample}: line 12, notice_stage: 'CP999' is not one of CP14, CP501, CP503, CP504, LT11",
        f"{sample}: line 13, last_notice_on: '2026-13-40' is not a date (YYYY-MM-DD)",
    ]
    assert lines[-1] == f"{sample}: 12 rows read, 8 imported, 4 rejected{SAMPLE_LINES}"
    assert case_count(pg_engine) == 8

    again = run_cli(["cases", "import", "--quiet", str(sample)], cli_env)
    assert again.returncode == 1
    assert again.stdout.splitlines() == [f"{sample}: 12 rows read, 8 imported, 4 rejected{SAMPLE_LINES}"]
    assert case_count(pg_engine) == 8


def test_a_clean_file_exits_0(cli_env: dict[str, str], pg_engine: Engine, samples_dir: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean.csv"
    clean.write_text("\n".join((samples_dir / "cases.csv").read_text().splitlines()[:9]) + "\n")
    result = run_cli(["cases", "import", str(clean)], cli_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert case_count(pg_engine) == 8


def test_a_headerless_file_exits_2_and_changes_nothing(
    cli_env: dict[str, str], pg_engine: Engine, samples_dir: Path, tmp_path: Path
) -> None:
    headerless = tmp_path / "headerless.csv"
    headerless.write_text("\n".join((samples_dir / "cases.csv").read_text().splitlines()[1:]) + "\n")
    result = run_cli(["cases", "import", str(headerless)], cli_env)
    assert result.returncode == 2
    assert "line 1 is not a header row" in result.stderr and "nothing was imported" in result.stderr
    assert case_count(pg_engine) == 0


def test_a_missing_file_exits_2(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli(["cases", "import", str(tmp_path / "nope.csv")], cli_env)
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_a_bad_setting_exits_2_naming_it(cli_env: dict[str, str], samples_dir: Path) -> None:
    result = run_cli(["cases", "import", str(samples_dir / "cases.csv")], {**cli_env, "CONTACT_IMPORT_BATCH_SIZE": "x"})
    assert result.returncode == 2
    assert "configuration error: CONTACT_IMPORT_BATCH_SIZE='x'" in result.stderr


def invoke(args: list[str], cli_env: dict[str, str], login: str = "os-login-name") -> Result:
    """Run `contact-service args...` in this process (only the command modules under test are loaded), with
    the test databases and a known login name (getpass reads LOGNAME first)."""
    from contact_service.cli import cases, cli, tokens  # noqa: F401  (registers the commands)

    env: dict[str, str | None] = {key: None for key in os.environ if key.startswith(("CONTACT_", "TWILIO_"))}
    env.update({key: value for key, value in cli_env.items() if key.startswith(("CONTACT_", "DATABASE_", "REDIS_"))})
    env.update(LOGNAME=login, USER=login)
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


@pytest.mark.parametrize(("options", "actor"), [(["--as", "alice"], "alice"), ([], "os-login-name")])
def test_an_import_leaves_one_audit_record_naming_who_ran_it(
    cli_env: dict[str, str], pg_engine: Engine, samples_dir: Path, options: list[str], actor: str
) -> None:
    sample = samples_dir / "cases.csv"
    result = invoke(["cases", "import", "--quiet", *options, str(sample)], cli_env)
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [f"{sample}: 12 rows read, 8 imported, 4 rejected{SAMPLE_LINES}"]
    [record] = audit_rows(pg_engine)
    assert (record["actor"], record["role"], record["action"], record["subject_type"]) == (
        actor,
        "supervisor",
        "cases_imported",
        "import_run",
    )
    assert json.loads(record["detail"]) == {
        "source": str(sample),
        "rows_read": 12,
        "rows_imported": 8,
        "rows_rejected": 4,
    }


def test_an_unusable_file_leaves_no_audit_record(cli_env: dict[str, str], pg_engine: Engine, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = invoke(["cases", "import", "--as", "alice", str(empty)], cli_env)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {empty}: the file is empty; nothing was imported"
    assert audit_count(pg_engine) == 0
