"""Alembic, driven from code: the migration scripts ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

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
        raise DatabaseUnreachable(first_line(exc.orig)) from exc


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` ('base' removes every table)."""
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database. Raises DatabaseUnreachable."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as exc:
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            raise DatabaseUnreachable(first_line(exc.orig)) from exc
        raise


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def missing_sqlite_file(url: str | URL) -> Path | None:
    """The file a SQLite URL names when it does not exist yet (connecting would create it empty), else None."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def schema_problem(engine: Engine) -> str | None:
    """Why the code cannot work on this database's schema, said of the database ("has no schema yet ..."), or
    None when it can. Raises DatabaseUnreachable. A revision the code does not know (a newer release migrated
    the database) passes: refusing it would stop old processes during a rolling deploy."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return None
    if current is None:
        return "has no schema yet (it was never upgraded)"
    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
    if current in known:
        return f"is at revision {current}, this code needs {head}"
    return None


def first_line(error: object) -> str:
    """A driver's error message on one line (psycopg adds hints on the lines after the first)."""
    text = str(error).strip()
    return text.splitlines()[0].strip() if text else type(error).__name__
