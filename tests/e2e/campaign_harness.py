"""A whole deployment for end-to-end campaign tests: simulator, web app, dispatcher and RQ worker processes,
all reading one simulated clock, on the test PostgreSQL database and Redis.

With `log_dir`, every process the deployment starts writes its output to <log_dir>/<name>.log (a failing
fault test shows what the processes said; the log scan reads them)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import Campaign
from contact_service.bootstrap import Container
from contact_service.clock import SimulatedClock
from contact_service.config import load_settings
from contact_service.domain.access import Actor, Role
from contact_service.read.campaigns import CampaignRow
from contact_service.simulator import SimulatorConfig, SimulatorServer
from contact_service.use_cases import campaigns as campaign_actions
from contact_service.use_cases.campaigns import CampaignSpec, CaseSelection
from tests.conftest import REPO_ROOT, TEST_REDIS_URL
from tests.e2e.live import live_app

ACCOUNT_SID = "AC" + "cafe" * 8
AUTH_TOKEN = "campaign-e2e-token"
OPERATOR = Actor("test", Role.OPERATOR)
# Monday 30 November 2026, 14:00 UTC: 9:00 in New York, 6:00 in Los Angeles.
MONDAY_MORNING = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)


@dataclass
class Deployment:
    """Handles on the running pieces."""

    container: Container
    simulator: SimulatorServer
    engine: Engine
    clock: SimulatedClock
    workers: list[subprocess.Popen] = field(default_factory=list)  # type: ignore[type-arg]
    dispatchers: list[subprocess.Popen] = field(default_factory=list)  # type: ignore[type-arg]
    env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    _started: int = 0

    def _start(self, command: str) -> subprocess.Popen:  # type: ignore[type-arg]
        self._started += 1
        output: int | object = subprocess.DEVNULL
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.log_dir / f"{command}-{self._started}.log").open("ab")
        try:
            return subprocess.Popen(
                [sys.executable, "-m", "contact_service", command],
                env=self.env,
                cwd=REPO_ROOT,
                stdout=output,  # type: ignore[arg-type]
                stderr=subprocess.STDOUT if self.log_dir is not None else subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            if self.log_dir is not None:
                output.close()  # type: ignore[attr-defined]  # the child has its own descriptor

    def start_worker(self) -> subprocess.Popen:  # type: ignore[type-arg]
        """One more `contact-service worker` process."""
        process = self._start("worker")
        self.workers.append(process)
        return process

    def start_dispatcher(self) -> subprocess.Popen:  # type: ignore[type-arg]
        """One more `contact-service dispatcher` process (with `deployment(dispatchers=...)`)."""
        process = self._start("dispatcher")
        self.dispatchers.append(process)
        return process

    def kill_dispatcher(self, process: subprocess.Popen) -> None:  # type: ignore[type-arg]
        """SIGKILL: the lease it holds is left to expire."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        self.dispatchers.remove(process)

    def kill_worker(self, process: subprocess.Popen) -> None:  # type: ignore[type-arg]
        """SIGKILL: no cleanup, no goodbye."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        self.workers.remove(process)

    def stop_workers(self) -> None:
        processes = [*self.workers, *self.dispatchers]
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.workers.clear()
        self.dispatchers.clear()

    def configure_numbers(self, personas: dict[str, list[str]]) -> None:
        """Fixed outcomes on the simulator: the k-th call to a number gets the k-th persona."""
        fixed = dict(self.simulator.engine.config.fixed)
        fixed.update({number: tuple(sequence) for number, sequence in personas.items()})
        self.simulator.configure(fixed=fixed)

    def create_and_launch(self, name: str, selection: CaseSelection | None = None, **spec) -> CampaignRow:  # type: ignore[no-untyped-def]
        """Create a campaign and launch it, as an operator does (through the use cases)."""
        container = self.container
        created = campaign_actions.create_campaign(
            container.unit_of_work(),
            OPERATOR,
            CampaignSpec(name=name, selection=selection or CaseSelection(), **spec),
            defaults=container.settings,
        )
        launched = campaign_actions.launch_campaign(
            container.unit_of_work(), OPERATOR, created.id, policy=container.contact_policy
        )
        return launched.campaign

    def wait_for(self, campaign_id: int, status: str = "completed", timeout: float = 120) -> Campaign:
        """Wait (real seconds) until the campaign reaches `status`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with Session(self.engine) as session:
                campaign = session.scalar(select(Campaign).where(Campaign.id == campaign_id))
                if campaign.status == status:
                    return campaign
            time.sleep(0.2)
        raise AssertionError(f"campaign {campaign_id} did not become {status} in {timeout} s (now {campaign.status})")


@contextmanager
def deployment(
    pg_engine: Engine,
    start: dt.datetime = MONDAY_MORNING,
    speed: float = 3600.0,
    workers: int = 2,
    account_cps: int = 50,
    reconcile_after: int = 3,
    dispatchers: int = 0,
    silent_call_grace: float | None = None,
    log_dir: Path | None = None,
    log_level: str = "WARNING",
) -> Iterator[Deployment]:
    """Start everything; stop everything. The dispatcher runs in a thread of this process, or, with
    `dispatchers`, as that many `contact-service dispatcher` processes. `silent_call_grace`: real seconds the
    in-process dispatcher waits for a late final callback before asking the provider (default: production's)."""
    clock = SimulatedClock(start, speed)
    sim_config = SimulatorConfig.from_mapping(
        {
            "account_sid": ACCOUNT_SID,
            "auth_token": AUTH_TOKEN,
            "speed": speed,
            "cps": 500,
            "seed": 11,
            "mix": {"human": 1},
        }
    )
    with SimulatorServer(sim_config, clock=clock) as simulator:
        settings = load_settings(
            overrides={
                "database_url": pg_engine.url.render_as_string(hide_password=False),
                "redis_url": TEST_REDIS_URL,
                "telephony_provider": "simulator",
                "simulator_url": simulator.url,
                "twilio_account_sid": ACCOUNT_SID,
                "twilio_auth_token": AUTH_TOKEN,
                "clock": clock.spec(),
                "account_calls_per_second": account_cps,
                "reconcile_after_seconds": reconcile_after,
                "log_level": log_level,
            }
        )
        container = Container(settings=settings, clock=clock)
        container.engine = pg_engine  # type: ignore[misc]
        options = {"silent_call_grace_seconds": silent_call_grace} if silent_call_grace is not None else {}
        with live_app(
            container, dispatcher=not dispatchers, reconcile_after_seconds=reconcile_after, **options
        ) as base_url:
            env = {key: value for key, value in os.environ.items() if not key.startswith(("CONTACT_", "TWILIO_"))}
            env.update(
                DATABASE_URL=settings.database_url,
                REDIS_URL=TEST_REDIS_URL,
                PUBLIC_BASE_URL=base_url,
                CONTACT_TELEPHONY_PROVIDER="simulator",
                CONTACT_SIMULATOR_URL=simulator.url,
                TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                CONTACT_CLOCK=clock.spec(),
                CONTACT_ACCOUNT_CALLS_PER_SECOND=str(account_cps),
                CONTACT_LOG_LEVEL=log_level,
                CONTACT_RECONCILE_AFTER_SECONDS=str(reconcile_after),
                CONTACT_CONFIG_DIR=str(REPO_ROOT / "config"),
                PYTHONUNBUFFERED="1",
            )
            handle = Deployment(
                container=container, simulator=simulator, engine=pg_engine, clock=clock, env=env, log_dir=log_dir
            )
            for _ in range(workers):
                handle.start_worker()
            for _ in range(dispatchers):
                handle.start_dispatcher()
            try:
                yield handle
            finally:
                handle.stop_workers()
