"""Engines and sessions for SQLite (local default) and PostgreSQL (production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker


def normalize_database_url(url: str | URL) -> URL:
    """Pin PostgreSQL URLs to the psycopg 3 driver (the one we install) and accept Heroku-style postgres://."""
    text = str(url) if isinstance(url, URL) else url
    if text.startswith("postgres://"):
        text = "postgresql://" + text.removeprefix("postgres://")
    parsed = make_url(text)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_db_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine with the per-backend settings the service relies on (SQLite: WAL, foreign keys, busy wait)."""
    parsed = normalize_database_url(url)
    # A failed statement's message would otherwise carry its parameters (numbers, names, TIN fragments)
    # into every log line and traceback that shows the error.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _configure_sqlite)
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINTs; take it over. IMMEDIATE:
        # a transaction that reads and then writes would otherwise fail at once (SQLITE_BUSY_SNAPSHOT) when
        # another process wrote in between; with it, writers queue up for the lock (busy_timeout) instead.
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    # Pre-ping on checkout, so a database restart costs no request an error; the event log's own hot-path
    # engine turns it off and retries instead (single_statement_engine).
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(parsed, **kwargs)


def single_statement_engine(engine: Engine) -> Engine:
    """An engine whose statements each commit on their own (no BEGIN/COMMIT round trips) on PostgreSQL;
    SQLite keeps ordinary transactions. For one-statement writes on hot paths.

    A pool of its own, created in autocommit: switching a shared pool's connections in and out of
    autocommit costs round trips on every checkout and return.
    """
    if engine.dialect.name == "postgresql":
        # No pre-ping: a round trip on every callback. EventLog retries once on a dead connection instead.
        return create_db_engine(
            engine.url, isolation_level="AUTOCOMMIT", pool_size=5, max_overflow=20, pool_pre_ping=False
        )
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: object) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (services hand them to renderers)."""
    return sessionmaker(engine, expire_on_commit=False)


def unreachable(engine: Engine) -> str | None:
    """Why the database does not answer a trivial query (the error's class name), or None if it does."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        cause = exc.orig if isinstance(exc, DBAPIError) else None
        return type(cause or exc).__name__
    return None
