"""Every process of a deployment, started on this machine: simulator, web, dispatcher and RQ workers.

Used by the demo (and the dialing benchmark) so they run exactly what the Procfile runs in production.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LocalStack:
    """Processes sharing one environment (database, Redis, clock, URLs); logs under `log_dir`."""

    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        """Start one named process; its output goes to <log_dir>/<name>.log."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("ab")
        # Unbuffered: what a process printed is in its log even when it is stopped with a signal.
        env = {**self.env, "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def start_all(self, web_port: int, simulator_port: int, workers: int, simulator_options: list[str]) -> None:
        """The whole deployment (what the Procfile lists, plus the simulator)."""
        self.start_simulator(simulator_port, simulator_options)
        self.start_service(web_port, workers)

    def start_simulator(self, simulator_port: int, simulator_options: list[str]) -> None:
        """The Twilio simulator alone (a test configures it before anything dials)."""
        python = sys.executable
        self.start(
            "simulator",
            [python, "-m", "contact_service", "simulator", "--port", str(simulator_port), *simulator_options],
        )

    def start_service(self, web_port: int, workers: int) -> None:
        """The service's own processes: web (gunicorn), dispatcher and `workers` RQ workers."""
        python = sys.executable
        self.start(
            "web",
            [
                python,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "8",
                "--bind",
                f"127.0.0.1:{web_port}",
                "--log-level",
                "info",
                # The access log without query strings (contact_service/gunicorn_config.py).
                "--config",
                "python:contact_service.gunicorn_config",
                "contact_service.wsgi:app",
            ],
        )
        self.start("dispatcher", [python, "-m", "contact_service", "dispatcher"])
        for number in range(1, workers + 1):
            self.start(f"worker-{number}", [python, "-m", "contact_service", "worker"])

    def wait_ready(self, web_url: str, simulator_port: int, timeout: float = 60) -> None:
        """Until the web app answers /healthz and the simulator accepts connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                urllib.request.urlopen(f"{web_url}/healthz", timeout=1)
                socket.create_connection(("127.0.0.1", simulator_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the deployment did not come up within {timeout:.0f} s; see {self.log_dir}")

    def check_alive(self) -> None:
        """Raise if a process has exited."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}; see {self.log_dir / name}.log")

    def stop(self) -> None:
        """SIGTERM everything, then SIGKILL what is left after a few seconds."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()
