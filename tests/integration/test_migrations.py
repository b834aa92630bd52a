"""One migration history that builds the model's schema on SQLite and PostgreSQL, and unwinds cleanly."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from contact_service.adapters.db import access_models, escalation_models, migrate  # noqa: F401  (their tables)
from contact_service.adapters.db.engine import create_db_engine
from contact_service.adapters.db.models import Base

# SQLite's reflection cannot read an index on an expression (balance_cents DESC), so Alembic would always
# report it missing there; PostgreSQL reflects it and is compared in full.
SQLITE_UNREFLECTABLE_INDEXES = {"ix_call_list_entries_priority"}


def _comparable(obj, name, type_, reflected, compare_to, *, dialect: str) -> bool:  # type: ignore[no-untyped-def]
    return not (dialect == "sqlite" and type_ == "index" and name in SQLITE_UNREFLECTABLE_INDEXES)


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        dialect = engine.dialect.name
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda *args: _comparable(*args, dialect=dialect),
            },
        )
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
