"""Bulk writes of imported cases: one staging table, then set-based upserts (COPY on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, Engine, bindparam, insert, text, update

from contact_service.adapters.db.models import ImportRun
from contact_service.adapters.db.types import UTCDateTime
from contact_service.domain.case_record import CaseRecord
from contact_service.domain.phone import encode_zones
from contact_service.domain.states import ImportRunStatus, PhoneStatus

STAGING_COLUMNS = (
    "case_number",
    "taxpayer_type",
    "name",
    "state",
    "tin_last4",
    "e164",
    "zones",
    "balance_cents",
    "notice_stage",
    "last_notice_on",
    "assessed_on",
    "csed_on",
    "hold",
    "poa_on_file",
)

CREATE_STAGING = """
CREATE TEMPORARY TABLE IF NOT EXISTS case_staging (
    case_number VARCHAR(64) NOT NULL,
    taxpayer_type VARCHAR(16) NOT NULL,
    name VARCHAR(200) NOT NULL,
    state VARCHAR(2) NOT NULL,
    tin_last4 VARCHAR(4) NOT NULL,
    e164 VARCHAR(20) NOT NULL,
    zones TEXT NOT NULL,
    balance_cents BIGINT NOT NULL,
    notice_stage VARCHAR(8) NOT NULL,
    last_notice_on DATE NOT NULL,
    assessed_on DATE NOT NULL,
    csed_on DATE NOT NULL,
    hold VARCHAR(32),
    poa_on_file BOOLEAN NOT NULL
)
"""

# The same statements run on SQLite and PostgreSQL. `WHERE true` keeps SQLite's parser from reading
# ON CONFLICT as a join constraint of the SELECT.
UPSERT_STATEMENTS = (
    """
    INSERT INTO taxpayers (external_ref, taxpayer_type, name, state, tin_last4, created_at, updated_at)
    SELECT case_number, taxpayer_type, name, state, tin_last4, :now, :now FROM case_staging WHERE true
    ON CONFLICT (external_ref) DO UPDATE SET
        taxpayer_type = excluded.taxpayer_type, name = excluded.name, state = excluded.state,
        tin_last4 = excluded.tin_last4, updated_at = excluded.updated_at
    """,
    """
    INSERT INTO cases (case_number, taxpayer_id, balance_cents, notice_stage, last_notice_on, assessed_on,
                       csed_on, poa_on_file, created_at, updated_at)
    SELECT s.case_number, t.id, s.balance_cents, s.notice_stage, s.last_notice_on, s.assessed_on,
           s.csed_on, s.poa_on_file, :now, :now
    FROM case_staging s JOIN taxpayers t ON t.external_ref = s.case_number WHERE true
    ON CONFLICT (case_number) DO UPDATE SET
        balance_cents = excluded.balance_cents, notice_stage = excluded.notice_stage,
        last_notice_on = excluded.last_notice_on, assessed_on = excluded.assessed_on,
        csed_on = excluded.csed_on, poa_on_file = excluded.poa_on_file, updated_at = excluded.updated_at
    """,
    # A number no longer on file stays in history but stops being the one we call.
    """
    UPDATE phone_numbers SET is_primary = false
    FROM case_staging s JOIN taxpayers t ON t.external_ref = s.case_number
    WHERE phone_numbers.taxpayer_id = t.id AND phone_numbers.is_primary AND phone_numbers.e164 <> s.e164
    """,
    # A number already found bad stays bad when a file brings it again.
    f"""
    INSERT INTO phone_numbers (taxpayer_id, e164, zones, is_primary, status, created_at)
    SELECT t.id, s.e164, s.zones, true, '{PhoneStatus.ACTIVE.value}', :now
    FROM case_staging s JOIN taxpayers t ON t.external_ref = s.case_number WHERE true
    ON CONFLICT (taxpayer_id, e164) DO UPDATE SET is_primary = true, zones = excluded.zones
    """,
    # The file is the authority for holds it placed; holds placed by operators or the system stay.
    # Staging holds one row per case, so the join finds exactly the file's word on each held case.
    """
    UPDATE case_holds SET released_at = :now
    FROM case_staging s JOIN cases c ON c.case_number = s.case_number
    WHERE case_holds.case_id = c.id AND case_holds.released_at IS NULL AND case_holds.source = 'import'
      AND (s.hold IS NULL OR s.hold <> case_holds.hold)
    """,
    """
    INSERT INTO case_holds (case_id, hold, source, placed_at)
    SELECT c.id, s.hold, 'import', :now
    FROM case_staging s JOIN cases c ON c.case_number = s.case_number
    WHERE s.hold IS NOT NULL
    ON CONFLICT (case_id, hold) WHERE released_at IS NULL DO NOTHING
    """,
)


_UPSERTS = tuple(
    text(sql).bindparams(bindparam("now", type_=UTCDateTime)) if ":now" in sql else text(sql)
    for sql in UPSERT_STATEMENTS
)


def staging_row(record: CaseRecord) -> tuple[object, ...]:
    """A validated record flattened into staging-table column order."""
    return (
        record.case_number,
        record.taxpayer_type.value,
        record.name,
        record.state,
        record.tin_last4,
        record.phone.e164,
        encode_zones(record.phone.zones),
        record.balance_cents,
        record.notice_stage.value,
        record.last_notice_on,
        record.assessed_on,
        record.csed_on,
        record.hold.value if record.hold else None,
        record.poa_on_file,
    )


TARGET_TABLES = ("taxpayers", "cases", "phone_numbers", "case_holds")
ANALYZE_MIN_ROWS = 10_000
ANALYZE_GROWTH = 0.2


class CaseStore:
    """Writes batches of validated case records; each batch is one transaction.

    On PostgreSQL it keeps planner statistics fresh while it loads: autovacuum lags a bulk load by minutes,
    and with stale row counts the planner hash-joins each small batch against the whole table (quadratic
    over a million rows) instead of looking rows up by index.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._written_since_analyze = 0
        self._rows_at_analyze = 0.0

    def __enter__(self) -> CaseStore:
        self._connection = self._engine.connect()
        self._connection.exec_driver_sql(CREATE_STAGING)
        self._connection.exec_driver_sql(
            "CREATE UNIQUE INDEX IF NOT EXISTS case_staging_case_number ON case_staging (case_number)"
        )
        if self._connection.dialect.name == "postgresql":
            self._rows_at_analyze = max(
                0.0,
                self._connection.exec_driver_sql("SELECT reltuples FROM pg_class WHERE relname = 'cases'").scalar()
                or 0.0,
            )
        self._connection.commit()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._connection is not None
        self._connection.close()
        self._connection = None

    def start_run(self, source_name: str, now: dt.datetime) -> int:
        """Record that an import of `source_name` began; returns the run id."""
        assert self._connection is not None, "use CaseStore as a context manager"
        with self._connection.begin():
            return self._connection.execute(
                insert(ImportRun)
                .values(source_name=source_name[:500], started_at=now, status=ImportRunStatus.RUNNING)
                .returning(ImportRun.id)
            ).scalar_one()

    def finish_run(self, run_id: int, rows_read: int, rows_imported: int, rows_rejected: int, now: dt.datetime) -> None:
        """Record the counts of a finished import."""
        assert self._connection is not None, "use CaseStore as a context manager"
        with self._connection.begin():
            self._connection.execute(
                update(ImportRun)
                .where(ImportRun.id == run_id)
                .values(
                    finished_at=now,
                    rows_read=rows_read,
                    rows_imported=rows_imported,
                    rows_rejected=rows_rejected,
                    status=(
                        ImportRunStatus.COMPLETED if rows_rejected == 0 else ImportRunStatus.COMPLETED_WITH_REJECTIONS
                    ),
                )
            )

    def upsert(self, records: Sequence[CaseRecord], now: dt.datetime) -> None:
        """Insert new cases and update existing ones (matched by case number) in one transaction."""
        connection = self._connection
        assert connection is not None, "use CaseStore as a context manager"
        rows = [staging_row(record) for record in records]
        with connection.begin():
            connection.exec_driver_sql("DELETE FROM case_staging")
            self._load_staging(connection, rows)
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("ANALYZE case_staging")
            for statement in _UPSERTS:
                connection.execute(statement, {"now": now})
        self._refresh_statistics(len(rows))

    def _refresh_statistics(self, written: int) -> None:
        connection = self._connection
        assert connection is not None
        if connection.dialect.name != "postgresql":
            return
        self._written_since_analyze += written
        if self._written_since_analyze < max(ANALYZE_MIN_ROWS, ANALYZE_GROWTH * self._rows_at_analyze):
            return
        with connection.begin():
            connection.exec_driver_sql(f"ANALYZE {', '.join(TARGET_TABLES)}")
            self._rows_at_analyze = (
                connection.exec_driver_sql("SELECT reltuples FROM pg_class WHERE relname = 'cases'").scalar() or 0.0
            )
        self._written_since_analyze = 0

    def _load_staging(self, connection: Connection, rows: list[tuple[object, ...]]) -> None:
        driver_connection = connection.connection.driver_connection
        if connection.dialect.name == "postgresql" and driver_connection is not None:
            cursor = driver_connection.cursor()
            with cursor.copy(f"COPY case_staging ({', '.join(STAGING_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # sqlite3's implicit date adapter is deprecated; store ISO text, as SQLAlchemy's Date type does.
        rows = [tuple(value.isoformat() if isinstance(value, dt.date) else value for value in row) for row in rows]
        placeholders = ", ".join("?" for _ in STAGING_COLUMNS)
        connection.exec_driver_sql(
            f"INSERT INTO case_staging ({', '.join(STAGING_COLUMNS)}) VALUES ({placeholders})", rows
        )
