"""A database the code cannot work on: every command says "run `contact-service db upgrade`" in one line and
exits 2, before it does anything: never a traceback, never exit 1, never an empty SQLite file left behind.

The commands are read from the command itself (every leaf of the click tree), so a new command is held to
this too: it needs an invocation below, or a place among the few that work without the schema.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

import contact_service.cli
from contact_service.adapters.db import migrate
from contact_service.adapters.db.engine import create_db_engine
from contact_service.cli import WITHOUT_SCHEMA, cli
from tests.conftest import REPO_ROOT, TEST_DATABASE_URL, TEST_REDIS_URL
from tests.e2e.conftest import run_cli

CASES = REPO_ROOT / "tests" / "data" / "cases.csv"
SCRIPT = REPO_ROOT / "tests" / "data" / "scripts" / "good" / "plain_english.txt"
# One invocation of every command that needs the schema, with arguments it accepts.
INVOCATIONS: dict[str, list[str]] = {
    "cases import": ["cases", "import", str(CASES)],
    "scripts register": ["scripts", "register", "spring", str(SCRIPT), "--kind", "human"],
    "campaign create": ["campaign", "create", "spring"],
    "campaign preview": ["campaign", "preview", "spring"],
    "campaign launch": ["campaign", "launch", "spring"],
    "campaign pause": ["campaign", "pause", "spring"],
    "campaign resume": ["campaign", "resume", "spring"],
    "campaign cancel": ["campaign", "cancel", "spring"],
    "campaign status": ["campaign", "status", "spring"],
    "campaign list": ["campaign", "list"],
    "escalate": ["escalate"],
    "call-lists show": ["call-lists", "show"],
    "call-lists assign": ["call-lists", "assign", "individual", "rita"],
    "call-lists unassign": ["call-lists", "unassign", "individual", "rita"],
    "call-lists take": ["call-lists", "take", "individual"],
    "call-lists disposition": ["call-lists", "disposition", "1", "not_reached"],
    "call-lists release": ["call-lists", "release", "1"],
    "tokens create": ["tokens", "create", "rita", "--role", "representative"],
    "tokens revoke": ["tokens", "revoke", "rita"],
    "worker": ["worker"],
    "dispatcher": ["dispatcher"],
    "scheduler": ["scheduler"],
}


def leaf_commands() -> set[str]:
    """Every command of `contact-service`, as typed after the program name."""
    for module in pkgutil.iter_modules(contact_service.cli.__path__):
        importlib.import_module(f"contact_service.cli.{module.name}")  # each registers its commands

    def walk(group: click.Group, prefix: str) -> Iterator[str]:
        for name, command in group.commands.items():
            path = f"{prefix} {name}".strip()
            if isinstance(command, click.Group):
                yield from walk(command, path)
            else:
                yield path

    return set(walk(cli, ""))


def env_for(database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CONTACT_", "TWILIO_"))}
    env.update(DATABASE_URL=database_url, REDIS_URL=TEST_REDIS_URL, CONTACT_CONFIG_DIR=str(REPO_ROOT / "config"))
    return env


def assert_refused(result, expected: str) -> None:  # type: ignore[no-untyped-def]
    """Exit 2 and exactly one line on stderr, which says `expected` and names the command that fixes it."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(lines) == 1 and expected in lines[0] and "run `contact-service db upgrade`" in lines[0], lines
    assert "Traceback" not in result.stderr and not result.stdout


def test_every_command_is_either_held_to_the_schema_or_works_without_it() -> None:
    assert leaf_commands() == set(INVOCATIONS) | WITHOUT_SCHEMA


# The same check guards every command (the test above); these are a sample of each kind.
SAMPLE = ["cases import", "campaign status", "tokens create", "call-lists take", "worker", "scheduler"]


@pytest.mark.parametrize("command", SAMPLE)
def test_a_database_file_that_does_not_exist_is_not_created_empty(command: str, tmp_path: Path) -> None:
    database = tmp_path / "var" / "contact_service.db"
    result = run_cli(INVOCATIONS[command], env_for(f"sqlite:///{database}"), cwd=tmp_path)
    assert_refused(result, f"no database at {database}")
    assert not database.exists() and not list(tmp_path.glob("var/*"))  # no file, no -wal or -shm beside it


@pytest.mark.parametrize("command", sorted(INVOCATIONS))
def test_a_database_that_was_never_upgraded(command: str, tmp_path: Path) -> None:
    database = tmp_path / "contact_service.db"
    database.touch()  # an empty file, as a connect by an older release left it
    result = run_cli(INVOCATIONS[command], env_for(f"sqlite:///{database}"), cwd=tmp_path)
    assert_refused(result, f"the database at sqlite:///{database} has no schema yet (it was never upgraded)")


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A PostgreSQL database with no schema at all, dropped afterwards."""
    admin_url = make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg")
    name = f"contact_service_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize("command", ["cases import", "campaign list", "worker", "dispatcher", "scheduler"])
def test_a_postgresql_database_that_was_never_upgraded(command: str, empty_postgres: str) -> None:
    result = run_cli(INVOCATIONS[command], env_for(empty_postgres))
    assert_refused(result, "has no schema yet (it was never upgraded)")


def test_a_database_at_an_older_revision_is_told_to_upgrade_and_then_works(empty_postgres: str) -> None:
    engine: Engine = create_db_engine(empty_postgres)
    try:
        migrate.upgrade(engine, "0004")
    finally:
        engine.dispose()
    env = env_for(empty_postgres)
    assert_refused(
        run_cli(INVOCATIONS["cases import"], env), f"is at revision 0004, this code needs {migrate.head_revision()}"
    )
    assert run_cli(["db", "upgrade"], env).returncode == 0
    assert run_cli(INVOCATIONS["campaign list"], env).stdout.strip() == "no campaigns yet"


def test_db_current_says_there_is_no_file_without_creating_one_and_db_upgrade_creates_it(tmp_path: Path) -> None:
    database = tmp_path / "var" / "contact_service.db"
    env = env_for(f"sqlite:///{database}")
    current = run_cli(["db", "current"], env, cwd=tmp_path)
    assert current.returncode == 0 and f"(no file at {database})" in current.stdout
    assert not database.exists()
    assert run_cli(["db", "upgrade"], env, cwd=tmp_path).returncode == 0
    assert database.stat().st_size > 0
    listed = run_cli(INVOCATIONS["campaign list"], env, cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.strip() == "no campaigns yet"
