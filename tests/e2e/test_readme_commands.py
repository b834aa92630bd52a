"""Every command the README shows, run the way the README shows it.

The README's shell blocks (and any command line in its other code blocks) and its command table are read
from the file itself. Each line must be one this module knows how to run (a new command in the README
fails here until it is run here too), and each runs with its exact text through bash, `contact-service` on
PATH the way the README says (the virtualenv activated). What a deployment would change is substituted,
and only that: the PostgreSQL `export` points at the test database, the `curl` at this test's own web
server instead of localhost:8000. `make test` is the suite itself and is not run from inside it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redis import Redis
from sqlalchemy import Engine

from contact_service.bootstrap import Container
from contact_service.cli.local_stack import free_port
from contact_service.config import load_settings
from contact_service.services.synthetic_cases import write_synthetic_cases
from contact_service.web.app import build_app
from tests.conftest import REPO_ROOT, TEST_REDIS_URL
from tests.e2e.live import serve

README = REPO_ROOT / "README.md"
ACTIVATE = Path(sys.executable).parent / "activate"
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)
# A line of a block that is not marked as shell is a command when it starts like one (at the margin).
COMMAND_START = re.compile(r"^(contact-service |make |curl |export |\. )")
PLACEHOLDER_DB = "postgresql://contact@db.internal:5432/contact_service"
SATURDAY = "2026-12-05T17:00:00+00:00"  # noon in New York, 11:00 in Texas: the calling window is closed
MONDAY = "2026-12-07T18:00:00+00:00"  # noon in Texas: open in every zone of the mainland

# Every command line of the README, by its exact text, and the test of this module that runs it.
QUICK_START = "test_the_quick_start_demo_runs_as_written"
WALKTHROUGH = "test_the_readme_walkthrough_runs_as_written"
STACK = "test_make_stack_runs_the_whole_local_stack"
CHECK = "test_make_check_runs_as_written"
NOT_RUNNABLE = {
    "make test   # runs the test suite (unit, integration on PostgreSQL + Redis, end-to-end)": (
        "it is this test suite: `.ci/run` runs it"
    ),
}
LINES = {
    "make demo   # runs the main job end to end on local defaults: SQLite under var/, a Redis of its own, "
    "the built-in simulator": QUICK_START,
    ". .venv/bin/activate": WALKTHROUGH,
    "contact-service --help": WALKTHROUGH,
    "contact-service demo --cases-file cases.csv": WALKTHROUGH,
    f"export DATABASE_URL={PLACEHOLDER_DB}   # psycopg 3 is used": WALKTHROUGH,
    "contact-service db upgrade": WALKTHROUGH,
    "export CONTACT_TELEPHONY_PROVIDER=twilio": WALKTHROUGH,
    "export TWILIO_ACCOUNT_SID=AC...            # your account": WALKTHROUGH,
    "export TWILIO_AUTH_TOKEN=...               # also the key every webhook signature is checked with": WALKTHROUGH,
    "export TWILIO_CALLER_ID=+1...              # a number on your account that calls come from": WALKTHROUGH,
    "export PUBLIC_BASE_URL=https://calls.example.gov   # how Twilio reaches this service (behind your proxy)": (
        WALKTHROUGH
    ),
    "contact-service cases import cases.csv": WALKTHROUGH,
    "contact-service scripts check my_script.txt             # one line per violation; exit 1, or 0 when clean": (
        WALKTHROUGH
    ),
    "contact-service scripts register spring-2027 my_script.txt --kind human   # refused if the guard finds "
    "anything": WALKTHROUGH,
    "contact-service campaign create spring-cp504 --stage CP504 --stage LT11 --state TX --min-balance 1000 "
    "--cps 20": WALKTHROUGH,
    "contact-service campaign preview spring-cp504    # cases selected, to call, skipped by reason; nothing "
    "written": WALKTHROUGH,
    "contact-service campaign launch spring-cp504": WALKTHROUGH,
    "contact-service campaign status spring-cp504 --watch   # live progress bar, then the outcome table": (WALKTHROUGH),
    "contact-service campaign pause|resume|cancel spring-cp504": WALKTHROUGH,
    "contact-service campaign list": WALKTHROUGH,
    "contact-service tokens create rita --role representative     # prints the token once; only its hash is "
    "kept": WALKTHROUGH,
    "contact-service call-lists assign individual rita             # a representative sees only assigned "
    "lists": WALKTHROUGH,
    'curl -s -X POST -H "Authorization: Bearer $TOKEN" localhost:8000/api/v1/call-lists/1/take': WALKTHROUGH,
    "make stack": STACK,
    "make check": CHECK,
}
# Every row of the command table, and the commands of the walkthrough that run it (templates made concrete).
TABLE = {
    "contact-service db upgrade": ["contact-service db upgrade"],
    "contact-service cases import FILE": ["contact-service cases import cases.csv"],
    "contact-service scripts check FILE": ["contact-service scripts check my_script.txt"],
    "contact-service scripts register NAME FILE": ["contact-service scripts register spring-2027 my_script.txt"],
    "contact-service campaign create/preview/launch/pause/resume/cancel/status/list": [
        f"contact-service campaign {action}"
        for action in ("create", "preview", "launch", "pause", "resume", "cancel", "status", "list")
    ],
    "contact-service simulator": ["contact-service simulator"],
    "contact-service worker": ["contact-service worker"],
    "contact-service dispatcher": ["contact-service dispatcher"],
    "contact-service escalate": ["contact-service escalate"],
    "contact-service tokens create NAME --role ROLE": ["contact-service tokens create rita --role representative"],
    "tokens revoke NAME": ["contact-service tokens revoke rita"],
    "contact-service call-lists show/assign/unassign/take/disposition/release": [
        f"contact-service call-lists {action}"
        for action in ["show", "assign", "unassign", "take", "disposition", "release"]
    ],
    "contact-service scheduler": ["contact-service scheduler"],
    "contact-service demo": ["contact-service demo --cases-file cases.csv"],
}


def readme_lines() -> list[str]:
    """The README's command lines, in order: every line of a shell block, and the lines of other code blocks
    that start like a command."""
    found = []
    for block in FENCE.finditer(README.read_text(encoding="utf-8")):
        for line in block["body"].splitlines():
            if line.strip() and (block["lang"] == "sh" or COMMAND_START.match(line)):
                found.append(line.rstrip())
    return found


def table_rows() -> list[str]:
    """The commands of the README's command table (a row may name two, split by ` / `)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (`[^|]*`) \|", section, re.MULTILINE)
    return [name for row in rows for name in re.findall(r"`([^`]+)`", row)]


def test_every_command_the_readme_shows_is_run_by_this_module() -> None:
    lines = readme_lines()
    assert len(lines) > 20, lines
    assert set(lines) == set(LINES) | set(NOT_RUNNABLE)
    assert set(table_rows()) == set(TABLE)
    # The one line not run is `make test` (the walkthrough checks that it ran every row of the table).
    assert set(NOT_RUNNABLE) == {line for line in lines if line.startswith("make test")}


def bash(
    script: str, env: dict[str, str], cwd: Path, timeout: float = 120, check: int | None = 0
) -> subprocess.CompletedProcess[str]:
    """Run README lines through bash with the virtualenv activated, as the README's quick start says."""
    prelude = f". {ACTIVATE}\n" if ACTIVATE.exists() else f'PATH="{Path(sys.executable).parent}:$PATH"\n'
    result = subprocess.run(
        ["bash", "-c", prelude + script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check is not None:
        assert result.returncode == check, f"{script}\nexit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def base_env() -> dict[str, str]:
    """The user's environment without this service's variables (a shell that set none)."""
    prefixes = ("CONTACT_", "TWILIO_", "DATABASE_", "REDIS_", "PUBLIC_BASE_URL", "WEB_PORT")
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    env["CONTACT_CONFIG_DIR"] = str(REPO_ROOT / "config")
    # A shell that has not activated the virtualenv yet, as after the quick start.
    scripts = Path(sys.executable).parent.resolve()
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != scripts
    )
    env.pop("VIRTUAL_ENV", None)
    return env


def where_next_commands(output: str) -> list[str]:
    """The shell commands the demo printed under "Where to look next" (lines with a `$ ` prompt)."""
    section = output.split("Where to look next", 1)[1]
    return [line.strip().removeprefix("$ ") for line in section.splitlines() if line.strip().startswith("$ ")]


def test_the_quick_start_demo_runs_as_written(redis_client: Redis) -> None:
    """`make demo` from the repository's root, then the commands it says to run next, as printed. Smaller than
    the default (DEMO_ARGS, read by the Makefile) and on the test's own Redis database."""
    env = base_env() | {"REDIS_URL": TEST_REDIS_URL, "DEMO_ARGS": "--cases 60 --cps 20"}
    result = subprocess.run(
        ["bash", "-c", "make demo"], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert re.search(r"campaign 1 'demo': completed", out), out
    assert f"redis:     {TEST_REDIS_URL} (REDIS_URL; cleared for this run)" in out
    commands = where_next_commands(out)
    assert any("campaign status demo" in command for command in commands), out
    # In a new shell, as printed: the first line activates the virtualenv (`contact-service` is not on PATH).
    assert commands[0] == ". .venv/bin/activate    # puts contact-service on your PATH in this shell", out
    shown = subprocess.run(
        ["bash", "-c", "\n".join(["set -e", *commands])],
        env=base_env(),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert re.search(r"campaign 1 'demo': completed", shown.stdout), shown.stdout
    assert re.search(r"^\s+\d+\s+individual\s+\d+", shown.stdout, re.MULTILINE), shown.stdout


def test_make_check_runs_as_written() -> None:
    result = subprocess.run(
        ["bash", "-c", "make check"], env=base_env(), cwd=REPO_ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_make_stack_runs_the_whole_local_stack(tmp_path: Path, redis_client: Redis) -> None:
    """Procfile.dev through `make stack`: every process starts, the web app and the simulator answer, and
    Ctrl-C (SIGINT to the group, as a terminal sends it) stops them all."""
    web_port, simulator_port = free_port(), free_port()
    env = base_env() | {
        "WEB_PORT": str(web_port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "CONTACT_SIMULATOR_URL": f"http://127.0.0.1:{simulator_port}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'stack.db'}",
        "REDIS_URL": TEST_REDIS_URL,
    }
    log = (tmp_path / "stack.log").open("w+")
    process = subprocess.Popen(
        ["bash", "-c", "make stack"],
        env=env,
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    names = ("web", "worker", "dispatcher", "scheduler", "simulator")
    try:
        deadline = time.monotonic() + 90
        up = False
        while time.monotonic() < deadline and process.poll() is None:
            text = Path(log.name).read_text()
            started = all(f"{name}.1 started" in text for name in names)
            if started and _answers(f"http://127.0.0.1:{web_port}/healthz") and _listening(simulator_port):
                up = True
                break
            time.sleep(0.5)
        text = Path(log.name).read_text()
        assert up, text
        time.sleep(3)  # every process past its start-up checks (a failing one would stop them all)
        assert process.poll() is None, Path(log.name).read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    text = Path(log.name).read_text()
    assert "database at revision" in text  # the schema was brought up to date first
    for name in names:
        assert re.search(rf"{name}\.1 stopped", text), text
    assert "Traceback" not in text, text


class Walkthrough:
    """One operator's shell: an environment that `export` lines change, a working directory, and what ran."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd = cwd
        self.env = env
        self.ran: list[str] = []

    def run(self, line: str, check: int | None = 0, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run one line as written."""
        self.ran.append(line)
        return bash(line, self.env, self.cwd, timeout=timeout, check=check)

    def export(self, line: str, value: str | None = None) -> None:
        """Apply an `export NAME=VALUE` line (with `value` instead of the README's, for a deployment's)."""
        name, _, written = line.removeprefix("export ").split("#", 1)[0].strip().partition("=")
        self.env[name] = value if value is not None else written
        self.ran.append(line)

    @contextmanager
    def long_running(self, line: str, stop: signal.Signals = signal.SIGTERM) -> Iterator[subprocess.Popen[str]]:
        """Start a long-running command as written; stop it with `stop` (as a process manager does)."""
        self.ran.append(line)
        prelude = f". {ACTIVATE}\nexec " if ACTIVATE.exists() else "exec "
        process = subprocess.Popen(
            ["bash", "-c", prelude + line],
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, stop)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# Cases in Texas at CP504 or later, so that the README's campaign over Texas selects some (one with a
# representative on file, whom the sweep lists at once); the synthetic cases come from every state.
TEXAS_ROWS = [
    "RDM-TX-01,individual,Maria Lopez,512-555-3101,TX,2500.00,CP504,2026-10-01,2020-03-01,,false,1111",
    "RDM-TX-02,business,Lone Star Supply LLC,214-555-3102,TX,15000.00,LT11,2026-09-15,2019-05-01,,false,2222",
    "RDM-TX-03,individual,John Smith,713-555-3103,TX,4200.00,CP504,2026-10-10,2021-01-15,,true,3333",
    "RDM-TX-04,estate,Estate of Ann Lee,915-555-3104,TX,8000.00,LT11,2026-09-01,2018-07-01,,false,4444",
]
CASE_ROWS = 150 + len(TEXAS_ROWS)


def _write_inputs(cwd: Path) -> None:
    """The files the README's commands name: a case file and a call script."""
    with (cwd / "cases.csv").open("w", encoding="utf-8", newline="") as stream:
        write_synthetic_cases(stream, CASE_ROWS - len(TEXAS_ROWS), today=dt.date(2026, 12, 4), seed=11, prefix="RDM")
        stream.write("\n".join(TEXAS_ROWS) + "\n")
    shutil.copy(REPO_ROOT / "tests" / "data" / "scripts" / "good" / "plain_english.txt", cwd / "my_script.txt")


def test_the_readme_walkthrough_runs_as_written(tmp_path: Path, pg_engine: Engine, redis_client: Redis) -> None:
    walk = Walkthrough(tmp_path, base_env() | {"CONTACT_CLOCK": f"simulated:{SATURDAY}@1x"})
    _write_inputs(tmp_path)

    # Quick start: the command is on PATH once the virtualenv is activated.
    walk.ran.append(readme(". .venv/bin/activate"))
    assert "campaign" in walk.run(readme("contact-service --help")).stdout

    # Your own cases, end to end on the simulated clock (the demo's own SQLite; the test's Redis database).
    walk.env["REDIS_URL"] = TEST_REDIS_URL
    demo = walk.run(readme("demo --cases-file"), timeout=600).stdout
    assert f"{CASE_ROWS} cases imported from cases.csv ({CASE_ROWS} rows read, 0 rejected)" in demo, demo
    assert re.search(r"campaign 1 'demo': completed", demo), demo
    assert re.search(rf"cases: {CASE_ROWS} selected, (\d+) to call, .*; \1 done \(100%\)", demo), demo

    # PostgreSQL: the export names the deployment's database; here, the test's.
    walk.export(readme("export DATABASE_URL="), value=_url(pg_engine))
    assert "database at revision" in walk.run(readme("db upgrade")).stdout

    # Real Twilio: the README's placeholder values are refused (a real account is needed for more).
    before = dict(walk.env)
    for text in LINES:
        if text.startswith(("export CONTACT_TELEPHONY_PROVIDER", "export TWILIO_", "export PUBLIC_BASE_URL")):
            walk.export(text)
    refused = walk.run("contact-service db current", check=2)
    assert refused.stderr.startswith("error: configuration error:") and len(refused.stderr.splitlines()) == 1
    walk.env = before

    # Case files, scripts.
    imported = walk.run(readme("cases import")).stdout
    assert f"{CASE_ROWS} rows read, {CASE_ROWS} imported, 0 rejected" in imported, imported
    walk.run(readme("scripts check"))
    registered = walk.run(readme("scripts register"))
    assert "spring-2027" in registered.stdout

    # Campaigns: create, preview (it crashed with DetachedInstanceError once), launch, watch, control, list.
    walk.run(readme("campaign create"))
    preview = walk.run(readme("campaign preview")).stdout
    selected = re.search(r"preview of 'spring-cp504': (\d+) cases selected, (\d+) to call", preview)
    assert selected and int(selected[2]) > 0, preview
    launched = walk.run(readme("campaign launch")).stdout
    assert f"{selected[1]} cases selected, {selected[2]} to call" in launched
    status = walk.run("contact-service campaign status spring-cp504").stdout
    # Saturday: every planned call waits for the weekend to end, and says so, with when the first is due.
    assert f"planned attempts: {selected[2]}, 0 due now; the next is due Mon 2026-12-07" in status, status
    assert re.search(rf"^\s+weekend\s+{selected[2]}\s+Mon 2026-12-07 1[45]:00 UTC$", status, re.MULTILINE), status
    with walk.long_running(
        readme("status spring-cp504 --watch"),
        stop=signal.SIGINT,  # Ctrl-C: the campaign waits for Monday, so the watch would not end by itself
    ) as watching:
        time.sleep(4)
    out = watching.stdout.read() if watching.stdout else ""
    assert watching.returncode == 0 and "stopped watching (the campaign goes on)" in out, out
    for action in ("pause", "resume", "cancel"):  # `pause|resume|cancel`: each of the three
        walk.run(readme("pause|resume|cancel").replace("pause|resume|cancel", action))
    assert "cancelled" in walk.run(readme("campaign list")).stdout

    # The REST API: a token, a list assigned, and the curl against this test's web server.
    token = walk.run(readme("tokens create")).stdout
    walk.env["TOKEN"] = token.strip().split()[-1]
    walk.run(readme("call-lists assign"))
    container = Container(settings=load_settings(environ=walk.env))
    with serve(build_app(container=container)) as server:
        curl = readme("curl ")
        answer = walk.run(curl.replace("localhost:8000", f"127.0.0.1:{server.server_port}")).stdout
    container.close()
    body = json.loads(answer)
    # Authenticated and allowed (an empty list answers with a refusal of its own, never 401 or 403).
    assert "entry" in body or body["error"]["status"] not in (401, 403, 500), body

    # The command table's other commands: the sweep, call-list work, tokens, and the long-running processes.
    walk.env["CONTACT_CLOCK"] = f"simulated:{MONDAY}@1x"  # Monday noon: cases may be called now
    assert walk.run("contact-service escalate").returncode == 0
    lists = walk.run("contact-service call-lists show").stdout
    open_list = next(m[1] for m in re.finditer(r"^\s+\d+\s+(\w+)\s+(\d+)", lists, re.MULTILINE) if int(m[2]) > 0)
    taken = walk.run(f"contact-service call-lists take {open_list}").stdout
    entry = re.search(r"entry (\d+)", taken)
    assert entry, taken
    walk.run(f"contact-service call-lists release {entry[1]}")
    again = re.search(r"entry (\d+)", walk.run(f"contact-service call-lists take {open_list}").stdout)
    assert again
    assert "not_reached" in walk.run(f"contact-service call-lists disposition {again[1]} not_reached").stdout
    walk.run("contact-service call-lists unassign individual rita")
    walk.run("contact-service tokens revoke rita")
    simulator_port = free_port()
    walk.env["CONTACT_SIMULATOR_URL"] = f"http://127.0.0.1:{simulator_port}"
    with (
        walk.long_running("contact-service simulator", stop=signal.SIGINT) as simulator,
        walk.long_running("contact-service worker") as worker,
        walk.long_running("contact-service dispatcher") as dispatcher,
        walk.long_running("contact-service scheduler") as scheduler,
    ):
        deadline = time.monotonic() + 60
        while not _listening(simulator_port) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(6)  # past every process's start-up checks
        processes = {"simulator": simulator, "worker": worker, "dispatcher": dispatcher, "scheduler": scheduler}
        running = {name: process.poll() for name, process in processes.items()}
    for name, process in processes.items():
        out = process.stdout.read() if process.stdout else ""
        assert running[name] is None and process.returncode == 0, f"{name}: {running[name]} {process.returncode}\n{out}"
        assert "Traceback" not in out, out

    # Every row of the command table ran (in a concrete form), and every README line of this test.
    for row, commands in TABLE.items():
        for command in commands:
            assert any(ran.startswith(command) for ran in walk.ran), f"{row}: {command} did not run"
    assert {text for text, test in LINES.items() if test == WALKTHROUGH} <= set(walk.ran) | {
        readme("pause|resume|cancel"),
        readme("curl "),
    }


def readme(fragment: str) -> str:
    """The one README line (of LINES) that contains `fragment`."""
    found = [text for text in LINES if fragment in text]
    assert len(found) == 1, (fragment, found)
    return found[0]


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)
