"""`contact-service escalate` and `call-lists ...` from the shell: each action leaves exactly one audit record,
naming the `--as` actor, or the login name without it; refusals exit as the design says and record nothing."""

from __future__ import annotations

import datetime as dt
import getpass
import itertools
import json
import os
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import contact_service.cli.escalation  # noqa: F401  (registers the commands)
from contact_service.cli import cli
from tests.call_list_support import make_representative
from tests.conftest import DEFAULT_NOW, REPO_ROOT, TEST_REDIS_URL
from tests.e2e.conftest import run_cli
from tests.factories import end_in_campaign, make_campaign, make_case
from tests.unit_of_work_support import audit_count, audit_rows

_serial = itertools.count(1)


@pytest.fixture
def shell_env(pg_engine: Engine) -> dict[str, str | None]:
    """The environment of a CLI run: the test databases, and a clock from Tuesday 14:00 in New York."""
    env: dict[str, str | None] = {key: None for key in os.environ if key.startswith(("CONTACT_", "TWILIO_"))}
    env.update(
        DATABASE_URL=pg_engine.url.render_as_string(hide_password=False),
        REDIS_URL=TEST_REDIS_URL,
        CONTACT_CONFIG_DIR=str(REPO_ROOT / "config"),
        CONTACT_LOG_LEVEL="WARNING",
        CONTACT_CLOCK=f"simulated:{DEFAULT_NOW.isoformat()}@1x",
    )
    return env


def ended_cases(engine: Engine, count: int = 1) -> None:
    """Cases whose campaign ended exhausted twelve days ago: the next sweep lists them."""
    with Session(engine) as session:
        campaign = make_campaign(session, f"ended {next(_serial)}", launched_at=DEFAULT_NOW - dt.timedelta(days=20))
        for _ in range(count):
            serial = next(_serial)
            case = make_case(session, case_number=f"S-{serial}", phone=f"(212) 555-{serial % 9000 + 1000:04d}")
            end_in_campaign(session, campaign, case, "exhausted", closed_at=DEFAULT_NOW - dt.timedelta(days=12))
        session.commit()


def shell(env: dict[str, str | None], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def one_record(engine: Engine, env: dict[str, str | None], *args: str) -> tuple[Result, dict[str, Any]]:
    """Run a command that must succeed and leave exactly one audit record; the output and that record."""
    since = audit_count(engine)
    result = shell(env, *args)
    assert result.exit_code == 0, result.output
    new = audit_rows(engine)[since:]
    assert len(new) == 1, new
    return result, new[0]


@pytest.mark.parametrize("acting_as", ["olga", None])
def test_escalate_records_one_sweep_as_the_named_actor(
    pg_engine: Engine, shell_env: dict[str, str | None], acting_as: str | None
) -> None:
    ended_cases(pg_engine, 2)
    who = ["--as", acting_as] if acting_as else []
    result, record = one_record(pg_engine, shell_env, "escalate", *who)
    assert "listed         2 on individual" in result.output
    assert (record["actor"], record["role"], record["action"]) == (
        acting_as or getpass.getuser(),
        "supervisor",
        "escalation_sweep",
    )
    assert json.loads(record["detail"])["listed"] == {"individual": 2}
    # Nothing new to list: the run is still recorded, once.
    again, _ = one_record(pg_engine, shell_env, "escalate", *who)
    assert "no new cases to list" in again.output


@pytest.mark.parametrize("acting_as", ["rita", None])
def test_each_call_list_command_records_one_action_as_the_named_actor(
    pg_engine: Engine, shell_env: dict[str, str | None], acting_as: str | None
) -> None:
    ended_cases(pg_engine, 2)
    assert shell(shell_env, "escalate", "--as", "scheduler-test").exit_code == 0
    who = ["--as", acting_as] if acting_as else []
    name = acting_as or getpass.getuser()
    make_representative(pg_engine, "rita")  # a list is assigned only to a representative who exists

    result, record = one_record(pg_engine, shell_env, "call-lists", "assign", "individual", "rita", *who)
    assert result.output.strip() == "rita now works individual"
    assert (record["actor"], record["action"]) == (name, "list_assigned")

    result, record = one_record(pg_engine, shell_env, "call-lists", "take", "individual", *who)
    assert (record["actor"], record["action"]) == (name, "case_taken")
    entry_id = int(result.output.split()[1].rstrip(":"))
    assert result.output.startswith(f"entry {entry_id}: case S-")

    result, record = one_record(pg_engine, shell_env, "call-lists", "release", str(entry_id), *who)
    assert result.output.strip() == f"entry {entry_id} is back on its list"
    assert (record["actor"], record["action"], record["subject_id"]) == (name, "case_released", entry_id)

    taken, _ = one_record(pg_engine, shell_env, "call-lists", "take", "individual", *who)
    entry_id = int(taken.output.split()[1].rstrip(":"))
    result, record = one_record(
        pg_engine, shell_env, "call-lists", "disposition", str(entry_id), "dispute", "--note", "not mine", *who
    )
    assert result.output.strip() == f"entry {entry_id}: dispute; now closed"
    assert (record["actor"], record["action"]) == (name, "disposition_recorded")
    assert json.loads(record["detail"])["response_recorded"] == "dispute"

    result, record = one_record(pg_engine, shell_env, "call-lists", "unassign", "individual", "rita", *who)
    assert result.output.strip() == "rita no longer works individual"
    assert (record["actor"], record["action"]) == (name, "list_unassigned")


def test_refusals_exit_with_the_designed_codes_and_record_nothing(
    pg_engine: Engine, shell_env: dict[str, str | None]
) -> None:
    ended_cases(pg_engine, 1)
    assert shell(shell_env, "escalate").exit_code == 0
    taken = shell(shell_env, "call-lists", "take", "individual", "--as", "rita")
    entry_id = int(taken.output.split()[1].rstrip(":"))
    since = audit_count(pg_engine)

    nothing = shell(shell_env, "call-lists", "take", "individual", "--as", "rita")
    assert (nothing.exit_code, nothing.stderr.strip()) == (1, "error: no case is waiting on this list")
    outside = shell(
        shell_env, "call-lists", "disposition", str(entry_id), "callback_scheduled",
        "--callback-at", "2026-11-25T06:00:00-05:00", "--as", "rita",
    )  # fmt: skip
    assert outside.exit_code == 1
    assert outside.stderr.startswith("error: callback_at: outside the taxpayer's calling window")
    assert "; the next allowed time is 2026-11-25T13:00:00+00:00" in outside.stderr
    unknown = shell(shell_env, "call-lists", "release", "999999", "--as", "rita")
    assert (unknown.exit_code, unknown.stderr.strip()) == (2, "error: no call list entry 999999")
    bad = shell(shell_env, "call-lists", "disposition", str(entry_id), "shrug", "--as", "rita")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: disposition: must be one of")
    assert audit_count(pg_engine) == since


def test_the_installed_command_takes_as_the_login_name(pg_engine: Engine, shell_env: dict[str, str | None]) -> None:
    ended_cases(pg_engine, 1)
    env = {key: value for key, value in {**os.environ, **shell_env}.items() if value is not None}
    assert run_cli(["escalate"], env).returncode == 0
    since = audit_count(pg_engine)
    result = run_cli(["call-lists", "take", "individual"], env)
    assert result.returncode == 0, result.stderr
    [record] = audit_rows(pg_engine)[since:]
    assert (record["actor"], record["action"]) == (getpass.getuser(), "case_taken")
    assert run_cli(["call-lists", "take", "individual"], env).returncode == 1  # nothing left: exit 1, as before
