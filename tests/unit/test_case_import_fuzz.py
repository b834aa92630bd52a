"""Fuzzing the case import: good files damaged at random (quotes, separators, bad bytes, garbage lines, split
lines, line breaks of every kind, truncation, another encoding) never lose a good row outside the damage, and
every line after the header is accounted for."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contact_service.clock import FixedClock
from contact_service.domain.case_record import CASE_COLUMNS, CaseRecord
from contact_service.services.case_import import ImportSummary, Rejection, import_cases
from contact_service.services.synthetic_cases import synthetic_case_rows

CLOCK = FixedClock(dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC))
LINE_BREAK = re.compile(rb"\r\n|\r|\n")  # as the CSV reader and the import count lines


def base_rows() -> list[dict[str, str]]:
    rows = list(synthetic_case_rows(40, CLOCK.now().date() - dt.timedelta(days=1), seed=11, prefix="FZ"))
    rows[3]["name"] = "Chen, Wei"  # quoted because of its comma
    rows[8]["name"] = "Ana Sofía Núñez"  # not ASCII: another encoding damages it
    rows[15]["name"] = "Blue Ridge\nPlumbing LLC"  # a quoted field over two lines, the one multi-line record
    rows[22]["name"] = 'Harold "Hal" Finch'  # doubled quotes inside a quoted field
    return rows


def render(rows: list[dict[str, str]]) -> bytes:
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=CASE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue().encode()


BASE_ROWS = base_rows()
BASE = render(BASE_ROWS)
BASE_LINES = BASE.rstrip(b"\n").split(b"\n")  # line 1 (index 0) is the header
# Each record as the physical lines it takes (only row 15 takes two), with its case id.
RECORDS: list[tuple[tuple[bytes, ...], str]] = []
_line = 1
for _row in BASE_ROWS:
    _count = 1 + _row["name"].count("\n")
    RECORDS.append((tuple(BASE_LINES[_line : _line + _count]), _row["case_id"]))
    _line += _count


class Recorder:
    """A CaseWriter that keeps the last record written for each case, as the database would."""

    def __init__(self) -> None:
        self.cases: dict[str, CaseRecord] = {}

    def start_run(self, source_name: str, now: dt.datetime) -> int:
        return 1

    def upsert(self, records: list[CaseRecord], now: dt.datetime) -> None:
        self.cases.update((record.case_number, record) for record in records)

    def finish_run(self, run_id: int, rows_read: int, rows_imported: int, rows_rejected: int, now: dt.datetime) -> None:
        pass


def run(data: bytes, batch_size: int = 7) -> tuple[ImportSummary, Recorder, list[Rejection]]:
    recorder, rejections = Recorder(), []
    summary = import_cases(io.BytesIO(data), recorder, CLOCK, batch_size=batch_size, on_rejection=rejections.append)
    return summary, recorder, rejections


EXPECTED = run(BASE)[1].cases

BAD_BYTES = [b"\xff", b"\xe9", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf"]
DAMAGES = [
    "quote", "unquote", "separator", "unseparate", "bad_bytes", "garbage", "text_garbage", "split", "cut",
    "quote_pair",
]  # fmt: skip


@st.composite
def damaged_files(draw: st.DrawFn) -> bytes:
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "latin-1"]))
    lines = BASE.decode().rstrip("\n").encode(encoding).split(b"\n")
    for _ in range(draw(st.integers(1, 6))):
        damage = draw(st.sampled_from(DAMAGES))
        index = draw(st.integers(1, len(lines) - 1))  # the header stays whole: without it nothing is imported
        line = lines[index]
        at = draw(st.integers(0, len(line)))
        if damage == "quote":
            lines[index] = line[:at] + b'"' + line[at:]
        elif damage == "separator":
            lines[index] = line[:at] + b"," + line[at:]
        elif damage in ("unquote", "unseparate"):
            mark = b'"' if damage == "unquote" else b","
            spots = [i for i, byte in enumerate(line) if byte == mark[0]]
            if spots:
                spot = draw(st.sampled_from(spots))
                lines[index] = line[:spot] + line[spot + 1 :]
        elif damage == "bad_bytes":
            lines[index] = line[:at] + draw(st.sampled_from(BAD_BYTES)) + line[at:]
        elif damage == "garbage":
            lines.insert(index, draw(st.binary(max_size=80)))
        elif damage == "text_garbage":
            alphabet = st.one_of(st.sampled_from(list('",\r\n ')), st.characters(codec="utf-8"))
            lines.insert(index, draw(st.text(alphabet, max_size=80)).encode("utf-8", "surrogatepass"))
        elif damage == "split":
            lines[index] = line[:at] + draw(st.sampled_from([b"\n", b"\r", b"\r\n"])) + line[at:]
        elif damage == "cut":  # a line cut short, its end lost
            lines[index] = line[:at]
        elif damage == "quote_pair" and index + 1 < len(lines):
            # A quote opening a field on one line and one closing the same field a few lines on: read as CSV,
            # the quoted field swallows the lines between, and the row still has the header's width.
            later = draw(st.integers(index + 1, min(index + 3, len(lines) - 1)))
            field = draw(st.integers(1, len(CASE_COLUMNS) - 1))
            lines[index] = _quote_at_field(lines[index], field, opening=True)
            lines[later] = _quote_at_field(lines[later], field, opening=False)
    ending = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    data = ending.join(lines) + draw(st.sampled_from([ending, b""]))
    if draw(st.booleans()):  # the file truncated (never into the header)
        data = data[: draw(st.integers(len(lines[0]) + len(ending), len(data)))]
    return data


def _quote_at_field(line: bytes, field: int, opening: bool) -> bytes:
    """`line` with a quote put at the start (or the end) of its `field`th comma-separated field."""
    commas = [i for i, byte in enumerate(line) if byte == ord(",")]
    if len(commas) < field:
        return line
    at = commas[field - 1] + 1 if opening else (commas[field] if field < len(commas) else len(line))
    return line[:at] + b'"' + line[at:]


def physical_lines(data: bytes) -> list[bytes]:
    """The file's lines as the CSV format delimits them, counted independently of the import."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = LINE_BREAK.split(data)
    if lines and lines[-1] == b"":
        lines.pop()  # the break at the end of the last line starts no line
    return lines


def intact_records(lines: list[bytes]) -> list[tuple[int, int, str]]:
    """(first line, last line, case id) of every original record still in the file exactly as it was."""
    by_first_line = {record[0]: (record, case_id) for record, case_id in RECORDS}
    found = []
    for index, line in enumerate(lines):
        if index == 0 or line not in by_first_line:
            continue
        record, case_id = by_first_line[line]
        if tuple(lines[index : index + len(record)]) == record:
            found.append((index + 1, index + len(record), case_id))
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_files())
def test_damage_never_loses_a_good_row_outside_it_and_every_line_is_accounted_for(data: bytes) -> None:
    summary, recorder, rejections = run(data)
    lines = physical_lines(data)

    assert summary.rows_read == summary.rows_imported + summary.rows_rejected
    assert summary.data_lines == len(lines) - 1
    assert summary.data_lines == summary.rows_read + summary.joined_lines + summary.blank_lines
    rejected_lines = {rejection.line for rejection in rejections}
    assert len(rejected_lines) == summary.rows_rejected  # one row, one line it starts on
    assert all(2 <= line <= len(lines) for line in rejected_lines)

    for first, last, case_id in intact_records(lines):
        assert not rejected_lines & set(range(first, last + 1)), f"intact lines {first}-{last} were refused"
        assert recorder.cases.get(case_id) == EXPECTED[case_id], f"intact row {case_id} (line {first}) was lost"


def test_the_undamaged_base_imports_clean_and_the_oracle_sees_every_row() -> None:
    summary, recorder, _ = run(BASE)
    assert summary.clean and summary.rows_read == len(BASE_ROWS) == len(recorder.cases)
    assert summary.joined_lines == 1 and summary.data_lines == len(BASE_ROWS) + 1
    assert len(intact_records(physical_lines(BASE))) == len(BASE_ROWS)
