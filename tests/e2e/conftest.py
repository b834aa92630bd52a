"""End-to-end fixtures: run the installed `contact-service` command as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import REPO_ROOT, TEST_REDIS_URL


def command_line() -> list[str]:
    """The console script installed beside this interpreter, or the module form."""
    script = Path(sys.executable).parent / "contact-service"
    return [str(script)] if script.exists() else [sys.executable, "-m", "contact_service"]


@pytest.fixture
def cli_env(pg_engine: Engine) -> dict[str, str]:
    """Environment for a CLI run against the test PostgreSQL database and Redis."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CONTACT_", "TWILIO_"))}
    env.update(
        DATABASE_URL=pg_engine.url.render_as_string(hide_password=False),
        REDIS_URL=TEST_REDIS_URL,
        CONTACT_CONFIG_DIR=str(REPO_ROOT / "config"),
        CONTACT_LOG_LEVEL="WARNING",
    )
    return env


def run_cli(args: list[str], env: dict[str, str], cwd: Path | None = None, timeout: float = 120):  # type: ignore[no-untyped-def]
    """Run `contact-service args...`; returns the CompletedProcess (text output)."""
    return subprocess.run(
        command_line() + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
