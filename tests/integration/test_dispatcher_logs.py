"""What the dispatcher says: its lease, a summary of what it queued and settled (once a minute, and when it
stops), and an outage of the database once when it starts, not once per duty ten times a second, with the
URL's password masked."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from redis import Redis
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt
from contact_service.bootstrap import Container
from contact_service.cli.local_stack import free_port
from contact_service.clock import FixedClock
from contact_service.config import load_settings
from tests.conftest import TEST_REDIS_URL
from tests.integration.test_dialing import NOON_NY, queued_attempt
from workers.dispatcher import Dispatcher


def container_on(database_url: str) -> Container:
    settings = load_settings(environ={}, overrides={"database_url": database_url, "redis_url": TEST_REDIS_URL})
    return Container(settings=settings, clock=FixedClock(NOON_NY))


def run_for(dispatcher: Dispatcher, seconds: float) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=dispatcher.run_forever, args=(stop,), daemon=True)
    thread.start()
    time.sleep(seconds)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def messages(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("workers") and r.levelno >= level]


def test_the_dispatcher_says_what_it_queued_and_settled(
    pg_engine: Engine, redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FixedClock(NOON_NY)
    for number in range(3):
        _, attempt_id = queued_attempt(pg_engine, clock, phone=f"(212) 555-06{number:02d}")
        with Session(pg_engine) as session:
            session.execute(
                update(CallAttempt)
                .where(CallAttempt.id == attempt_id)
                .values(state="planned", queued_at=None, due_at=clock.now())
            )
            session.commit()
    container = container_on(pg_engine.url.render_as_string(hide_password=False))
    container.engine = pg_engine  # type: ignore[misc]
    with caplog.at_level(logging.INFO, logger="workers"):
        run_for(Dispatcher(container, summary_every_seconds=0.5), 1.5)
    said = messages(caplog)
    summaries = [line for line in said if line.startswith("in the last ")]
    assert len(summaries) >= 3, said  # every 0.5 s, and one more when it stops
    assert any("3 attempts queued" in line for line in summaries), summaries
    assert all("attempts settled" in line and "calls ended" in line for line in summaries), summaries
    assert any("took the leader lease" in line for line in said), said
    assert said[-1].endswith("stopped"), said


def test_a_database_that_does_not_answer_is_said_once_with_the_password_masked(
    redis_client: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    container = container_on(f"postgresql://service:s3cret-pw@127.0.0.1:{port}/contact")
    with caplog.at_level(logging.INFO, logger="workers"):
        run_for(Dispatcher(container), 2.5)
    problems = messages(caplog, logging.WARNING)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"database unreachable at postgresql+psycopg://service:***@127.0.0.1:{port}/contact")
    assert "s3cret-pw" not in "\n".join(messages(caplog))
    assert not [r for r in caplog.records if r.exc_info], "no traceback for an outage"
