"""`contact-service demo` on local defaults: an empty directory, no setup, SQLite under var/demo/."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.conftest import TEST_REDIS_URL
from tests.e2e.conftest import run_cli


def demo_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CONTACT_", "TWILIO_", "DATABASE_"))}
    env["REDIS_URL"] = TEST_REDIS_URL
    return env


def test_demo_runs_a_whole_campaign_on_local_defaults_in_an_empty_directory(tmp_path: Path) -> None:
    result = run_cli(["demo", "--cases", "150", "--cps", "20"], demo_env(), cwd=tmp_path, timeout=400)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "150 synthetic cases imported" in out
    assert re.search(r"campaign 1 'demo': completed", out), out
    # The outcome table: attempts by outcome, cases by result (someone was reached), skips by reason.
    assert re.search(r"attempts by outcome\s+count\s+share", out), out
    assert re.search(r"^\s+reached\s+\d+\s+\d+%$", out, re.MULTILINE), out
    assert re.search(r"cases skipped, by reason", out), out
    assert re.search(r"^\s+hold\s+\d+", out, re.MULTILINE), out
    listed = re.search(r"escalation: (\d+) cases onto representatives' call lists now \((.*)\)", out)
    assert listed and int(listed.group(1)) > 0 and "representative_on_file" in listed.group(2), out
    assert "Where to look next" in out
    assert (tmp_path / "var" / "demo" / "demo.db").exists()
    # Every case the campaign planned ended: the header's "done" count equals the cases to call.
    header = re.search(r"cases: (\d+) selected, (\d+) to call, (\d+) skipped; (\d+) done \(100%\)", out)
    assert header and int(header[2]) == int(header[4]) and int(header[1]) == 150, out


def test_demo_says_how_to_start_redis_when_it_is_not_reachable(tmp_path: Path) -> None:
    env = demo_env() | {"REDIS_URL": "redis://127.0.0.1:1/0"}
    result = run_cli(["demo", "--cases", "10"], env, cwd=tmp_path, timeout=60)
    assert result.returncode != 0
    assert "Redis is not reachable at redis://127.0.0.1:1/0" in result.stderr
    assert "redis-server" in result.stderr
