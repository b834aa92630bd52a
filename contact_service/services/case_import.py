"""Case intake: stream a case file, keep every good row, report every bad one with its line and reason.

The writer (the database's case store) commits each batch on its own: a million-row file cannot be one
transaction, and a batch that fails leaves the batches before it in place. The run's summary is the writer's
`finish_run`; the use case (`use_cases.cases.import_cases`) writes it with `services.import_runs` in the
transaction that carries the import's one audit record. This module stays free of the database: it is what
the validating worker processes import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, BinaryIO, Protocol, TypeVar

from contact_service.clock import Clock
from contact_service.domain.case_record import CASE_COLUMNS, CaseRecord, missing_columns, parse_case_row
from contact_service.domain.errors import Invalid

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

ROW_LEVEL = "(row)"
MAX_KEPT_REJECTIONS = 1000  # the summary keeps the first ones; every one is still streamed to the listener


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
    """A refused row: the line it starts on, the column at fault and why."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.reason}"


@dataclass
class ImportSummary:
    """Counts of one import, plus the first rejections for display."""

    rows_read: int = 0
    rows_imported: int = 0
    rows_rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)

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
) -> ImportSummary:
    """Validate and upsert every row of a case file. CaseFileError, before anything is written, if the file is
    unusable.

    `on_progress(rows_read, bytes_read)` is called after every batch. A case number repeated in one file:
    the last row wins. With `workers` > 1, rows are validated in that many processes while this one writes.
    """
    counter = _CountingReader(source)
    # Bad bytes become U+FFFD so the row holding them can be refused alone; a BOM is dropped.
    text = io.TextIOWrapper(io.BufferedReader(counter), encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text)
    try:
        columns, width = _read_header(reader)
    except _UnusableHeader as exc:
        raise CaseFileError(source_name, str(exc)) from None
    run_id = writer.start_run(source_name, clock.now())
    today = clock.now().date()
    summary = ImportSummary()
    batch: dict[str, CaseRecord] = {}

    def reject(line: int, column: str, reason: str) -> None:
        rejection = Rejection(line, column, reason)
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

    validate = partial(_validate_chunk, columns=columns, width=width, today=today)
    for chunk in _ordered_map(validate, _chunks(reader, batch_size), workers):
        for line, outcome in chunk:
            summary.rows_read += 1
            if isinstance(outcome, CaseRecord):
                batch[outcome.case_number] = outcome
                summary.rows_imported += 1
                continue
            summary.rows_rejected += 1
            for column, reason in outcome:
                reject(line, column, reason)
        flush()
    writer.finish_run(run_id, summary.rows_read, summary.rows_imported, summary.rows_rejected, clock.now())
    return summary


Chunk = list[tuple[int, "list[str] | str"]]  # (line, cells) or (line, why the CSV reader failed)
Outcome = CaseRecord | list[tuple[str, str]]
Item = TypeVar("Item")
Result = TypeVar("Result")


class _LineReader(Protocol):
    """What csv.reader gives: rows, and the line the last row read ended on."""

    @property
    def line_num(self) -> int: ...

    def __next__(self) -> list[str]: ...


class _UnusableHeader(Exception):
    """Why the header row cannot be used (the file's name is added by import_cases)."""


def _chunks(reader: _LineReader, size: int) -> Iterator[Chunk]:
    """Non-blank rows with the line each starts on, `size` at a time."""
    chunk: Chunk = []
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            chunk.append((line, f"unreadable CSV ({exc})"))
            continue
        if any(cell.strip() for cell in row):
            chunk.append((line, row))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _validate_chunk(chunk: Chunk, columns: dict[str, int], width: int, today: dt.date) -> list[tuple[int, Outcome]]:
    """Validate a chunk of rows (runs in a worker process when there are several)."""
    return [
        (line, [(ROW_LEVEL, row)] if isinstance(row, str) else _row_problems(row, columns, width, today))
        for line, row in chunk
    ]


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


def _read_header(reader: _LineReader) -> tuple[dict[str, int], int]:
    try:
        header = next(reader)
    except StopIteration:
        raise _UnusableHeader("the file is empty") from None
    except csv.Error as exc:
        raise _UnusableHeader(f"line 1 is not readable as CSV ({exc})") from None
    if any("\ufffd" in cell for cell in header):
        raise _UnusableHeader("the file is not UTF-8 text")
    names = [cell.strip().lower() for cell in header]
    missing = missing_columns(header)
    if missing:
        if len(missing) == len(CASE_COLUMNS):
            raise _UnusableHeader(f"line 1 is not a header row; expected the columns: {', '.join(CASE_COLUMNS)}")
        raise _UnusableHeader(f"the header row lacks column(s): {', '.join(missing)}")
    duplicated = sorted({name for name in names if names.count(name) > 1 and name in CASE_COLUMNS})
    if duplicated:
        raise _UnusableHeader(f"the header row names column(s) twice: {', '.join(duplicated)}")
    return {name: index for index, name in enumerate(names) if name in CASE_COLUMNS}, len(header)


def _row_problems(row: list[str], columns: dict[str, int], width: int, today: dt.date) -> Outcome:
    if len(row) != width:
        return [(ROW_LEVEL, f"has {len(row)} fields; the header has {width}")]
    if any("\ufffd" in cell for cell in row):
        return [(ROW_LEVEL, "contains bytes that are not UTF-8")]
    fields = {name: row[index] for name, index in columns.items()}
    result = parse_case_row(fields, today)
    if isinstance(result, CaseRecord):
        return result
    return [(problem.column, problem.reason) for problem in result]
