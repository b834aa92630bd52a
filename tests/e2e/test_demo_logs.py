"""The demo's logs are worth reading: one file per process under var/demo/logs, none empty; the web server's
access log names paths, never query strings; the dispatcher says what it queued and settled."""

from __future__ import annotations

import os
import re
from pathlib import Path

from redis import Redis

from tests.conftest import TEST_REDIS_URL
from tests.e2e.conftest import run_cli


def test_every_process_of_the_demo_writes_a_log_worth_reading(redis_client: Redis, tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CONTACT_", "TWILIO_", "DATABASE_"))}
    env["REDIS_URL"] = TEST_REDIS_URL
    result = run_cli(["demo", "--cases", "30", "--cps", "20"], env, cwd=tmp_path, timeout=400)
    assert result.returncode == 0, result.stdout + result.stderr
    logs = tmp_path / "var" / "demo" / "logs"
    said = {path.name: path.read_text(encoding="utf-8") for path in sorted(logs.glob("*.log"))}
    assert sorted(said) == ["dispatcher.log", "simulator.log", "web.log", "worker-1.log", "worker-2.log"], said
    assert [name for name, text in said.items() if not text.strip()] == [], said

    requests = [line for line in said["web.log"].splitlines() if re.search(r'"(GET|POST) /', line)]
    assert any('"POST /webhooks/twilio/status HTTP/1.1" 204' in line for line in requests), said["web.log"][:3000]
    assert not [line for line in requests if "?" in line], "the access log carries query strings"

    dispatcher = said["dispatcher.log"]
    summary = re.search(
        r"in the last \d+ s: (\d+) attempts queued, (\d+) attempts settled, (\d+) calls ended", dispatcher
    )
    assert summary and int(summary[1]) > 0 and int(summary[3]) > 0, dispatcher
    assert "took the leader lease" in dispatcher and "campaign 1 completed" in dispatcher, dispatcher
    assert all("started on the queues" in said[f"worker-{n}.log"] for n in (1, 2)), said
    assert "listening on" in said["simulator.log"], said["simulator.log"]
