"""Appending to the call event log: the one write on the path of every provider callback.

One statement, committed on its own: the attempt is found by the id in the URL, else by call SID, inside the
statement (NULL when unknown, and such an event is born settled: there is nothing to fold it into); a
duplicate dedup key inserts nothing. On PostgreSQL it runs on a raw DBAPI connection from the pool in
autocommit, since SQLAlchemy's per-execution work was most of its cost; SQLite keeps the typed path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import psycopg
from sqlalchemy import BigInteger, Engine, bindparam, text
from sqlalchemy.exc import DBAPIError

from contact_service.adapters.db.types import UTCDateTime

APPEND_SQL = """
    INSERT INTO call_events (dedup_key, attempt_id, call_sid, kind, call_status, answered_by, digits,
                             sequence_number, duration_seconds, error_code, sip_code, detail, provider_timestamp,
                             received_at, settled_at)
    SELECT :dedup_key, ref.id, :call_sid, :kind, :call_status, :answered_by, :digits, :sequence_number,
           :duration_seconds, :error_code, :sip_code, :detail, :provider_timestamp, :received_at,
           CASE WHEN ref.id IS NULL THEN :received_at END
    FROM (SELECT COALESCE((SELECT id FROM call_attempts WHERE id = :attempt_id),
                          (SELECT id FROM call_attempts WHERE call_sid = :call_sid)) AS id) AS ref
    WHERE true
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING id
"""
FIELDS = (
    "dedup_key",
    "attempt_id",
    "call_sid",
    "kind",
    "call_status",
    "answered_by",
    "digits",
    "sequence_number",
    "duration_seconds",
    "error_code",
    "sip_code",
    "detail",
    "provider_timestamp",
    "received_at",
)

_TYPED = text(APPEND_SQL).bindparams(
    bindparam("received_at", type_=UTCDateTime),
    bindparam("provider_timestamp", type_=UTCDateTime),
    bindparam("attempt_id", type_=BigInteger),
)
_PSYCOPG = re.sub(r"(?<!:):(\w+)", r"%(\1)s", APPEND_SQL)


class EventLog:
    """Appends provider events; `append` is safe to call again with the same event (idempotent)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._raw = engine.dialect.name == "postgresql"

    def append(self, values: Mapping[str, object]) -> bool:
        """Insert one event (keys of FIELDS; missing ones are NULL); True if it was not already logged."""
        params = {field: values.get(field) for field in FIELDS}
        if self._raw:
            return self._append_raw(params)
        with self._engine.begin() as connection:
            return connection.execute(_TYPED, params).first() is not None

    def _append_raw(self, params: dict[str, object]) -> bool:
        for attempt in (1, 2):
            try:
                connection = self._engine.raw_connection()  # pooled; autocommit (see single_statement_engine)
            except (psycopg.OperationalError, DBAPIError) as exc:
                if attempt == 2:
                    raise EventLogUnavailable(str(exc)) from exc
                continue
            try:
                cursor = connection.cursor()
                cursor.execute(_PSYCOPG, params)
                return cursor.fetchone() is not None
            except psycopg.OperationalError as exc:
                # The pooled connection died (a database restart), and so did every other one pooled with it:
                # drop them all, or each would refuse one callback (lost: the provider does not send it again)
                # after the database is back. The append is idempotent: retry once, on a new connection.
                connection.invalidate()
                self._engine.dispose()
                if attempt == 2:
                    raise EventLogUnavailable(str(exc)) from exc
            finally:
                connection.close()
        raise AssertionError("unreachable")


class EventLogUnavailable(Exception):
    """The event log cannot be written (the database is down)."""
