"""Importing cases into a real database (SQLite and PostgreSQL): upsert by case number, never duplicate."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from sqlalchemy import Engine, func, select, update

from contact_service.adapters.db.case_store import CaseStore
from contact_service.adapters.db.models import Case, CaseHold, ImportRun, PhoneNumber, Taxpayer
from contact_service.clock import FixedClock
from contact_service.domain.case_record import CASE_COLUMNS
from contact_service.services.case_import import ImportSummary, import_cases

CLOCK = FixedClock(dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC))
HEADER = ",".join(CASE_COLUMNS)


def import_bytes(engine: Engine, content: bytes, batch_size: int = 5000) -> ImportSummary:
    with CaseStore(engine) as store:
        return import_cases(io.BytesIO(content), store, CLOCK, source_name="test.csv", batch_size=batch_size)


def count(engine: Engine, model) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def row(case_id: str = "A-1", phone: str = "(212) 555-0101", hold: str = "", balance: str = "4512.33") -> str:
    return f"{case_id},individual,Maria Lopez,{phone},NY,{balance},CP504,2026-09-15,2025-06-02,{hold},false,1234"


def test_the_sample_file_twice_leaves_eight_cases(engine: Engine, samples_dir: Path) -> None:
    content = (samples_dir / "cases.csv").read_bytes()
    first = import_bytes(engine, content)
    second = import_bytes(engine, content)
    assert (first.rows_imported, first.rows_rejected) == (8, 4)
    assert (second.rows_imported, second.rows_rejected) == (8, 4)
    assert count(engine, Case) == 8
    assert count(engine, Taxpayer) == 8
    assert count(engine, PhoneNumber) == 8
    assert count(engine, CaseHold) == 1  # ACS-0006's bankruptcy, placed once
    with engine.connect() as connection:
        case = connection.execute(select(Case).where(Case.case_number == "ACS-0002")).one()
        assert case.balance_cents == 1825000 and case.notice_stage == "LT11"
        assert case.csed_on == dt.date(2034, 11, 18)
        phone = connection.execute(select(PhoneNumber).where(PhoneNumber.taxpayer_id == case.taxpayer_id)).one()
        assert phone.e164 == "+14155550102" and phone.zones == "America/Los_Angeles"
        runs = connection.execute(select(ImportRun.rows_imported, ImportRun.rows_rejected, ImportRun.status)).all()
        assert runs == [(8, 4, "completed_with_rejections"), (8, 4, "completed_with_rejections")]


def test_reimport_updates_a_case_in_place(engine: Engine) -> None:
    import_bytes(engine, f"{HEADER}\n{row(balance='100.00')}\n".encode())
    import_bytes(engine, f"{HEADER}\n{row(balance='250.00')}\n".encode())
    with engine.connect() as connection:
        assert connection.execute(select(Case.balance_cents)).scalars().all() == [25000]


def test_a_new_number_becomes_primary_and_the_old_one_is_kept(engine: Engine) -> None:
    import_bytes(engine, f"{HEADER}\n{row(phone='(212) 555-0101')}\n".encode())
    import_bytes(engine, f"{HEADER}\n{row(phone='(415) 555-0102')}\n".encode())
    with engine.connect() as connection:
        phones = connection.execute(select(PhoneNumber.e164, PhoneNumber.is_primary).order_by(PhoneNumber.id)).all()
    assert phones == [("+12125550101", False), ("+14155550102", True)]


def test_a_number_found_bad_stays_bad_when_the_file_brings_it_again(engine: Engine) -> None:
    import_bytes(engine, f"{HEADER}\n{row()}\n".encode())
    with engine.begin() as connection:
        connection.execute(update(PhoneNumber).values(status="bad", bad_reason="disconnected"))
    import_bytes(engine, f"{HEADER}\n{row()}\n".encode())
    with engine.connect() as connection:
        assert connection.execute(select(PhoneNumber.status)).scalars().all() == ["bad"]


def test_the_file_places_and_releases_its_own_holds_but_not_an_operators(engine: Engine) -> None:
    import_bytes(engine, f"{HEADER}\n{row(hold='bankruptcy')}\n".encode())
    with engine.begin() as connection:
        case_id = connection.scalar(select(Case.id))
        connection.execute(
            CaseHold.__table__.insert().values(
                case_id=case_id, hold="opt_out", source="operator", placed_at=CLOCK.now()
            )
        )
    import_bytes(engine, f"{HEADER}\n{row(hold='deceased')}\n".encode())
    with engine.connect() as connection:
        holds = connection.execute(
            select(CaseHold.hold, CaseHold.source, CaseHold.released_at.is_(None)).order_by(CaseHold.id)
        ).all()
    assert holds == [("bankruptcy", "import", False), ("opt_out", "operator", True), ("deceased", "import", True)]


def test_batches_larger_and_smaller_than_the_file_give_the_same_result(engine: Engine) -> None:
    rows = "\n".join(row(case_id=f"A-{n}", phone=f"(212) 555-{n:04d}") for n in range(1, 23))
    summary = import_bytes(engine, f"{HEADER}\n{rows}\n".encode(), batch_size=5)
    assert summary.rows_imported == 22
    assert count(engine, Case) == 22 and count(engine, PhoneNumber) == 22
