"""A whole deployment for end-to-end campaign tests: simulator, web app, dispatcher and RQ worker processes,
all reading one simulated clock, on the test PostgreSQL database and Redis."""

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
    env: dict[str, str] = field(default_factory=dict)

    def start_worker(self) -> subprocess.Popen:  # type: ignore[type-arg]
        """One more `contact-service worker` process."""
        process = subprocess.Popen(
            [sys.executable, "-m", "contact_service", "worker"],
            env=self.env,
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.workers.append(process)
        return process

    def kill_worker(self, process: subprocess.Popen) -> None:  # type: ignore[type-arg]
        """SIGKILL: no cleanup, no goodbye."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        self.workers.remove(process)

    def stop_workers(self) -> None:
        for process in list(self.workers):
            os.killpg(process.pid, signal.SIGTERM)
        for process in list(self.workers):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.workers.clear()

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
) -> Iterator[Deployment]:
    """Start everything; stop everything."""
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
                "log_level": "WARNING",
            }
        )
        container = Container(settings=settings, clock=clock)
        container.engine = pg_engine  # type: ignore[misc]
        with live_app(container, reconcile_after_seconds=reconcile_after) as base_url:
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
                CONTACT_LOG_LEVEL="WARNING",
                CONTACT_CONFIG_DIR=str(REPO_ROOT / "config"),
            )
            handle = Deployment(container=container, simulator=simulator, engine=pg_engine, clock=clock, env=env)
            for _ in range(workers):
                handle.start_worker()
            try:
                yield handle
            finally:
                handle.stop_workers()
