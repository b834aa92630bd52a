"""`contact-service demo` on local defaults: an empty directory, no setup, SQLite under var/."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import TEST_REDIS_URL
from tests.e2e.conftest import run_cli


def test_demo_runs_on_local_defaults_in_an_empty_directory(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CONTACT_", "TWILIO_", "DATABASE_"))}
    env["REDIS_URL"] = TEST_REDIS_URL
    result = run_cli(["demo", "--cases", "300"], env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imported 300 rows (0 rejected)" in result.stdout
    assert (tmp_path / "var" / "contact_service.db").exists()
