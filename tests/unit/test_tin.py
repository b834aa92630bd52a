"""What counts as a full taxpayer identification number, and what (phone numbers, amounts, dates) does not."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from contact_service.domain.tin import looks_like_tin, tin_columns
from contact_service.services.synthetic_cases import write_synthetic_cases
from tests.conftest import SHARED_SAMPLES

TINS = [
    "123-45-6789",  # SSN
    "923-70-1234",  # ITIN (9XX-7X-XXXX)
    "123 45 6789",
    "123.45.6789",
    "123 - 45 - 6789",
    "123\u201345\u20136789",  # en dashes
    "12-3456789",  # EIN
    "123456789",
    "\uff11\uff12\uff13-\uff14\uff15-\uff16\uff17\uff18\uff19",  # fullwidth digits
    "SSN 123-45-6789 on file",
    "ACS123456789",
]
NOT_TINS = [
    "(212) 555-0101",
    "+1 415 555 0102",
    "312-555-0103",
    "303.555.0104",
    "6025550105",
    "1-907-555-0107",
    "+44 20 7946 0958",
    "2026-09-15",
    "12345-6789",  # ZIP+4
    "1234567890",
    "12345678",
    "ACS-0001",
    "SYN-0000001",
    "4512.33",
    "Ana Sofía Núñez",
]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        (column, value)
        for column in ["name", "case_id", "state", "phone", "balance_due", "notes"]
        for value in TINS
        if not (column == "balance_due" and value.isdigit())  # a 9-digit amount is money (below)
    ],
)
def test_a_full_tin_is_recognized_in_any_column(column: str, value: str) -> None:
    assert looks_like_tin(column, value)


@pytest.mark.parametrize("value", NOT_TINS)
@pytest.mark.parametrize("column", ["name", "case_id", "phone", "balance_due", "notes"])
def test_phone_numbers_dates_and_amounts_are_not_tins(column: str, value: str) -> None:
    assert not looks_like_tin(column, value)


def test_the_columns_that_hold_numbers_are_read_as_numbers() -> None:
    assert not looks_like_tin("balance_due", "123456789")  # $123,456,789
    assert not looks_like_tin("balance_due", "123456789.00")
    assert not looks_like_tin("phone", "+33 612345678")  # a French mobile: 9-digit national number
    assert looks_like_tin("phone", "123456789")  # no US number has 9 digits
    assert looks_like_tin("notes", "+33 612345678")


def test_tin_columns_names_each_column_in_order() -> None:
    columns = ["case_id", "name", "balance_due", "notes"]
    assert tin_columns(columns, ["A-1", "Maria", "123456789", "ok"]) == []
    assert tin_columns(columns, ["123-45-6789", "Maria", "1.00", "EIN 12-3456789"]) == ["case_id", "notes"]


def every_cell(text: str) -> list[tuple[str, str]]:
    return [(column, value) for row in csv.DictReader(io.StringIO(text)) for column, value in row.items()]


@pytest.mark.parametrize("path", ["tests/data/cases.csv", "shared"])
def test_the_shipped_samples_hold_nothing_shaped_like_a_tin(path: str, samples_dir: Path) -> None:
    sample = SHARED_SAMPLES / "cases.csv" if path == "shared" else samples_dir / "cases.csv"
    if not sample.exists():
        pytest.skip(f"{sample} is not in this checkout")
    assert [cell for cell in every_cell(sample.read_text()) if looks_like_tin(*cell)] == []


def test_synthetic_case_files_hold_nothing_shaped_like_a_tin() -> None:
    stream = io.StringIO()
    write_synthetic_cases(stream, 20_000, today=dt.date(2026, 11, 24), seed=7, prefix="BENCH")
    assert [cell for cell in every_cell(stream.getvalue()) if looks_like_tin(*cell)] == []
