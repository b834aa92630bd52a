"""Shared fixtures: real PostgreSQL and Redis (never mocks), SQLite where the local default matters.

PostgreSQL: each test session creates its own database from TEST_DATABASE_URL's server and drops it at the
end, so concurrent runs never collide. Redis: TEST_REDIS_URL (db 15 by default), flushed around each test.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from contact_service.adapters.db import migrate
from contact_service.adapters.db.engine import create_db_engine
from contact_service.adapters.db.models import Base
from contact_service.clock import FixedClock

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_SAMPLES = REPO_ROOT.parent / "shared" / "samples"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# A Tuesday afternoon in New York; tests that care about time set their own.
DEFAULT_NOW = dt.datetime(2026, 11, 24, 19, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The sample inputs, copied from ../shared/samples into tests/data so a fresh clone has them."""
    return REPO_ROOT / "tests" / "data"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database that lives for the test session."""
    admin_url = make_url(TEST_DATABASE_URL)
    if admin_url.drivername == "postgresql":
        admin_url = admin_url.set(drivername="postgresql+psycopg")
    name = f"contact_service_test_{uuid.uuid4().hex[:10]}"
    # Pre-ping: a PostgreSQL restart (a fault test) must not break dropping the database at the end.
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - say plainly what is missing, then stop
        pytest.exit(f"PostgreSQL is required for the integration tests ({admin_url}): {exc}", returncode=3)
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    """An engine on the session's PostgreSQL database, migrated to head once."""
    engine = create_db_engine(postgres_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def truncate_all(engine: Engine) -> None:
    """Empty every table of the model (fast reset between tests)."""
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def pg_engine(postgres_engine: Engine) -> Iterator[Engine]:
    """The migrated PostgreSQL engine, emptied before each test."""
    truncate_all(postgres_engine)
    yield postgres_engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database in a temporary file (the local default backend)."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'contact_service.db'}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on both supported databases."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


@pytest.fixture
def redis_client() -> Iterator[Redis]:
    """A real Redis connection on the test database, flushed before and after the test."""
    client = Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.exit(f"Redis is required for the integration tests ({TEST_REDIS_URL}): {exc}", returncode=3)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def clock() -> FixedClock:
    """A stopped clock at DEFAULT_NOW."""
    return FixedClock(DEFAULT_NOW)
