"""Reading a CSV file row by row: damage costs the line it is on, never the rows after it, and every line after
the header is in exactly one row or blank."""

from __future__ import annotations

import io
import time

import pytest

from contact_service.domain.csv_rows import CsvLimits, CsvRows, Row, UnusableHeader

WIDTH = 12
HEADER = ",".join(f"c{n}" for n in range(WIDTH)) + "\n"


def good(n: int) -> str:
    """A well-formed row of WIDTH cells whose first cell names it."""
    return ",".join([f"R{n}", *(f"v{k}" for k in range(WIDTH - 1))]) + "\n"


def as_stream(text: str) -> io.TextIOWrapper:
    """Text as the import reads it: a UTF-8 byte stream, line breaks left as they are."""
    return io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8", newline="")


def read(text: str, limits: CsvLimits | None = None) -> tuple[list[Row], CsvRows]:
    rows = CsvRows(as_stream(text), limits or CsvLimits())
    header = rows.header()
    return list(rows.rows(len(header))), rows


def names(rows: list[Row]) -> list[str]:
    return [row.cells[0] for row in rows if row.cells]


def refused(rows: list[Row]) -> list[int]:
    return [row.line for row in rows if row.cells is None]


def assert_accounted(rows: list[Row], reader: CsvRows) -> None:
    assert reader.data_lines == len(rows) + reader.joined_lines + reader.blank_lines
    assert sum(row.end_line - row.line + 1 for row in rows) + reader.blank_lines == reader.data_lines


def test_rows_carry_the_line_they_start_on_and_blank_lines_are_counted() -> None:
    rows, reader = read(HEADER + good(1) + "\n" + "  \n" + ",,,,,,,,,,,\n" + good(2))
    assert [(row.line, row.cells[0]) for row in rows if row.cells] == [(2, "R1"), (6, "R2")]
    assert (reader.data_lines, reader.blank_lines, reader.joined_lines) == (5, 3, 0)
    assert_accounted(rows, reader)


def test_a_quoted_field_may_hold_line_breaks() -> None:
    wrapped = 'R2,"Blue Ridge\nPlumbing LLC",' + ",".join(f"v{k}" for k in range(WIDTH - 2)) + "\n"
    rows, reader = read(HEADER + good(1) + wrapped + good(3))
    assert names(rows) == ["R1", "R2", "R3"]
    assert (rows[1].line, rows[1].end_line, rows[1].cells[1]) == (3, 4, "Blue Ridge\nPlumbing LLC")
    assert rows[2].line == 5 and reader.joined_lines == 1
    assert_accounted(rows, reader)


def test_an_unclosed_quote_costs_its_own_line_only() -> None:
    broken = good(2).replace("v3", '"v3')
    rows, reader = read(HEADER + good(1) + broken + "".join(good(n) for n in range(3, 1003)))
    assert refused(rows) == [3]
    assert "unclosed quote" in rows[1].problem and "line 4" in rows[1].problem
    assert names(rows) == ["R1", *(f"R{n}" for n in range(3, 1003))]
    assert_accounted(rows, reader)


def test_a_quote_the_file_ends_inside_costs_its_own_line_only() -> None:
    rows, reader = read(HEADER + good(1) + good(2).replace("v9", '"v9') + "just text\nmore text\n")
    assert refused(rows) == [3]
    assert "the file ends inside" in rows[1].problem
    # The lines after it are read again, each as a row of its own (the validation refuses their width).
    assert [(row.line, row.cells) for row in rows[2:]] == [(4, ["just text"]), (5, ["more text"])]
    assert_accounted(rows, reader)


def test_a_quote_closing_on_a_later_line_into_the_wrong_width_costs_its_first_line() -> None:
    rows, reader = read(HEADER + good(1).replace("v2", '"v2') + 'tail",x\n' + good(3))
    assert refused(rows) == [2]
    assert "into a row of" in rows[0].problem
    assert [row.line for row in rows] == [2, 3, 4] and names(rows) == ['tail"', "R3"]
    assert_accounted(rows, reader)


def test_a_quoted_field_may_not_span_more_lines_than_the_limit() -> None:
    opened = good(1).replace("v10", '"v10')
    rows, reader = read(HEADER + opened + "text\n" * 10, CsvLimits(max_row_lines=4))
    assert refused(rows) == [2] and "past 4 lines" in rows[0].problem
    assert len(rows) == 11
    assert_accounted(rows, reader)


def test_a_line_longer_than_the_limit_is_skipped_not_read() -> None:
    limits = CsvLimits(max_line_chars=200, max_row_chars=200)
    rows, reader = read(HEADER + good(1) + "x" * 10_000 + "\n" + good(3), limits)
    assert [(row.line, row.cells is None) for row in rows] == [(2, False), (3, True), (4, False)]
    assert "longer than 200 characters" in rows[1].problem
    assert_accounted(rows, reader)


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("extra", range(-3, 4))
def test_line_counts_hold_whatever_the_line_break_and_where_the_read_limit_cuts_it(ending: str, extra: int) -> None:
    limit = 100
    # A long line whose length puts its line break right at, before or after the read limit.
    long_line = "y" * (limit + extra) + "\n"
    text = (HEADER + good(1) + long_line + good(3) + good(4)).replace("\n", ending)
    rows, reader = read(text, CsvLimits(max_line_chars=limit, max_row_chars=limit))
    assert names(rows)[0] == "R1" and names(rows)[-2:] == ["R3", "R4"]
    assert [row.line for row in rows] == [2, 3, 4, 5]
    assert reader.data_lines == 4
    assert_accounted(rows, reader)


def test_an_unclosed_quote_running_into_a_long_line_costs_each_line_alone() -> None:
    limits = CsvLimits(max_line_chars=200, max_row_chars=200)
    rows, reader = read(HEADER + good(1).replace("v4", '"v4') + "z" * 1000 + "\n" + good(3), limits)
    assert refused(rows) == [2, 3] and names(rows) == ["R3"]
    assert_accounted(rows, reader)


def test_a_closing_quote_followed_by_text_is_damage() -> None:
    rows, _ = read(HEADER + good(1).replace("v4", '"v4"junk') + good(2))
    assert refused(rows) == [2] and "not readable as CSV" in rows[0].problem
    assert names(rows) == ["R2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("a," * 300_000 + "\n", "line 1 is longer than"),
        ("a," * 5_000 + "\n", "more than 1,000 columns"),
        ('case_id,"name\n', "not readable as CSV"),
    ],
)
def test_an_absurd_header_is_refused_at_once(text: str, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(UnusableHeader, match=message):
        CsvRows(as_stream(text)).header()
    assert time.perf_counter() - started < 0.5
