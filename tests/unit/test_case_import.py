"""Case intake: good rows kept, bad rows reported by line and reason, unusable files refused untouched."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from pathlib import Path

import pytest

from contact_service.clock import FixedClock
from contact_service.domain.case_record import CASE_COLUMNS
from contact_service.services.case_import import CaseFileError, Rejection, import_cases

CLOCK = FixedClock(dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC))
HEADER = ",".join(CASE_COLUMNS)
ROW = "{id},individual,Maria Lopez,(212) 555-0101,NY,4512.33,CP504,2026-09-15,2025-06-02,,false,1234"


class InMemoryCases:
    """A CaseWriter that keeps what it is given."""

    def __init__(self) -> None:
        self.batches: list[list] = []
        self.runs: list[tuple] = []

    def start_run(self, source_name: str, now: dt.datetime) -> int:
        self.runs.append(("started", source_name))
        return len(self.runs)

    def upsert(self, records, now) -> None:  # type: ignore[no-untyped-def]
        self.batches.append(list(records))

    def finish_run(self, run_id: int, rows_read: int, rows_imported: int, rows_rejected: int, now) -> None:  # type: ignore[no-untyped-def]
        self.runs.append(("finished", rows_read, rows_imported, rows_rejected))

    @property
    def records(self) -> list:
        return [record for batch in self.batches for record in batch]


def run(content: str | bytes, **kwargs):  # type: ignore[no-untyped-def]
    data = content.encode() if isinstance(content, str) else content
    writer = InMemoryCases()
    rejections: list[Rejection] = []
    summary = import_cases(io.BytesIO(data), writer, CLOCK, on_rejection=rejections.append, **kwargs)
    return summary, writer, rejections


def test_the_sample_file_keeps_eight_rows_and_rejects_the_last_four(samples_dir: Path) -> None:
    summary, writer, rejections = run((samples_dir / "cases.csv").read_bytes())
    assert (summary.rows_read, summary.rows_imported, summary.rows_rejected) == (12, 8, 4)
    assert [record.case_number for record in writer.records] == [f"ACS-{n:04d}" for n in range(1, 9)]
    assert [(r.line, r.column) for r in rejections] == [
        (10, "phone"),
        (11, "balance_due"),
        (12, "notice_stage"),
        (13, "last_notice_on"),
    ]
    assert "has no area code" in rejections[0].reason
    assert "is negative" in rejections[1].reason
    assert "CP999" in rejections[2].reason
    assert "is not a date" in rejections[3].reason
    assert writer.runs == [("started", "(stream)"), ("finished", 12, 8, 4)]


def test_a_byte_order_mark_is_tolerated() -> None:
    summary, writer, _ = run(b"\xef\xbb\xbf" + f"{HEADER}\n{ROW.format(id='A-1')}\n".encode())
    assert summary.clean and len(writer.records) == 1


def test_columns_may_come_in_any_order_and_extra_columns_are_ignored() -> None:
    columns = [*list(reversed(CASE_COLUMNS)), "notes"]
    values = dict(zip(CASE_COLUMNS, ROW.format(id="A-1").split(","), strict=True))
    line = ",".join(values[c] for c in reversed(CASE_COLUMNS)) + ",call after lunch"
    summary, writer, _ = run(f"{','.join(columns)}\n{line}\n")
    assert summary.clean and writer.records[0].case_number == "A-1"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (ROW.format(id="A-1").encode() + b"\n", "line 1 is not a header row"),
        (b"case_id,name\nA-1,Maria\n", "lacks column(s): taxpayer_type"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not"),
        ((HEADER + ",case_id\n").encode(), "names column(s) twice: case_id"),
    ],
)
def test_an_unusable_file_is_refused_before_anything_is_written(content: bytes, message: str) -> None:
    writer = InMemoryCases()
    with pytest.raises(CaseFileError, match=re.escape(message)):
        import_cases(io.BytesIO(content), writer, CLOCK)
    assert writer.batches == [] and writer.runs == []


def test_line_numbers_count_blank_lines_and_multiline_fields() -> None:
    content = "\n".join(
        [
            HEADER,
            ROW.format(id="A-1"),
            "",
            'A-2,business,"Blue Ridge\nPlumbing LLC",312-555-0103,IL,10.00,CP504,2026-09-01,2025-03-10,,false,9012',
            ROW.format(id="A-3").replace("(212) 555-0101", "555-0109"),
        ]
    )
    _summary, writer, rejections = run(content + "\n")
    assert [record.case_number for record in writer.records] == ["A-1", "A-2"]
    assert writer.records[1].name == "Blue Ridge Plumbing LLC"
    assert [(r.line, r.column) for r in rejections] == [(6, "phone")]


def test_a_row_with_the_wrong_number_of_fields_is_rejected_alone() -> None:
    _summary, writer, rejections = run(f"{HEADER}\n{ROW.format(id='A-1')},extra\n{ROW.format(id='A-2')}\n")
    assert [record.case_number for record in writer.records] == ["A-2"]
    assert rejections == [Rejection(2, "(row)", "has 13 fields; the header has 12")]


def test_a_row_with_bytes_that_are_not_utf8_is_rejected_alone() -> None:
    bad = ROW.format(id="A-2").replace("Maria", "Mar\xeda").encode("latin-1")
    content = f"{HEADER}\n{ROW.format(id='A-1')}\n".encode() + bad + f"\n{ROW.format(id='A-3')}\n".encode()
    _summary, writer, rejections = run(content)
    assert [record.case_number for record in writer.records] == ["A-1", "A-3"]
    assert rejections == [Rejection(3, "(row)", "contains bytes that are not UTF-8")]


def test_utf8_names_are_kept_exactly() -> None:
    _summary, writer, _ = run(f"{HEADER}\n{ROW.format(id='A-1').replace('Maria Lopez', 'Ana Sofía Núñez')}\n")
    assert writer.records[0].name == "Ana Sofía Núñez"


def test_a_case_repeated_in_one_file_keeps_its_last_row() -> None:
    later = ROW.format(id="A-1").replace("4512.33", "99.00")
    _summary, writer, _ = run(f"{HEADER}\n{ROW.format(id='A-1')}\n{later}\n")
    assert [record.balance_cents for record in writer.records] == [9900]


def test_rows_are_written_in_bounded_batches_with_progress() -> None:
    rows = "\n".join(ROW.format(id=f"A-{n}") for n in range(25))
    progress: list[tuple[int, int]] = []
    _summary, writer, _ = run(f"{HEADER}\n{rows}\n", batch_size=10, on_progress=lambda r, b: progress.append((r, b)))
    assert [len(batch) for batch in writer.batches] == [10, 10, 5]
    assert [rows_read for rows_read, _ in progress] == [10, 20, 25]
    assert progress[-1][1] == len(f"{HEADER}\n{rows}\n".encode())


def test_validating_in_worker_processes_gives_the_same_result_in_the_same_order() -> None:
    rows = [ROW.format(id=f"A-{n}") if n % 7 else ROW.format(id=f"A-{n}").replace("CP504", "CP9") for n in range(60)]
    content = f"{HEADER}\n" + "\n".join(rows) + "\n"
    serial = run(content, batch_size=8)
    parallel = run(content, batch_size=8, workers=2)
    assert [r.case_number for r in parallel[1].records] == [r.case_number for r in serial[1].records]
    assert parallel[2] == serial[2] and len(parallel[2]) == 9
    assert (parallel[0].rows_imported, parallel[0].rows_rejected) == (51, 9)


def test_a_batch_is_written_once_it_holds_its_bytes_whatever_its_rows() -> None:
    header = HEADER + ",notes"
    wide = [ROW.format(id=f"W-{n}") + "," + "n" * 20_000 for n in range(40)]
    content = header + "\n" + "\n".join(wide) + "\n"
    _summary, writer, _ = run(content, batch_size=5000, batch_bytes=100_000)
    assert len(writer.records) == 40
    # 100 kB of 20 kB rows: a batch every five or six rows (the count of bytes read is as coarse as a read).
    assert len(writer.batches) >= 6 and max(len(batch) for batch in writer.batches) <= 7


def test_a_huge_row_is_refused_with_its_line_and_the_rows_around_it_kept() -> None:
    content = f"{HEADER}\n{ROW.format(id='A-1')}\n{ROW.format(id='A-2')},{'x' * 1_000_000}\n{ROW.format(id='A-3')}\n"
    summary, writer, rejections = run(content)
    assert [record.case_number for record in writer.records] == ["A-1", "A-3"]
    assert [(r.line, r.column) for r in rejections] == [(3, "(row)")]
    assert "longer than 65,536 characters; not read" in rejections[0].reason
    assert (summary.rows_read, summary.data_lines) == (3, 3)


def test_an_unclosed_quote_costs_one_row_and_the_summary_accounts_for_every_line() -> None:
    rows = [ROW.format(id=f"A-{n}") for n in range(1, 1001)]
    rows[1] = rows[1].replace("Maria Lopez", '"Maria Lopez')
    summary, writer, rejections = run(f"{HEADER}\n" + "\n".join(rows) + "\n\n")
    assert len(writer.records) == 999
    assert [(r.line, r.column) for r in rejections] == [(3, "(row)")] and "unclosed quote" in rejections[0].reason
    assert (summary.rows_read, summary.rows_imported, summary.rows_rejected) == (1000, 999, 1)
    assert (summary.data_lines, summary.joined_lines, summary.blank_lines) == (1001, 0, 1)


def test_a_row_over_several_lines_is_reported_with_both_ends() -> None:
    row = 'A-2,business,"Blue Ridge\nPlumbing LLC",312-555-0103,IL,-1,CP504,2026-09-01,2025-03-10,,false,9012'
    summary, _writer, rejections = run(f"{HEADER}\n{ROW.format(id='A-1')}\n{row}\n")
    assert [str(r) for r in rejections] == ["lines 3-4, balance_due: '-1' is negative"]
    assert (summary.data_lines, summary.rows_read, summary.joined_lines) == (3, 2, 1)


def test_a_full_tin_in_a_column_the_import_ignores_refuses_the_row_without_echoing_it() -> None:
    content = f"{HEADER},notes,123-45-6789\n{ROW.format(id='A-1')},SSN 123-45-6789,x\n{ROW.format(id='A-2')},ok,x\n"
    _summary, writer, rejections = run(content)
    assert [record.case_number for record in writer.records] == ["A-2"]
    assert [(r.line, r.column) for r in rejections] == [(2, "notes")]
    assert "6789" not in str(rejections[0])


def test_a_header_column_named_like_a_tin_is_reported_by_position() -> None:
    content = f"{HEADER},123-45-6789\n{ROW.format(id='A-1')},987-65-4321\n"
    _summary, _writer, rejections = run(content)
    assert [r.column for r in rejections] == ["column 13"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (HEADER + ",x" * 300_000, "line 1 is longer than 65,536 characters"),
        (HEADER + ",x" * 5_000, "line 1 has more than 1,000 columns"),
        (HEADER + "," + ",".join(f"c{n}" for n in range(900)), None),
    ],
)
def test_an_absurd_header_is_refused_in_milliseconds(header: str, message: str | None) -> None:
    content = (header + "\n" + ROW.format(id="A-1") + "\n").encode()
    started = time.perf_counter()
    if message is None:  # wide but sane: read, and its row refused for its width
        summary, _writer, _ = run(content)
        assert summary.rows_rejected == 1
    else:
        with pytest.raises(CaseFileError, match=re.escape(message)):
            import_cases(io.BytesIO(content), InMemoryCases(), CLOCK)
    assert time.perf_counter() - started < 0.5
