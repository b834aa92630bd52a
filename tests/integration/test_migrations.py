"""One migration history that builds the model's schema on SQLite and PostgreSQL, and unwinds cleanly."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from contact_service.adapters.db import migrate
from contact_service.adapters.db.engine import create_db_engine
from contact_service.adapters.db.models import Base


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], "models and migrations disagree; write a migration"
    assert migrate.current_revision(engine) == migrate.head_revision()


@pytest.fixture
def empty_database(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str) -> Iterator[Engine]:
    """An empty database of its own (the shared migrated one is left alone)."""
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'roundtrip.db'}")
        yield engine
        engine.dispose()
        return
    url = make_url(postgres_url)
    name = f"{url.database}_roundtrip"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_db_engine(url.set(database=name))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.parametrize("empty_database", ["sqlite", "postgresql"], indirect=True)
def test_downgrade_to_base_and_upgrade_again(empty_database: Engine) -> None:
    engine = empty_database
    migrate.upgrade(engine)
    assert {"cases", "taxpayers", "phone_numbers", "case_holds"} <= set(inspect(engine).get_table_names())
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
