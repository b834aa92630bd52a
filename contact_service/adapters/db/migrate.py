"""Alembic, driven from code: the migration scripts ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to `engine` (its connection is shared with env.py)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    config.attributes["engine"] = engine
    return config


class DatabaseUnreachable(Exception):
    """The database did not answer (its driver's message is the exception's)."""


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (default: the newest). Raises DatabaseUnreachable."""
    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise DatabaseUnreachable(str(exc.orig)) from exc


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` ('base' removes every table)."""
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
