"""What differs between PostgreSQL and SQLite, in one place, so services read the same on both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def is_postgresql(session: Session) -> bool:
    """True when the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def lock_for_transaction(session: Session, key: int) -> None:
    """Hold an exclusive lock named `key` until the transaction ends (PostgreSQL advisory lock). SQLite has one
    writer at a time already (every write transaction begins IMMEDIATE), so nothing more is needed there."""
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def allow_large_sorts(session: Session, megabytes: int) -> None:
    """Let this transaction's sorts and hashes use `megabytes` of memory (PostgreSQL's work_mem)."""
    if is_postgresql(session):
        session.execute(text(f"SET LOCAL work_mem = '{int(megabytes)}MB'"))


def refresh_statistics(session: Session, table: str) -> None:
    """Give the planner fresh statistics for `table` (a just-filled temporary table has none on PostgreSQL)."""
    if is_postgresql(session):
        session.execute(text(f"ANALYZE {table}"))


def insert_ignoring_duplicates(session: Session, table: type[Any] | Table) -> Any:
    """An INSERT that skips rows conflicting with a unique key (another process may insert the same rows)."""
    dialect_insert = postgresql_insert if is_postgresql(session) else sqlite_insert
    return dialect_insert(table).on_conflict_do_nothing()
