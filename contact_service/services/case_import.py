"""Case intake: stream a case file, keep every good row, report every bad one with its line and reason.

The writer (the database's case store) commits each batch on its own: a million-row file cannot be one
transaction, and a batch that fails leaves the batches before it in place. The run's summary is the writer's
`finish_run`; the use case (`use_cases.cases.import_cases`) writes it with `services.import_runs` in the
transaction that carries the import's one audit record. This module stays free of the database: it is what
the validating worker processes import.

Damage stays where it is (`domain.csv_rows`): an unclosed quote, a line too long to read, a row of the wrong
width each cost their own line, and the summary accounts for every line after the header. Memory is bounded
however the file is made: by line and row length, and by batch, in rows and in bytes. A full TIN in any
column refuses its row, named by column and never by value (`domain.tin`).
"""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, BinaryIO, Protocol, TypeVar

from contact_service.clock import Clock
from contact_service.domain.case_record import CASE_COLUMNS, CaseRecord, missing_columns, parse_case_row
from contact_service.domain.csv_rows import DEFAULT_LIMITS, CsvLimits, CsvRows, Row, UnusableHeader
from contact_service.domain.errors import Invalid
from contact_service.domain.tin import TIN_REASON, looks_like_tin, tin_columns

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

ROW_LEVEL = "(row)"
MAX_KEPT_REJECTIONS = 1000  # the summary keeps the first ones; every one is still streamed to the listener
DEFAULT_BATCH_BYTES = 4 * 1024 * 1024  # of the file per batch, whatever its rows' width


class CaseFileError(Invalid):
    """The file cannot be used at all (unreadable, not CSV, no header); nothing was written. The field is the
    file's name, so the message reads "<file>: <why>; nothing was imported"."""

    def __init__(self, source_name: str, problem: str) -> None:
        super().__init__(source_name, f"{problem}; nothing was imported")
        self.problem = problem


class CaseWriter(Protocol):
    """Where validated cases go (the database adapter in production, a list in unit tests)."""

    def start_run(self, source_name: str, now: dt.datetime) -> int: ...

    def upsert(self, records: list[CaseRecord], now: dt.datetime) -> None: ...

    def finish_run(
        self, run_id: int, rows_read: int, rows_imported: int, rows_rejected: int, now: dt.datetime
    ) -> None: ...


@dataclass(frozen=True)
class Rejection:
    """A refused row: the line it starts on (and ends on, when a quoted field spans lines), the column at fault
    and why."""

    line: int
    column: str
    reason: str
    end_line: int | None = None

    def __str__(self) -> str:
        lines = f"lines {self.line}-{self.end_line}" if self.end_line else f"line {self.line}"
        return f"{lines}, {self.column}: {self.reason}"


@dataclass
class ImportSummary:
    """Counts of one import, plus the first rejections for display.

    Every row read is imported or rejected (`rows_read == rows_imported + rows_rejected`), and every data line
    (a physical line after the header) is in exactly one row or blank:
    `data_lines == rows_read + joined_lines + blank_lines`, where `joined_lines` are the lines after the first
    of rows whose quoted fields hold line breaks (see `domain.csv_rows`)."""

    rows_read: int = 0
    rows_imported: int = 0
    rows_rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    data_lines: int = 0
    joined_lines: int = 0
    blank_lines: int = 0

    @property
    def clean(self) -> bool:
        """True when no row was refused."""
        return self.rows_rejected == 0


class _CountingReader(io.RawIOBase):
    """Counts bytes pulled from the underlying file, for progress reporting."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._raw.read(len(view))
        view[: len(data)] = data
        self.bytes_read += len(data)
        return len(data)


def import_cases(
    source: BinaryIO,
    writer: CaseWriter,
    clock: Clock,
    source_name: str = "(stream)",
    batch_size: int = 5000,
    workers: int = 1,
    on_rejection: Callable[[Rejection], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    limits: CsvLimits = DEFAULT_LIMITS,
) -> ImportSummary:
    """Validate and upsert every row of a case file. CaseFileError, before anything is written, if the file is
    unusable.

    A batch is written when it holds `batch_size` rows or `batch_bytes` of the file, whichever comes first;
    `on_progress(rows_read, bytes_read)` is called after every batch. A case number repeated in one file: the
    last row wins. With `workers` > 1, rows are validated in that many processes while this one writes.
    """
    counter = _CountingReader(source)
    # Bad bytes become U+FFFD so the row holding them can be refused alone; a BOM is dropped.
    text = io.TextIOWrapper(io.BufferedReader(counter), encoding="utf-8-sig", errors="replace", newline="")
    rows = CsvRows(text, limits)
    try:
        layout = _read_header(rows)
    except UnusableHeader as exc:
        raise CaseFileError(source_name, str(exc)) from None
    run_id = writer.start_run(source_name, clock.now())
    today = clock.now().date()
    summary = ImportSummary()
    batch: dict[str, CaseRecord] = {}

    def reject(line: int, end_line: int, column: str, reason: str) -> None:
        rejection = Rejection(line, column, reason, end_line if end_line != line else None)
        if len(summary.rejections) < MAX_KEPT_REJECTIONS:
            summary.rejections.append(rejection)
        if on_rejection:
            on_rejection(rejection)

    def flush() -> None:
        if batch:
            writer.upsert(list(batch.values()), clock.now())
            batch.clear()
        if on_progress and summary.rows_read:
            on_progress(summary.rows_read, counter.bytes_read)

    validate = partial(_validate_chunk, layout=layout, today=today)
    chunks = _chunks(rows.rows(layout.width), batch_size, batch_bytes, counter)
    for chunk in _ordered_map(validate, chunks, workers):
        for line, end_line, outcome in chunk:
            summary.rows_read += 1
            if isinstance(outcome, CaseRecord):
                batch[outcome.case_number] = outcome
                summary.rows_imported += 1
                continue
            summary.rows_rejected += 1
            for column, reason in outcome:
                reject(line, end_line, column, reason)
        flush()
    summary.data_lines, summary.joined_lines, summary.blank_lines = rows.data_lines, rows.joined_lines, rows.blank_lines
    writer.finish_run(run_id, summary.rows_read, summary.rows_imported, summary.rows_rejected, clock.now())
    return summary


Chunk = list[Row]
Outcome = CaseRecord | list[tuple[str, str]]
Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class _Layout:
    """What the header says: where each case column is, every column's name for reports, the row width."""

    columns: dict[str, int]
    extra: tuple[int, ...]  # the positions of the columns the case record does not read
    extra_labels: tuple[str, ...]
    width: int


def _chunks(rows: Iterator[Row], size: int, max_bytes: int, counter: _CountingReader) -> Iterator[Chunk]:
    """Rows `size` at a time, or fewer once they took `max_bytes` of the file (counted as read, to within one
    read buffer): wide rows do not pile up until a batch of many fills."""
    chunk: Chunk = []
    started_at = counter.bytes_read
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size or counter.bytes_read - started_at >= max_bytes:
            yield chunk
            chunk = []
            started_at = counter.bytes_read
    if chunk:
        yield chunk


def _validate_chunk(chunk: Chunk, layout: _Layout, today: dt.date) -> list[tuple[int, int, Outcome]]:
    """Validate a chunk of rows (runs in a worker process when there are several)."""
    return [(row.line, row.end_line, _row_problems(row, layout, today)) for row in chunk]


def _ordered_map(function: Callable[[Item], Result], items: Iterable[Item], workers: int) -> Iterator[Result]:
    """map(function, items) in order, on a process pool once there is a second item; at most 2x`workers`
    items are in flight, so memory stays bounded however long the file is."""
    iterator = iter(items)
    first = next(iterator, None)
    if first is None:
        return
    second = next(iterator, None)
    if workers <= 1 or second is None:
        yield function(first)
        if second is not None:
            yield function(second)
        yield from map(function, iterator)
        return
    # spawn, not fork: a forked child would share (and could close) the parent's database socket.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque[Future[Result]] = deque()
        pending.extend(pool.submit(function, item) for item in (first, second))
        for item in iterator:
            pending.append(pool.submit(function, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _read_header(rows: CsvRows) -> _Layout:
    header = rows.header()
    if any("\ufffd" in cell for cell in header):
        raise UnusableHeader("the file is not UTF-8 text")
    names = [cell.strip().lower() for cell in header]
    missing = missing_columns(header)
    if missing:
        if len(missing) == len(CASE_COLUMNS):
            raise UnusableHeader(f"line 1 is not a header row; expected the columns: {', '.join(CASE_COLUMNS)}")
        raise UnusableHeader(f"the header row lacks column(s): {', '.join(missing)}")
    counts = Counter(name for name in names if name in CASE_COLUMNS)
    duplicated = sorted(name for name, count in counts.items() if count > 1)
    if duplicated:
        raise UnusableHeader(f"the header row names column(s) twice: {', '.join(duplicated)}")
    columns = {name: index for index, name in enumerate(names) if name in CASE_COLUMNS}
    extra = tuple(index for index, name in enumerate(names) if name not in CASE_COLUMNS)
    return _Layout(columns, extra, tuple(_label(names[index], index) for index in extra), len(header))


def _label(name: str, index: int) -> str:
    """How reports name a column: its header name, or its position when the name is not fit to print."""
    if name.isprintable() and 0 < len(name) <= 64 and not looks_like_tin(name, name):
        return name
    return f"column {index + 1}"


def _row_problems(row: Row, layout: _Layout, today: dt.date) -> Outcome:
    cells = row.cells
    if cells is None:
        return [(ROW_LEVEL, row.problem or "is not readable as CSV")]
    if len(cells) != layout.width:
        return [(ROW_LEVEL, f"has {len(cells)} fields; the header has {layout.width}")]
    if any("\ufffd" in cell for cell in cells):
        return [(ROW_LEVEL, "contains bytes that are not UTF-8")]
    result = parse_case_row({name: cells[index] for name, index in layout.columns.items()}, today)
    # The case record screens the columns it reads; a full TIN in a column it ignores refuses the row too.
    unread = [(column, TIN_REASON) for column in tin_columns(layout.extra_labels, [cells[i] for i in layout.extra])]
    if isinstance(result, CaseRecord):
        return unread or result
    return [(problem.column, problem.reason) for problem in result] + unread
