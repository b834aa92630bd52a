"""Every `campaign` and `scripts register` action leaves exactly one audit record naming who acted: the
`--as` name, or the login name when `--as` is absent."""

from __future__ import annotations

import getpass
import itertools
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import contact_service.cli.campaign
import contact_service.cli.scripts  # noqa: F401  (they register their commands on the root group)
from contact_service.cli import Context, cli
from tests.conftest import REPO_ROOT
from tests.factories import make_case
from tests.unit_of_work_support import audit_count, audit_rows

GOOD_SCRIPT = sorted((REPO_ROOT / "tests" / "data" / "scripts" / "good").glob("*.txt"))[0]
_serial = itertools.count(1)


def run(env: dict[str, str], *args: str) -> Result:
    """The command in this process, as the console script runs it (its container closed afterwards)."""
    context = Context()
    try:
        return CliRunner().invoke(cli, list(args), env=env, obj=context, catch_exceptions=False)
    finally:
        if context._container is not None:
            context._container.close()


def new_records(engine: Engine, since: int) -> list[dict[str, Any]]:
    return audit_rows(engine)[since:]


@pytest.fixture
def case_number(pg_engine: Engine) -> str:
    number = f"CLI-{next(_serial)}"
    with Session(pg_engine) as session:
        make_case(session, case_number=number, phone="(212) 555-0170")
        session.commit()
    return number


def test_each_campaign_action_is_audited_once_as_the_named_actor(
    cli_env: dict[str, str], pg_engine: Engine, case_number: str
) -> None:
    created = run(cli_env, "campaign", "create", "cli audit", "--case", case_number, "--as", "alice")
    assert created.exit_code == 0, created.output
    assert created.output.startswith("created campaign ") and "'cli audit' (draft)" in created.output
    (record,) = new_records(pg_engine, 0)
    assert (record["action"], record["actor"], record["role"]) == ("campaign_created", "alice", "supervisor")
    campaign_id = record["subject_id"]
    for command, action in (
        ("preview", "campaign_previewed"),
        ("launch", "campaign_launched"),
        ("pause", "campaign_paused"),
        ("resume", "campaign_resumed"),
        ("cancel", "campaign_cancelled"),
    ):
        before = audit_count(pg_engine)
        result = run(cli_env, "campaign", command, "cli audit", "--as", "bob")
        assert result.exit_code == 0, (command, result.output)
        assert [(r["action"], r["actor"], r["subject_id"]) for r in new_records(pg_engine, before)] == [
            (action, "bob", campaign_id)
        ], command


def test_without_as_the_login_name_acts(cli_env: dict[str, str], pg_engine: Engine, case_number: str) -> None:
    assert run(cli_env, "campaign", "create", "by login", "--case", case_number).exit_code == 0
    before = audit_count(pg_engine)
    assert run(cli_env, "campaign", "launch", "by login").exit_code == 0
    actors = [(r["action"], r["actor"]) for r in audit_rows(pg_engine)]
    assert actors == [("campaign_created", getpass.getuser()), ("campaign_launched", getpass.getuser())]
    assert before == 1


def test_a_refused_command_exits_2_and_records_nothing(cli_env: dict[str, str], pg_engine: Engine) -> None:
    assert run(cli_env, "campaign", "create", "once", "--as", "alice").exit_code == 0
    assert run(cli_env, "campaign", "launch", "once", "--as", "alice").exit_code == 0
    before = audit_count(pg_engine)
    again = run(cli_env, "campaign", "launch", "once", "--as", "alice")
    assert again.exit_code == 2 and "error: campaign 'once' is running; only a draft can be launched" in again.stderr
    missing = run(cli_env, "campaign", "pause", "nosuch", "--as", "alice")
    assert missing.exit_code == 2 and "error: no campaign 'nosuch'" in missing.stderr
    assert audit_count(pg_engine) == before


def test_campaign_list_and_status_read_without_recording(cli_env: dict[str, str], pg_engine: Engine) -> None:
    assert run(cli_env, "campaign", "create", "listed", "--as", "alice").exit_code == 0
    before = audit_count(pg_engine)
    listing = run(cli_env, "campaign", "list")
    assert listing.exit_code == 0 and listing.output.split()[1:] == ["draft", "0", "planned", "listed"]
    status = run(cli_env, "campaign", "status", "listed")
    assert status.exit_code == 0 and status.output.splitlines()[0].endswith("'listed': draft, 10 calls/s")
    assert audit_count(pg_engine) == before


@pytest.mark.parametrize(
    "options, actor",
    [(["--as", "carol"], "carol"), (["--by", "dave"], "dave"), ([], getpass.getuser())],
    ids=["--as", "--by (older spelling)", "the login name"],
)
def test_registering_a_script_is_audited_once_as_the_actor(
    cli_env: dict[str, str], pg_engine: Engine, options: list[str], actor: str
) -> None:
    result = run(cli_env, "scripts", "register", "spring", str(GOOD_SCRIPT), *options)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("registered human script 'spring' (id ")
    assert [(r["action"], r["actor"], r["subject_type"]) for r in audit_rows(pg_engine)] == [
        ("script_registered", actor, "call_script")
    ]
